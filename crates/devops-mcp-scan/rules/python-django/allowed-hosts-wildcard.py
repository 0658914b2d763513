import os

# ruleid: devops-mcp.python-django.allowed-hosts-wildcard
ALLOWED_HOSTS = ["*"]

# ruleid: devops-mcp.python-django.allowed-hosts-wildcard
ALLOWED_HOSTS = ["app.contoso.com", "*"]

# ok: devops-mcp.python-django.allowed-hosts-wildcard
ALLOWED_HOSTS = ["app.contoso.com", ".contoso.net"]

# ok: devops-mcp.python-django.allowed-hosts-wildcard
ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")
