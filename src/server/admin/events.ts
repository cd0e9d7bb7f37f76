/** GET /admin/v1/events (newest first, filterable) and GET /admin/v1/events/:id. */
import type { FastifyPluginAsync } from 'fastify';
import { EVENT_TYPES } from '../../core/event.js';
import type { StoredEvent } from '../../store/types.js';
import type { ServerDeps } from '../types.js';
import { sendError } from '../errors.js';
import { anyObject, beforeParam, errorResponses, errorSchema, limitParam } from './schemas.js';
import { byId, nextBefore, pageSchema } from './paging.js';

const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    sourceId: { type: 'string' },
    messageId: { type: 'string' },
    type: { type: 'string' },
    userId: { type: ['string', 'null'] },
    anonymousId: { type: ['string', 'null'] },
    eventName: { type: ['string', 'null'], description: 'The track event name.' },
    receivedAt: { type: 'string', format: 'date-time' },
    body: { ...anyObject, description: 'The normalised Segment event as stored.' },
  },
  required: ['id', 'sourceId', 'messageId', 'type', 'receivedAt', 'body'],
} as const;

export function presentEvent(e: StoredEvent): Record<string, unknown> {
  return { ...e, receivedAt: new Date(e.receivedAt).toISOString() };
}

interface EventsQuery {
  limit: number;
  before?: number;
  userId?: string;
  type?: string;
  event?: string;
  sourceId?: string;
  messageId?: string;
}

export const eventsRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  app.get<{ Querystring: EventsQuery }>(
    '/events',
    {
      schema: {
        summary: 'List accepted events, newest first',
        tags: ['events'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: limitParam,
            before: beforeParam,
            userId: { type: 'string', description: 'Only events of this userId.' },
            type: { type: 'string', enum: [...EVENT_TYPES], description: 'Only events of this type.' },
            event: { type: 'string', description: 'Only track events with this name.' },
            sourceId: { type: 'string', description: 'Only events from this source.' },
            messageId: { type: 'string', description: 'Only the event with this messageId.' },
          },
        },
        response: { 200: pageSchema('events', eventSchema), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await deps.store.listEvents({
        limit: q.limit, before: q.before, userId: q.userId, type: q.type, event: q.event, sourceId: q.sourceId, messageId: q.messageId,
      });
      return { events: rows.map(presentEvent), nextBefore: nextBefore(rows, q.limit, byId) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/events/:id',
    {
      schema: {
        summary: 'One accepted event',
        tags: ['events'],
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, description: 'The event id.' } }, required: ['id'] },
        response: { 200: eventSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const e = await deps.store.getEvent(req.params.id);
      if (!e) return sendError(reply, 404, 'not_found', `no event with id ${req.params.id}`);
      return presentEvent(e);
    },
  );
};
