import os

# ruleid: devops-mcp.secrets.generic-secret-assignment
PAYMENTS_API_TOKEN = "canary_7fQ2mZ9xL4vB8nR1kT6wY3pD"

config = {
    # ruleid: devops-mcp.secrets.generic-secret-assignment
    "client_secret": "canary~Q8s7Vb2Nm4Kx9Lp3Rt6Wz1Yc",
    # ok: devops-mcp.secrets.generic-secret-assignment
    "client_secret_name": "payments-client-secret-in-keyvault",
    # ok: devops-mcp.secrets.generic-secret-assignment
    "password": "changeme-changeme-changeme",
    # ok: devops-mcp.secrets.generic-secret-assignment
    "password": "aaaaaaaaaaaaaaaaaaaaaaaa",
}

# ok: devops-mcp.secrets.generic-secret-assignment
DB_PASSWORD = os.environ["DB_PASSWORD"]

# ok: devops-mcp.secrets.generic-secret-assignment
TOKEN_ENDPOINT = "https://login.microsoftonline.com/common/oauth2/v2.0/token"

# ok: devops-mcp.secrets.generic-secret-assignment
API_TOKEN = "${PAYMENTS_API_TOKEN}"
