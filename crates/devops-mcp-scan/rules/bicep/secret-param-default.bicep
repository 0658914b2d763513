@secure()
// ruleid: devops-mcp.bicep.secret-param-default
param sqlAdminPassword string = 'Canary-NotReal-P@ssw0rd-2024'

// ruleid: devops-mcp.bicep.secret-param-default
param apiToken string = 'canary-token-0000'

// ok: devops-mcp.bicep.secret-param-default
param location string = 'westeurope'

@secure()
// ok: devops-mcp.bicep.secret-param-default
param adminPassword string

// ok: devops-mcp.bicep.secret-param-default
param dbPassword string = ''

// ok: devops-mcp.bicep.secret-param-default
param keyVaultName string = 'kv-canary'
