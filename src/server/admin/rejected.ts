/** GET /admin/v1/rejected: invalid messages of accepted requests, newest first, with their reason and field. */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../types.js';
import { beforeParam, errorResponses, limitParam } from './schemas.js';

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
        response: {
          200: {
            type: 'object',
            properties: {
              rejected: {
                type: 'array',
                items: {
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
                },
              },
              nextBefore: { type: ['integer', 'null'] },
            },
            required: ['rejected', 'nextBefore'],
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await deps.store.listRejected({ limit: q.limit, before: q.before, sourceId: q.sourceId });
      return {
        rejected: rows.map((r) => ({ ...r, receivedAt: new Date(r.receivedAt).toISOString() })),
        nextBefore: rows.length === q.limit ? rows[rows.length - 1].id : null,
      };
    },
  );
};

