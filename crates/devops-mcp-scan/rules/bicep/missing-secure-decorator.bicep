// ruleid: devops-mcp.bicep.missing-secure-decorator
param adminPassword string

// ruleid: devops-mcp.bicep.missing-secure-decorator
param storageConnectionString string

@secure()
// ok: devops-mcp.bicep.missing-secure-decorator
param sqlPassword string

@secure()
@description('Token used by the release job')
// ok: devops-mcp.bicep.missing-secure-decorator
param releaseToken string

// ok: devops-mcp.bicep.missing-secure-decorator
param keyVaultName string

// ok: devops-mcp.bicep.missing-secure-decorator
param sshPublicKey string
