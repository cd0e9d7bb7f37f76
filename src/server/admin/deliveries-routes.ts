/**
 * Deliveries and dead letters in the admin API:
 *   GET  /deliveries            list (status, destinationId, lane, userId, messageId, event, error; newest first)
 *   GET  /deliveries/:id        one delivery with its event and attempt log (request / response, secrets redacted)
 *   POST /deliveries/:id/retry  make a pending / retry_wait / dead delivery due now
 *   POST /dlq/replay            dead → pending, by filter, ids, or all
 *   POST /dlq/purge             delete dead deliveries, by filter, ids, or all
 *   GET  /lanes                 per-lane counts, oldest pending age, limiter state and effective settings
 *   GET  /destinations/:id/health   delivery breakdown (per status, dead reasons, flags)
 *   POST /destinations/:id/test     the destination type's connection test
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Delivery, DeadFilter, DeliveryStatus, StoredAttempt } from '../../store/types.js';
import type { ServerDeps } from '../types.js';
import { sendError } from '../errors.js';
import { anyObject, beforeParam, errorResponses, errorSchema, iso, limitParam, nullableString } from './schemas.js';
import { byId, nextBefore, pageSchema } from './paging.js';

const STATUSES: DeliveryStatus[] = ['pending', 'in_flight', 'delivered', 'retry_wait', 'dead'];

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    eventId: { type: 'integer' },
    destinationId: { type: 'string' },
    mappingId: { type: 'string' },
    action: { type: 'string' },
    lane: { type: 'string', description: '`<destinationId>:<action>`' },
    status: { type: 'string', enum: STATUSES },
    attempts: { type: 'integer', description: 'Attempts so far (429 answers included; see docs/delivery.md).' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    nextAttemptAt: { type: 'string', format: 'date-time' },
    leaseOwner: nullableString,
    leaseExpiresAt: { type: ['string', 'null'], format: 'date-time' },
    lastError: { ...nullableString, description: 'Why the last attempt failed (for dead: why it was given up).' },
    lastStatusCode: { type: ['integer', 'null'] },
    flags: { type: ['object', 'null'], additionalProperties: true },
    messageId: { type: 'string' },
    userId: nullableString,
    eventName: nullableString,
  },
  required: ['id', 'destinationId', 'mappingId', 'action', 'lane', 'status', 'attempts', 'createdAt', 'nextAttemptAt', 'messageId'],
} as const;

const attemptSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    attempt: { type: 'integer' },
    outcome: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'number' },
    statusCode: { type: ['integer', 'null'] },
    error: nullableString,
    request: { description: 'Redacted request: method, url, headers, this delivery\'s payload as body (failures), batch size.' },
    response: { description: 'Redacted response: status, headers, body (clipped).' },
  },
  required: ['attempt', 'outcome', 'startedAt'],
} as const;

const filterProperties = {
  destinationId: { type: 'string', description: 'Only this destination.' },
  lane: { type: 'string', description: 'Only this lane (`<destinationId>:<action>`).' },
  userId: { type: 'string', description: 'Only deliveries of this userId.' },
  event: { type: 'string', description: 'Only track events with this name.' },
  error: { type: 'string', description: 'Case-insensitive substring of the last error.' },
} as const;

const dlqBody = {
  type: 'object',
  additionalProperties: false,
  description: 'Which dead deliveries: `{ "all": true }`, `{ "ids": [1, 2] }`, or a filter (all given fields must match).',
  properties: {
    all: { type: 'boolean', description: 'Every dead delivery.' },
    ids: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 10000 },
    ...filterProperties,
  },
} as const;

interface DlqBody {
  all?: boolean;
  ids?: number[];
  destinationId?: string;
  lane?: string;
  userId?: string;
  event?: string;
  error?: string;
}

export function presentDelivery(d: Delivery): Record<string, unknown> {
  return {
    ...d,
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    nextAttemptAt: iso(d.nextAttemptAt),
    leaseExpiresAt: iso(d.leaseExpiresAt),
  };
}

function presentAttempt(a: StoredAttempt): Record<string, unknown> {
  return { ...a, startedAt: iso(a.startedAt) };
}

/** A DLQ body → a store filter; undefined when it selects nothing explicit (refused: too easy to wipe everything). */
export function toDeadFilter(b: DlqBody | undefined): DeadFilter | undefined {
  if (!b) return undefined;
  const f: DeadFilter = {};
  if (b.ids) f.ids = b.ids;
  if (b.destinationId) f.destinationId = b.destinationId;
  if (b.lane) f.lane = b.lane;
  if (b.userId) f.userId = b.userId;
  if (b.event) f.eventName = b.event;
  if (b.error) f.error = b.error;
  if (Object.keys(f).length === 0 && b.all !== true) return undefined;
  return f;
}

