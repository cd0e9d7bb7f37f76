/**
 * The seeded demo project the sandbox starts with (and the quickstart config points at). Documented in
 * docs/sandbox.md. These are sandbox-only credentials; they open nothing at Optimizely.
 */
export const DEMO = {
  accountId: '10000000001',
  projectId: '10000000002',
  webProjectId: '10000000003',
  environmentKey: 'production',
  sdkKey: 'demo-sdk-key',
  datafileToken: 'demo-datafile-token',
  personalAccessToken: 'demo-personal-access-token',
  odpApiKey: 'demo-odp-api-key',
  /** Region-bound ODP keys (valid only in their region), so region routing is testable. */
  odpApiKeyEu: 'demo-odp-api-key-eu1',
  odpApiKeyAu: 'demo-odp-api-key-au1',
  events: [
    { id: '30000000001', key: 'purchase' },
    { id: '30000000002', key: 'signup' },
    { id: '30000000003', key: 'add_to_cart' },
  ],
  attributes: [
    { id: '20000000001', key: 'plan' },
    { id: '20000000002', key: 'country' },
  ],
  experiment: { id: '40000000001', key: 'checkout_flow', layerId: '40000000010', status: 'Running' },
  variations: [
    { id: '41000000001', key: 'control' },
    { id: '41000000002', key: 'treatment' },
  ],
  webProjectName: 'Demo Web project',
  port: 4010,
} as const;
