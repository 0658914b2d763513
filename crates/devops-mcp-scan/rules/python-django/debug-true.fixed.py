import os

# ruleid: devops-mcp.python-django.debug-true
DEBUG = False

# ok: devops-mcp.python-django.debug-true
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"

# ok: devops-mcp.python-django.debug-true
TEMPLATE_DEBUG_NOTE = True
