resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'stcanary'
}

// ruleid: devops-mcp.bicep.secret-in-output
output storageConnection string = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'

// ruleid: devops-mcp.bicep.secret-in-output
output adminPassword string = adminPassword

// ok: devops-mcp.bicep.secret-in-output
output storageId string = storage.id

// ok: devops-mcp.bicep.secret-in-output
output keyVaultUri string = vault.properties.vaultUri

// ok: devops-mcp.bicep.secret-in-output
@secure()
output primaryKey string = storage.listKeys().keys[0].value // ok: devops-mcp.bicep.secret-in-output
