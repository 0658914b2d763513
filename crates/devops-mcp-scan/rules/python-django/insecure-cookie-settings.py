# ruleid: devops-mcp.python-django.insecure-cookie-settings
SESSION_COOKIE_SECURE = False
# ruleid: devops-mcp.python-django.insecure-cookie-settings
CSRF_COOKIE_SECURE = False
# ok: devops-mcp.python-django.insecure-cookie-settings
SESSION_COOKIE_HTTPONLY = True
# ok: devops-mcp.python-django.insecure-cookie-settings
CSRF_USE_SESSIONS = False
