from django.db import connection

from .models import Order


def search(request):
    term = request.GET["q"]
    with connection.cursor() as cursor:
        # ruleid: devops-mcp.python-django.raw-sql-string-format
        cursor.execute(f"SELECT * FROM shop_order WHERE note LIKE '%{term}%'")
        # ruleid: devops-mcp.python-django.raw-sql-string-format
        cursor.execute("SELECT * FROM shop_order WHERE id = %s" % term)
        # ok: devops-mcp.python-django.raw-sql-string-format
        cursor.execute("SELECT * FROM shop_order WHERE id = %s", [term])
    # ruleid: devops-mcp.python-django.raw-sql-string-format
    orders = Order.objects.raw("SELECT * FROM shop_order WHERE customer = '{}'".format(term))
    # ruleid: devops-mcp.python-django.raw-sql-string-format
    orders = Order.objects.raw("SELECT * FROM shop_order WHERE customer = '" + term + "'")
    # ok: devops-mcp.python-django.raw-sql-string-format
    orders = Order.objects.raw("SELECT * FROM shop_order WHERE customer = %s", [term])
    return orders
