/** GET /admin/v1/rejected: invalid messages of accepted requests, newest first, with their reason and field. */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../types.js';
import { beforeParam, errorResponses, limitParam } from './schemas.js';
import { byId, nextBefore, pageSchema } from './paging.js';

const rejectedSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    sourceId: { type: 'string' },
    receivedAt: { type: 'string', format: 'date-time' },
    reason: { type: 'string', description: '`<code>: <message>`, naming the field and the fix.' },
    field: { type: ['string', 'null'] },
    body: { description: 'The message as received (write key removed; a summary when it was over-size).' },
  },
  required: ['id', 'sourceId', 'receivedAt', 'reason'],
} as const;

interface RejectedQuery {
  limit: number;
  before?: number;
  sourceId?: string;
}

export const rejectedRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  app.get<{ Querystring: RejectedQuery }>(
    '/rejected',
    {
      schema: {
        summary: 'List rejected messages, newest first',
        tags: ['events'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: limitParam, before: beforeParam, sourceId: { type: 'string', description: 'Only rejections from this source.' } },
        },
        response: { 200: pageSchema('rejected', rejectedSchema), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await deps.store.listRejected({ limit: q.limit, before: q.before, sourceId: q.sourceId });
      return {
        rejected: rows.map((r) => ({ ...r, receivedAt: new Date(r.receivedAt).toISOString() })),
        nextBefore: nextBefore(rows, q.limit, byId),
      };
    },
  );
};

