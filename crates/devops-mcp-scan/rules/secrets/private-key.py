# ruleid: devops-mcp.secrets.private-key
SIGNING_KEY = """-----BEGIN RSA PRIVATE KEY-----
Q0FOQVJZIHByaXZhdGUga2V5IGZvciBkZXZvcHMtbWNwIHNjYW5uZXIgdGVzdHMu
IE5PVCBBIFJFQUwgS0VZLgpDQU5BUlkgcHJpdmF0ZSBrZXkgZm9yIGRldm9wcy1t
Y3Agc2Nhbm5lciB0ZXN0cy4gTk9UIEEgUkVBTCBLRVkuCkNBTkFSWSBwcml2YXRl
-----END RSA PRIVATE KEY-----"""

# ok: devops-mcp.secrets.private-key
DOC_EXAMPLE = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"

# ok: devops-mcp.secrets.private-key
PUBLIC = """-----BEGIN PUBLIC KEY-----
Q0FOQVJZIHByaXZhdGUga2V5IGZvciBkZXZvcHMtbWNwIHNjYW5uZXIgdGVzdHMu
-----END PUBLIC KEY-----"""
