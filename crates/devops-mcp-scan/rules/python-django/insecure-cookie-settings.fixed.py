# ruleid: devops-mcp.python-django.insecure-cookie-settings
SESSION_COOKIE_SECURE = True
# ruleid: devops-mcp.python-django.insecure-cookie-settings
CSRF_COOKIE_SECURE = True
# ok: devops-mcp.python-django.insecure-cookie-settings
SESSION_COOKIE_HTTPONLY = True
# ok: devops-mcp.python-django.insecure-cookie-settings
CSRF_USE_SESSIONS = False
