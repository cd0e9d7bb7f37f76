/** GET /admin/v1/stats: ingest counters (received, accepted, duplicates, rejected, suppressed), total and per source. */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../types.js';
import { errorResponses } from './schemas.js';

const counts = {
  type: 'object',
  properties: {
    received: { type: 'integer', description: 'Messages received in accepted requests (valid or not).' },
    accepted: { type: 'integer', description: 'Stored events.' },
    duplicates: { type: 'integer', description: 'Acknowledged but not stored again (same messageId within the dedup window).' },
    rejected: { type: 'integer', description: 'Invalid messages kept as rejected records.' },
    suppressed: { type: 'integer', description: 'Dropped because their user is suppressed.' },
  },
  required: ['received', 'accepted', 'duplicates', 'rejected', 'suppressed'],
} as const;

export const statsRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  app.get(
    '/stats',
    {
      schema: {
        summary: 'Ingest counters, in total and per source',
        tags: ['events'],
        response: {
          200: {
            type: 'object',
            properties: {
              total: counts,
              perSource: { type: 'object', additionalProperties: counts, description: 'Keyed by source id; every configured source is listed.' },
            },
            required: ['total', 'perSource'],
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const stats = await deps.store.ingestStats();
      const perSource = { ...stats.perSource };
      for (const s of deps.config.sources) {
        perSource[s.id] ??= { received: 0, accepted: 0, duplicates: 0, rejected: 0, suppressed: 0 };
      }
      return { total: stats.total, perSource };
    },
  );
};
