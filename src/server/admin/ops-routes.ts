/**
 * Operations (issue 11), under /admin/v1:
 *   GET  /store             size on disk, free space, rows and oldest row per table, retention settings, last sweep
 *   POST /retention/sweep   run a retention sweep now and answer what it deleted
 *   POST /config/reload     re-read the config file (same as SIGHUP); 400 with every issue (file:line) when invalid
 * Also feeds the store gauges of /metrics (optirelay_store_*) from the same cached stats.
 */
import type { FastifyPluginAsync } from 'fastify';
import { formatConfigIssue } from '../../core/errors.js';
import { redactString } from '../../core/redact.js';
import { metrics as defaultMetrics } from '../../pipeline/metrics.js';
import { storeStatsCache } from '../../pipeline/store-stats-cache.js';
import { hasMaintenance } from '../../store/maintenance-types.js';
import { sendError } from '../errors.js';
import { ConfigReloadRefused } from '../reload.js';
import type { ServerDeps } from '../types.js';
import { anyObject, errorResponses, errorSchema } from './schemas.js';

const issueSchema = {
  type: 'object',
  properties: {
    file: { type: 'string' },
    line: { type: 'integer' },
    column: { type: 'integer' },
    path: { type: 'string' },
    message: { type: 'string' },
    text: { type: 'string', description: 'file:line: path: message, as the CLI prints it' },
  },
} as const;

export const opsRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  const { store, clock } = deps;
  const cache = hasMaintenance(store) ? storeStatsCache(store, clock) : undefined;
  if (cache) {
    const unregister = defaultMetrics.setStoreStatsSource(() => cache.get());
    app.addHook('onClose', async () => unregister());
  }

  app.get<{ Querystring: { fresh?: boolean } }>(
    '/store',
    {
      schema: {
        summary: 'Store size, rows and oldest row per table, retention settings and the last retention sweep',
        tags: ['operations'],
        querystring: { type: 'object', properties: { fresh: { type: 'boolean', description: 'Read now instead of the ≤30 s old cached numbers.' } }, additionalProperties: false },
        response: { 200: { ...anyObject, description: 'StoreStats (src/store/maintenance-types.ts) plus `retention` and `lastSweep`.' }, 501: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!cache) return sendError(reply, 501, 'not_supported', `the ${store.kind} store does not report maintenance statistics`);
      const { stats, now } = await cache.get({ fresh: req.query.fresh === true });
      const ages = Object.fromEntries(stats.tables.map((t) => [t.table, t.oldestAt === null ? null : Math.max(0, now - t.oldestAt)]));
      const r = deps.retention?.config ?? deps.config.retention;
      const last = deps.retention?.last;
      return {
        ...stats,
        oldestAgeMs: ages,
        retention: { deliveredMs: r.deliveredMs, deadMs: r.deadMs, rejectedMs: r.rejectedMs, intervalMs: r.intervalMs, running: deps.retention !== undefined },
        lastSweep: last ? { finishedAt: new Date(last.finishedAt).toISOString(), deleted: last.deleted, transactions: last.transactions, freedBytes: last.freedBytes } : null,
      };
    },
  );

  app.post(
    '/retention/sweep',
    {
      schema: {
        summary: 'Run a retention sweep now (the worker also runs one every retention.interval)',
        tags: ['operations'],
        response: { 200: anyObject, 501: errorSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!deps.retention) return sendError(reply, 501, 'not_running', 'the retention worker is not running in this process (serve --no-workers, or a store without maintenance support)');
      const result = await deps.retention.sweep();
      req.log.info({ deleted: result.deleted }, 'retention sweep requested by the admin API');
      return result;
    },
  );

  app.post(
    '/config/reload',
    {
      schema: {
        summary: 'Re-read the config file and apply it without a restart (same as SIGHUP)',
        description:
          'Validates the file exactly like `optirelay check`. Invalid: 400 with every issue, and the running config stays. ' +
          'Valid: mappings, destinations, delivery settings, retention and syncs apply to new deliveries; settings that need a restart are listed in `restartRequired`.',
        tags: ['operations'],
        response: {
          200: {
            type: 'object',
            properties: {
              reloaded: { type: 'boolean' },
              file: { type: 'string' },
              changed: { type: 'array', items: { type: 'string' } },
              restartRequired: { type: 'array', items: { type: 'string' } },
              mappings: { type: 'integer' },
              ms: { type: 'integer' },
            },
          },
          400: { ...errorSchema, properties: { ...errorSchema.properties, issues: { type: 'array', items: issueSchema } } },
          501: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (req, reply) => {
      if (!deps.reloader) return sendError(reply, 501, 'not_supported', 'live reload is not available: this process was started without a config file or without workers');
      try {
        return await deps.reloader.reload();
      } catch (err) {
        if (err instanceof ConfigReloadRefused) {
          const issues = err.issues.map((i) => ({ ...i, message: redactString(i.message), text: redactString(formatConfigIssue(i)) }));
          req.log.warn({ issues: issues.map((i) => i.text) }, 'config reload refused');
          return sendError(reply, 400, 'config_invalid', `${err.message}. Fix the file and reload again.`, { issues });
        }
        throw err;
      }
    },
  );
};
