/** A small destination type used only by the mapping tests (registered with registerDestinationType). */
import type { DestinationType } from '../../src/destinations/kit.js';

export const testDestination: DestinationType = {
  type: 'test-mapping-dest',
  title: 'Test destination',
  description: 'test only',
  settings: {
    apiKey: { label: 'Api Key', description: 'the key', type: 'password', required: true },
    region: { label: 'Region', description: 'region', type: 'string', choices: ['US', 'EU'] },
  },
  endpoints: { api: { description: 'base URL', default: 'http://127.0.0.1:9/api' } },
  actions: {
    track: {
      title: 'Track',
      description: 'track',
      defaultTrigger: 'type = "track"',
      batching: { maxItems: 10, lingerMs: 0 },
      fields: {
        eventKey: { label: 'Event Key', description: 'key', type: 'string', required: true, default: { '@path': '$.event' } },
        userId: { label: 'User ID', description: 'user', type: 'string', required: true, default: { '@path': '$.userId' } },
        revenue: { label: 'Revenue', description: 'revenue', type: 'number' },
        tags: { label: 'Event Tags', description: 'tags', type: 'object', default: { '@path': '$.properties' } },
        timestamp: { label: 'Timestamp', description: 'ts', type: 'datetime', default: { '@path': '$.timestamp' } },
      },
      async performBatch(_ctx, items) {
        return { outcomes: items.map(() => ({ status: 'delivered' as const })), exchanges: [] };
      },
    },
  },
  presets: [
    { name: 'Signed Up', action: 'track', trigger: 'type = "track" and event = "Signed Up"', fields: { eventKey: 'signup' } },
    { name: 'Other', action: 'track', trigger: 'type = "page"' },
  ],
  segmentActionAliases: { segTrack: 'track' },
};
