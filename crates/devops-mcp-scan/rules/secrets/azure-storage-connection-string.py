import os

# ruleid: devops-mcp.secrets.azure-storage-connection-string
STORAGE = "DefaultEndpointsProtocol=https;AccountName=devopsmcpcanary;AccountKey=Q0FOQVJZLWRldm9wcy1tY3Atc3RvcmFnZS1rZXktTk9ULVJFQUwtZG8tbm90LXVzZS1DQU5BUlktMDAwMDAwMA==;EndpointSuffix=core.windows.net"

# ok: devops-mcp.secrets.azure-storage-connection-string
PLACEHOLDER = "DefaultEndpointsProtocol=https;AccountName=<account>;AccountKey=<key>;EndpointSuffix=core.windows.net"

# ok: devops-mcp.secrets.azure-storage-connection-string
FROM_ENV = os.environ["AZURE_STORAGE_CONNECTION_STRING"]

# ok: devops-mcp.secrets.azure-storage-connection-string
EMULATOR = "UseDevelopmentStorage=true"
