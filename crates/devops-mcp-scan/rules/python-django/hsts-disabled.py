# ruleid: devops-mcp.python-django.hsts-disabled
SECURE_HSTS_SECONDS = 0
# ruleid: devops-mcp.python-django.hsts-disabled
SECURE_SSL_REDIRECT = False
# ok: devops-mcp.python-django.hsts-disabled
SECURE_HSTS_SECONDS = 31536000
# ok: devops-mcp.python-django.hsts-disabled
SECURE_HSTS_PRELOAD = True
