resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-canary'
  properties: {
    // ruleid: devops-mcp.bicep.public-network-access-enabled
    publicNetworkAccess: 'Enabled'
  }
}

resource sql 'Microsoft.Sql/servers@2023-08-01-preview' = {
  name: 'sql-canary'
  properties: {
    // ok: devops-mcp.bicep.public-network-access-enabled
    publicNetworkAccess: 'Disabled'
  }
}
