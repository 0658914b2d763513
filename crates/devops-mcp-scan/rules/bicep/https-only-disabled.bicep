resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: 'app-canary'
  location: location
  properties: {
    // ruleid: devops-mcp.bicep.https-only-disabled
    httpsOnly: false
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stcanary'
  properties: {
    // ruleid: devops-mcp.bicep.https-only-disabled
    supportsHttpsTrafficOnly: false
    // ok: devops-mcp.bicep.https-only-disabled
    allowSharedKeyAccess: false
  }
}
