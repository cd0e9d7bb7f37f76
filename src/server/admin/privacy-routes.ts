/**
 * User deletion and suppression in the admin API (issue 8, docs/privacy.md):
 *   POST   /privacy/deletions                      delete a user: purge the store, submit to every destination that can
 *   GET    /privacy/requests                       deletion requests, newest first (status filter)
 *   GET    /privacy/requests/:id                   one request with each destination's status
 *   GET    /privacy/suppressions                   the suppression list
 *   POST   /privacy/suppressions                   suppress a userId and/or anonymousId
 *   DELETE /privacy/suppressions/:kind/:identifier lift a suppression
 *   GET    /privacy/audit                          who asked for what and when
 * The actor recorded is the body's `requestedBy` (default `admin-api`); the channel names the admin token by a
 * fingerprint (sha256, 12 hex digits), never the token.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { PrivacyInputError, PrivacyNotFoundError, PrivacyService } from '../../privacy/service.js';
import { IDENTIFIER_KINDS, type AuditEntry, type IdentifierKind, type PrivacyRequest, type PrivacyRequestStatus } from '../../store/privacy-types.js';
import type { ServerDeps } from '../types.js';
import { sendError } from '../errors.js';
import { errorResponses, errorSchema, iso, limitParam, nullableString } from './schemas.js';
import { byId, nextBefore, pageSchema } from './paging.js';

const REQUEST_STATUSES: PrivacyRequestStatus[] = ['pending', 'completed', 'failed'];

const countsSchema = {
  type: ['object', 'null'],
  description: 'What the store purge removed (attemptsRedacted: other deliveries\' batched log rows that mentioned the user, bodies replaced).',
  properties: Object.fromEntries(['events', 'deliveries', 'attempts', 'attemptsRedacted', 'rejected', 'dedup', 'syncRowErrors', 'syncSnapshots'].map((k) => [k, { type: 'integer' }])),
} as const;

const targetSchema = {
  type: 'object',
  properties: {
    destinationId: { type: 'string' },
    destinationType: { type: 'string' },
    identifierKind: { type: 'string', enum: IDENTIFIER_KINDS },
    status: { type: 'string', enum: ['pending', 'submitted', 'failed', 'not_supported'] },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: ['string', 'null'], format: 'date-time', description: 'For pending: when the next try is due.' },
    externalId: { ...nullableString, description: 'The destination\'s own request id (Optimizely\'s subject-access-request id).' },
    error: { ...nullableString, description: 'Why it failed (failed / pending retry), or what to do instead (not_supported).' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const requestSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', const: 'delete' },
    userId: { type: 'string' },
    anonymousId: { type: 'string' },
    requestedBy: { type: 'string' },
    via: { type: 'string' },
    requestedAt: { type: 'string', format: 'date-time' },
    status: { type: 'string', enum: REQUEST_STATUSES, description: 'pending while a destination is pending; failed when one failed for good; completed otherwise.' },
    completedAt: { type: ['string', 'null'], format: 'date-time' },
    purged: countsSchema,
    purgedAt: { type: ['string', 'null'], format: 'date-time' },
    targets: { type: 'array', items: targetSchema },
  },
} as const;

const auditSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    action: { type: 'string' },
    actor: { type: 'string' },
    via: { type: 'string' },
    identifierKind: { type: ['string', 'null'] },
    identifier: nullableString,
    requestId: nullableString,
    detail: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

const suppressionSchema = {
  type: 'object',
  properties: { kind: { type: 'string', enum: IDENTIFIER_KINDS }, identifier: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' }, createdBy: { type: 'string' } },
} as const;

const identifierProps = {
  userId: { type: 'string', minLength: 1, maxLength: 355, description: 'The Segment userId, exactly as sent.' },
  anonymousId: { type: 'string', minLength: 1, maxLength: 355, description: 'The Segment anonymousId, exactly as sent.' },
  requestedBy: { type: 'string', minLength: 1, maxLength: 200, description: 'Who asks (a name or team) for the audit; default `admin-api`.' },
} as const;

export function presentRequest(r: PrivacyRequest): Record<string, unknown> {
  return {
    ...r,
    requestedAt: iso(r.requestedAt),
    completedAt: iso(r.completedAt),
    purgedAt: iso(r.purgedAt),
    targets: r.targets.map((t) => ({ ...t, nextAttemptAt: iso(t.nextAttemptAt), updatedAt: iso(t.updatedAt) })),
  };
}

function presentAudit(a: AuditEntry): Record<string, unknown> {
  return { ...a, at: iso(a.at) };
}

/** The admin channel, naming the token by a fingerprint only. */
export function adminVia(token: string): string {
  return `admin-api (token sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)})`;
}

function sendPrivacyError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof PrivacyInputError) return sendError(reply, 400, 'invalid_param', err.message, { field: err.field });
  if (err instanceof PrivacyNotFoundError) return sendError(reply, 404, 'not_found', err.message);
  throw err;
}

