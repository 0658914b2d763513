// ruleid: devops-mcp.secrets.appinsights-instrumentation-key
const telemetry = "InstrumentationKey=ca4a41e5-0000-4c0d-be00-decafc0ffee0;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";
const settings = {
  // ruleid: devops-mcp.secrets.appinsights-instrumentation-key
  instrumentation_key: "ca4a41e5-0000-4c0d-be00-decafc0ffee0",
  // ok: devops-mcp.secrets.appinsights-instrumentation-key
  instrumentationKey: "00000000-0000-0000-0000-000000000000",
  // ok: devops-mcp.secrets.appinsights-instrumentation-key
  instrumentationKey: process.env.APPINSIGHTS_INSTRUMENTATIONKEY,
};
