resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stcanary'
  properties: {
    // ruleid: devops-mcp.bicep.min-tls-below-1-2
    minimumTlsVersion: 'TLS1_2'
  }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: 'app-canary'
  properties: {
    siteConfig: {
      // ruleid: devops-mcp.bicep.min-tls-below-1-2
      minTlsVersion: '1.2'
      // ok: devops-mcp.bicep.min-tls-below-1-2
      ftpsMinTlsVersion: '1.2'
    }
  }
}