export const privacyRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  // createApp attaches the service (with the suppression list ingest checks); a bare buildServer gets its own.
  const privacy = (): PrivacyService =>
    (deps.privacy ??= new PrivacyService({ config: deps.config, store: deps.store, logger: deps.logger.child({ component: 'privacy' }), clock: deps.clock }));
  const via = adminVia(deps.adminToken);

  app.post<{ Body: { userId?: string; anonymousId?: string; requestedBy?: string; suppress?: boolean } }>(
    '/privacy/deletions',
    {
      schema: {
        summary: 'Delete a user: purge them from the store and submit a deletion to every destination that supports one',
        description:
          'Records the request (one target per destination and identifier), purges the user\'s events, deliveries, attempt logs and rejected records, then tries each destination once. Transient failures are retried by the privacy worker with backoff; poll GET /privacy/requests/{id}.',
        tags: ['privacy'],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { ...identifierProps, suppress: { type: 'boolean', description: 'Also suppress the identifiers (events still arriving are acknowledged and dropped).' } },
        },
        response: { 201: requestSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        const r = await privacy().requestDeletion({ ...req.body, requestedBy: req.body.requestedBy ?? 'admin-api', via });
        return reply.code(201).send(presentRequest(r));
      } catch (err) {
        return sendPrivacyError(reply, err);
      }
    },
  );

  app.get<{ Querystring: { limit: number; before?: number; status?: PrivacyRequestStatus } }>(
    '/privacy/requests',
    {
      schema: {
        summary: 'List deletion requests, newest first',
        tags: ['privacy'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: limitParam,
            before: { type: 'integer', minimum: 1, description: 'Paging cursor: requests made before this epoch-ms time (pass `nextBefore`).' },
            status: { type: 'string', enum: REQUEST_STATUSES },
          },
        },
        response: {
          200: pageSchema('requests', requestSchema),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const rows = await privacy().listRequests({ limit: req.query.limit, before: req.query.before, status: req.query.status });
      return { requests: rows.map(presentRequest), nextBefore: nextBefore(rows, req.query.limit, (r) => r.requestedAt) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/privacy/requests/:id',
    {
      schema: {
        summary: 'One deletion request with each destination\'s status',
        tags: ['privacy'],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: requestSchema, 404: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        return presentRequest(await privacy().getRequest(req.params.id));
      } catch (err) {
        return sendPrivacyError(reply, err);
      }
    },
  );

  app.get(
    '/privacy/suppressions',
    {
      schema: {
        summary: 'The suppression list (events from these identifiers are acknowledged but neither stored nor delivered)',
        tags: ['privacy'],
        response: { 200: { type: 'object', properties: { suppressions: { type: 'array', items: suppressionSchema } } }, ...errorResponses },
      },
    },
    async () => ({ suppressions: (await privacy().listSuppressions()).map((s) => ({ ...s, createdAt: iso(s.createdAt) })) }),
  );

  app.post<{ Body: { userId?: string; anonymousId?: string; requestedBy?: string } }>(
    '/privacy/suppressions',
    {
      schema: {
        summary: 'Suppress a userId and/or an anonymousId',
        tags: ['privacy'],
        body: { type: 'object', additionalProperties: false, properties: identifierProps },
        response: {
          201: {
            type: 'object',
            properties: { results: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string' }, identifier: { type: 'string' }, created: { type: 'boolean' } } } } },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const kinds = IDENTIFIER_KINDS.filter((k) => req.body[k] !== undefined);
      if (kinds.length === 0) return sendError(reply, 400, 'invalid_param', 'say whom to suppress: give userId, anonymousId, or both', { field: 'userId' });
      try {
        const results = [];
        for (const kind of kinds) {
          const identifier = req.body[kind]!;
          const { created } = await privacy().suppress({ kind, identifier, requestedBy: req.body.requestedBy ?? 'admin-api', via });
          results.push({ kind, identifier, created });
        }
        return reply.code(201).send({ results });
      } catch (err) {
        return sendPrivacyError(reply, err);
      }
    },
  );

  app.delete<{ Params: { kind: IdentifierKind; identifier: string }; Querystring: { requestedBy?: string } }>(
    '/privacy/suppressions/:kind/:identifier',
    {
      schema: {
        summary: 'Lift a suppression',
        tags: ['privacy'],
        params: { type: 'object', properties: { kind: { type: 'string', enum: IDENTIFIER_KINDS }, identifier: { type: 'string', minLength: 1 } }, required: ['kind', 'identifier'] },
        querystring: { type: 'object', additionalProperties: false, properties: { requestedBy: identifierProps.requestedBy } },
        response: { 200: { type: 'object', properties: { removed: { type: 'boolean' } } }, 404: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        const { removed } = await privacy().unsuppress({ kind: req.params.kind, identifier: req.params.identifier, requestedBy: req.query.requestedBy ?? 'admin-api', via });
        if (!removed) return sendError(reply, 404, 'not_found', `${req.params.kind} is not suppressed`);
        return { removed };
      } catch (err) {
        return sendPrivacyError(reply, err);
      }
    },
  );

  app.get<{ Querystring: { limit: number; before?: number; requestId?: string } }>(
    '/privacy/audit',
    {
      schema: {
        summary: 'The privacy audit trail, newest first: who asked for what and when',
        tags: ['privacy'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: limitParam, before: { type: 'integer', minimum: 1, description: 'Paging cursor: entries with id < before.' }, requestId: { type: 'string' } },
        },
        response: { 200: pageSchema('entries', auditSchema), ...errorResponses },
      },
    },
    async (req) => {
      const rows = await privacy().listAudit(req.query);
      return { entries: rows.map(presentAudit), nextBefore: nextBefore(rows, req.query.limit, byId) };
    },
  );
};
