import os

# ruleid: devops-mcp.secrets.django-secret-key
SECRET_KEY = "django-insecure-canary-0devops0mcp-not-a-real-key-k8#x!q2@z"

# ok: devops-mcp.secrets.django-secret-key
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

# ok: devops-mcp.secrets.django-secret-key
SECRET_KEY = "changeme"

# ok: devops-mcp.secrets.django-secret-key
SECRET_KEY = "<your-secret-key>"
