/**
 * Warehouse syncs in the admin API:
 *   GET  /syncs                     every configured sync with its last run
 *   GET  /syncs/:id/runs            run history (newest first)
 *   GET  /syncs/:id/runs/:runId     one run with its row errors
 *   POST /syncs/:id/plan            dry run: counts and sample operations, nothing written
 *   POST /syncs/:id/run             start a run (202 with the run; 409 when one is already running)
 *   POST /syncs/:id/reset           forget the snapshot: the next run is a full resync
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ServerDeps } from '../types.js';
import { sendError } from '../errors.js';
import { SyncService } from '../../sync/service.js';
import { UnknownSyncError } from '../../sync/runner.js';
import type { SyncRun } from '../../store/sync-types.js';
import { anyObject, beforeParam, errorResponses, errorSchema, iso, limitParam } from './schemas.js';
import { byId, nextBefore, pageSchema } from './paging.js';


const opCounts = { type: 'object', properties: { succeeded: { type: 'integer' }, failed: { type: 'integer' } } } as const;
const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    syncId: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] },
    trigger: { type: 'string', enum: ['schedule', 'manual', 'api'] },
    createdAt: { type: 'string', format: 'date-time' },
    startedAt: { type: ['string', 'null'], format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    leaseExpiresAt: { type: ['string', 'null'], format: 'date-time' },
    resumes: { type: 'integer', description: 'How many times the run was taken over after its process died.' },
    counts: {
      type: 'object',
      properties: {
        rowsRead: { type: 'integer' },
        added: opCounts,
        changed: opCounts,
        removed: opCounts,
        unchanged: { type: 'integer' },
        invalid: { type: 'integer' },
        requests: { type: 'integer' },
      },
    },
    error: { type: ['string', 'null'], description: 'Run-level error (auth failed, project not found, source unreadable, …).' },
  },
} as const;
const rowErrorSchema = {
  type: 'object',
  properties: {
    pk: { type: ['string', 'null'] },
    op: { type: 'string', enum: ['added', 'changed', 'removed', 'invalid'] },
    code: { type: 'string' },
    message: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;
const tags = ['syncs'];

function runOut(r: SyncRun): Record<string, unknown> {
  return { ...r, createdAt: iso(r.createdAt), startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt), leaseExpiresAt: iso(r.leaseExpiresAt), leaseOwner: undefined };
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof UnknownSyncError) return sendError(reply, 404, 'not_found', err.message);
  const e = err as Error & { statusCode?: number; code?: string };
  if (e.statusCode === 409) return sendError(reply, 409, e.code ?? 'conflict', e.message);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return sendError(reply, e.statusCode, 'sync_error', e.message);
  throw err;
}

export const syncsRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  let own: SyncService | undefined;
  const retired: SyncService[] = [];
  const service = (): SyncService => {
    if (deps.syncs) return deps.syncs;
    // A live reload replaced deps.config: new calls get a service on the new config; runs in flight finish on the old.
    if (own && own.config !== deps.config) {
      retired.push(own);
      own = undefined;
    }
    return (own ??= new SyncService({ config: deps.config, store: deps.store, clock: deps.clock, logger: deps.logger }));
  };
  app.addHook('onClose', async () => {
    for (const s of [...retired, own]) await s?.stop();
  });

  app.get('/syncs', { schema: { tags, summary: 'Configured syncs with their last run', response: { 200: { type: 'object', properties: { syncs: { type: 'array', items: anyObject } } }, ...errorResponses } } }, async () => {
    const list = await service().list();
    return { syncs: list.map((s) => ({ ...s, lastRun: s.lastRun ? runOut(s.lastRun) : null })) };
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: number; before?: number } }>(
    '/syncs/:id/runs',
    {
      schema: {
        tags,
        summary: 'Run history of a sync (newest first)',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: limitParam, before: beforeParam } },
        response: { 200: pageSchema('runs', runSchema), 404: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        const limit = req.query.limit ?? 50;
        const runs = await service().runs(req.params.id, { limit, before: req.query.before });
        return { runs: runs.map(runOut), nextBefore: nextBefore(runs, limit, byId) };
      } catch (err) {
        return fail(reply, err);
      }
    },
  );

  app.get<{ Params: { id: string; runId: number }; Querystring: { errors?: number } }>(
    '/syncs/:id/runs/:runId',
    {
      schema: {
        tags,
        summary: 'One run with its per-row errors',
        params: { type: 'object', required: ['id', 'runId'], properties: { id: { type: 'string' }, runId: { type: 'integer', minimum: 1 } } },
        querystring: { type: 'object', additionalProperties: false, properties: { errors: { type: 'integer', minimum: 0, maximum: 10000, default: 100, description: 'How many row errors to return.' } } },
        response: { 200: { type: 'object', properties: { ...runSchema.properties, rowErrors: { type: 'array', items: rowErrorSchema } } }, 404: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        const run = await service().getRun(req.params.id, req.params.runId, { errors: req.query.errors });
        if (!run) return sendError(reply, 404, 'not_found', `no run ${req.params.runId} of sync ${req.params.id}`);
        return { ...runOut(run), rowErrors: run.rowErrors.map((e) => ({ pk: e.pk, op: e.op, code: e.code, message: e.message, at: iso(e.at) })) };
      } catch (err) {
        return fail(reply, err);
      }
    },
  );

  app.post<{ Params: { id: string }; Querystring: { sample?: number } }>(
    '/syncs/:id/plan',
    {
      schema: {
        tags,
        summary: 'Dry run: counts and sample operations; nothing is written',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { sample: { type: 'integer', minimum: 0, maximum: 1000, default: 10 } } },
        response: { 200: anyObject, 404: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        return await service().plan(req.params.id, { sample: req.query.sample });
      } catch (err) {
        return fail(reply, err);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/syncs/:id/run',
    {
      schema: {
        tags,
        summary: 'Start a run (trigger "api"); 409 when a run of this sync is in progress',
        params: idParams,
        response: { 202: runSchema, 404: errorSchema, 409: { ...errorSchema, properties: { ...errorSchema.properties, run: runSchema } }, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        const { run, busy } = await service().start(req.params.id, 'api');
        if (busy) return sendError(reply, 409, 'sync_running', `sync ${req.params.id} is already running (run ${run.id})`, { run: runOut(run) });
        return reply.code(202).send(runOut(run));
      } catch (err) {
        return fail(reply, err);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/syncs/:id/reset',
    {
      schema: {
        tags,
        summary: 'Forget the snapshot: the next run is a full resync',
        params: idParams,
        response: { 200: { type: 'object', properties: { dropped: { type: 'integer' } } }, 404: errorSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        return await service().reset(req.params.id);
      } catch (err) {
        return fail(reply, err);
      }
    },
  );
};
