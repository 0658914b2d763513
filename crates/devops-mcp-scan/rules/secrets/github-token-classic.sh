#!/bin/sh
# ruleid: devops-mcp.secrets.github-token-classic
export GITHUB_TOKEN=ghp_CANARY0devops0mcp0not0a0real0token00
# ruleid: devops-mcp.secrets.github-token-classic
curl -H "Authorization: token gho_CANARY0devops0mcp0not0a0real0token00" https://api.github.com/user
# ok: devops-mcp.secrets.github-token-classic
export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
# ok: devops-mcp.secrets.github-token-classic
export GITHUB_TOKEN="${GH_TOKEN}"
# ok: devops-mcp.secrets.github-token-classic
export GITHUB_TOKEN=ghp_tooshort