const NO_SELECTION = 'say which dead deliveries: give "ids", a filter (destinationId, lane, userId, event, error), or "all": true';

export const deliveriesRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  const { store, clock } = deps;

  app.get<{ Querystring: { limit: number; before?: number; status?: DeliveryStatus; destinationId?: string; lane?: string; userId?: string; messageId?: string; event?: string; error?: string } }>(
    '/deliveries',
    {
      schema: {
        summary: 'List deliveries, newest first (status=dead lists the dead letters)',
        tags: ['deliveries'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: limitParam,
            before: beforeParam,
            status: { type: 'string', enum: STATUSES, description: 'Only this status.' },
            messageId: { type: 'string', description: 'Only the deliveries of the event with this messageId.' },
            ...filterProperties,
          },
        },
        response: { 200: pageSchema('deliveries', deliverySchema), ...errorResponses },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await store.listDeliveries({
        limit: q.limit, before: q.before, status: q.status, destinationId: q.destinationId, lane: q.lane, userId: q.userId, messageId: q.messageId, eventName: q.event, error: q.error,
      });
      return { deliveries: rows.map(presentDelivery), nextBefore: nextBefore(rows, q.limit, byId) };
    },
  );

  const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1, description: 'The delivery id.' } }, required: ['id'] } as const;

  app.get<{ Params: { id: number } }>(
    '/deliveries/:id',
    {
      schema: {
        summary: 'One delivery with its event and attempt log (secrets redacted)',
        tags: ['deliveries'],
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: { ...deliverySchema.properties, event: anyObject, attemptLog: { type: 'array', items: attemptSchema } },
            required: [...deliverySchema.required, 'event', 'attemptLog'],
          },
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const d = await store.getDelivery(req.params.id);
      if (!d) return sendError(reply, 404, 'not_found', `no delivery with id ${req.params.id}`);
      return { ...presentDelivery(d), event: d.event, attemptLog: d.attemptLog.map(presentAttempt) };
    },
  );

  app.post<{ Params: { id: number } }>(
    '/deliveries/:id/retry',
    {
      schema: {
        summary: 'Retry a delivery now (pending, retry_wait or dead; a dead one starts a fresh attempt budget only via /dlq/replay)',
        tags: ['deliveries'],
        params: idParams,
        response: {
          200: { type: 'object', properties: { ok: { type: 'boolean' }, delivery: deliverySchema }, required: ['ok'] },
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const before = await store.getDelivery(req.params.id);
      if (!before) return sendError(reply, 404, 'not_found', `no delivery with id ${req.params.id}`);
      const ok = await store.retryNow(req.params.id, clock.now());
      if (!ok) return sendError(reply, 409, 'not_retryable', `delivery ${req.params.id} is ${before.status}; only pending, retry_wait and dead deliveries can be retried`);
      deps.delivery?.wake([before.lane]);
      const after = await store.getDelivery(req.params.id);
      return { ok: true, delivery: after ? presentDelivery(after) : undefined };
    },
  );

  const dlqResponse = (key: string, description: string) => ({
    200: { type: 'object', properties: { [key]: { type: 'integer', description } }, required: [key] },
    ...errorResponses,
  });

  app.post<{ Body: DlqBody | undefined }>(
    '/dlq/replay',
    {
      schema: {
        summary: 'Replay dead deliveries (back to pending, attempts reset)',
        tags: ['dead letters'],
        body: dlqBody,
        response: dlqResponse('replayed', 'How many dead deliveries went back to pending.'),
      },
    },
    async (req, reply) => {
      const filter = toDeadFilter(req.body);
      if (!filter) return sendError(reply, 400, 'invalid_param', NO_SELECTION, { field: 'body' });
      const replayed = await store.replayDead(filter, clock.now());
      if (replayed > 0) deps.delivery?.wake();
      req.log.info({ replayed, filter: { ...filter, ids: filter.ids?.length } }, 'dead letters replayed');
      return { replayed };
    },
  );

  app.post<{ Body: DlqBody | undefined }>(
    '/dlq/purge',
    {
      schema: {
        summary: 'Delete dead deliveries (and their attempt logs)',
        tags: ['dead letters'],
        body: dlqBody,
        response: dlqResponse('purged', 'How many dead deliveries were deleted.'),
      },
    },
    async (req, reply) => {
      const filter = toDeadFilter(req.body);
      if (!filter) return sendError(reply, 400, 'invalid_param', NO_SELECTION, { field: 'body' });
      const purged = await store.purgeDead(filter);
      req.log.info({ purged, filter: { ...filter, ids: filter.ids?.length } }, 'dead letters purged');
      return { purged };
    },
  );

  const laneSchema = {
    type: 'object',
    properties: {
      lane: { type: 'string' },
      destinationId: { type: 'string' },
      action: { type: 'string' },
      pending: { type: 'integer' },
      inFlight: { type: 'integer' },
      retryWait: { type: 'integer' },
      delivered: { type: 'integer' },
      dead: { type: 'integer' },
      oldestPendingAgeMs: { type: 'number', description: 'Age of the oldest not-yet-delivered delivery (0 when none).' },
      running: { type: 'boolean', description: 'Whether this process runs the lane (its destination is configured, enabled and started).' },
      pausedUntil: { type: ['string', 'null'], format: 'date-time', description: 'Paused by a 429 until then.' },
      rateFactor: { type: ['number', 'null'], description: 'AIMD multiplier on the rate limit (1 = configured).' },
      settings: { type: ['object', 'null'], additionalProperties: true, description: 'Effective lane settings (batch size, linger, rate limit, retry budget).' },
    },
    required: ['lane', 'destinationId', 'action', 'pending', 'inFlight', 'retryWait', 'delivered', 'dead', 'oldestPendingAgeMs', 'running'],
  } as const;

  app.get(
    '/lanes',
    {
      schema: {
        summary: 'Per-lane queue state, limiter state and effective settings',
        tags: ['deliveries'],
        response: { 200: { type: 'object', properties: { lanes: { type: 'array', items: laneSchema } }, required: ['lanes'] }, ...errorResponses },
      },
    },
    async () => {
      const now = clock.now();
      const stats = await store.laneStats(now);
      const runtimes = deps.delivery?.destinations;
      const deliverer = deps.delivery?.deliverer;
      const byLane = new Map(stats.map((s) => [s.lane, s]));
      for (const l of runtimes?.lanes() ?? []) {
        if (!byLane.has(l.lane)) byLane.set(l.lane, { lane: l.lane, destinationId: l.destinationId, action: l.action, pending: 0, inFlight: 0, retryWait: 0, delivered: 0, dead: 0, oldestPendingAgeMs: 0 });
      }
      const lanes = [];
      for (const s of [...byLane.values()].sort((a, b) => a.lane.localeCompare(b.lane))) {
        const settings = runtimes?.lane(s.lane);
        const snap = deliverer && settings ? await deliverer.limiter.snapshot(s.lane) : undefined;
        lanes.push({
          ...s,
          running: settings !== undefined,
          pausedUntil: snap && snap.pausedUntil > now ? iso(snap.pausedUntil) : null,
          rateFactor: snap ? snap.factor : null,
          settings: settings ?? null,
        });
      }
      return { lanes };
    },
  );

  const destParams = { type: 'object', properties: { id: { type: 'string', description: 'The destination id.' } }, required: ['id'] } as const;

  app.get<{ Params: { id: string } }>(
    '/destinations/:id/health',
    {
      schema: {
        summary: 'Delivery health of one destination: counts per status, dead reasons, flags (e.g. conversions in no running experiment)',
        tags: ['destinations'],
        params: destParams,
        response: {
          200: {
            type: 'object',
            properties: {
              destinationId: { type: 'string' },
              enabled: { type: 'boolean' },
              running: { type: 'boolean' },
              startError: nullableString,
              byStatus: { type: 'object', additionalProperties: { type: 'integer' } },
              deadReasons: { type: 'array', items: { type: 'object', properties: { reason: { type: 'string' }, count: { type: 'integer' } }, required: ['reason', 'count'] } },
              flags: { type: 'object', additionalProperties: { type: 'integer' } },
            },
            required: ['destinationId', 'byStatus', 'deadReasons', 'flags'],
          },
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const dest = deps.config.destinations.find((d) => d.id === id);
      if (!dest) return sendError(reply, 404, 'not_found', `no destination "${id}" in the config (configured: ${deps.config.destinations.map((d) => d.id).join(', ') || 'none'})`);
      const b = await store.deliveryBreakdown(id);
      const runtimes = deps.delivery?.destinations;
      const startError = runtimes?.startFailures().find((f) => f.destinationId === id)?.error ?? null;
      return { destinationId: id, enabled: dest.enabled !== false, running: runtimes?.get(id) !== undefined, startError, ...b };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/destinations/:id/test',
    {
      schema: {
        summary: "Run the destination type's connection test (e.g. fetch the datafile)",
        tags: ['destinations'],
        params: destParams,
        response: {
          200: { type: 'object', properties: { ok: { type: 'boolean' }, message: { type: 'string' }, details: anyObject }, required: ['ok', 'message'] },
          404: errorSchema,
          503: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      if (!deps.config.destinations.some((d) => d.id === id)) return sendError(reply, 404, 'not_found', `no destination "${id}" in the config`);
      const runtimes = deps.delivery?.destinations;
      if (!runtimes) return sendError(reply, 503, 'unavailable', 'the deliverer is not running in this process (started with --no-workers?); connection tests need it');
      return runtimes.testConnection(id);
    },
  );
};
