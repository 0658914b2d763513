import os

# ruleid: devops-mcp.secrets.github-token-fine-grained
TOKEN = "github_pat_11CANARY0DEVOPSMCP0000_canary0devops0mcp0fine0grained0token0not0real00000000000000"
# ok: devops-mcp.secrets.github-token-fine-grained
EXAMPLE = "github_pat_xxxxxxxxxxxxxxxxxxxxxx_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
# ok: devops-mcp.secrets.github-token-fine-grained
FROM_ENV = os.environ.get("GITHUB_TOKEN")
