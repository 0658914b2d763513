import os

import jwt

# ruleid: devops-mcp.secrets.jwt-signing-key
token = jwt.encode({"sub": "42"}, "canary-jwt-signing-key-7Hq2Xw9Lm4Pz", algorithm="HS256")

# ruleid: devops-mcp.secrets.jwt-signing-key
JWT_SECRET_KEY = "canary-jwt-signing-key-7Hq2Xw9Lm4Pz"

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": 300,
    # ruleid: devops-mcp.secrets.jwt-signing-key
    "SIGNING_KEY": "canary-jwt-signing-key-7Hq2Xw9Lm4Pz",
}

# ok: devops-mcp.secrets.jwt-signing-key
token = jwt.encode({"sub": "42"}, os.environ["JWT_SIGNING_KEY"], algorithm="HS256")

# ok: devops-mcp.secrets.jwt-signing-key
JWT_SECRET_KEY = "changeme"

# ok: devops-mcp.secrets.jwt-signing-key
JWT_ALGORITHM = "HS256-algorithm-name"
