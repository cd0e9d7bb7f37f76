/**
 * The Fastify app: Tracking API (/v1, CORS open), admin API (/admin/v1, bearer), health (/healthz, /readyz).
 * Built, not started: the caller listens (serve) or injects (tests).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ServerDeps } from './types.js';
import { trackingRoutes } from './tracking-routes.js';
import { healthRoutes } from './health-routes.js';
import { adminPlugin, ADMIN_PREFIX } from './admin/index.js';
import { errorBody } from './errors.js';
import { metricsRoute } from './metrics-route.js';
import { consoleRoutes } from './console-routes.js';

export interface BuildServerOptions {
  /** Extra route plugins registered at the root after the built-in ones (e.g. console assets). */
  plugins?: ((app: FastifyInstance, deps: ServerDeps) => Promise<void>)[];
}

export async function buildServer(deps: ServerDeps, opts: BuildServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Tracking bodies are read by our own parser (500 KB decompressed limit); this bounds the admin API's.
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // One access-log line per request at debug; failures at warn/error. Bodies are never logged.
  app.addHook('onResponse', async (req, reply) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 && status !== 404 ? 'warn' : 'debug';
    if (!deps.logger.isLevelEnabled(level)) return;
    req.log[level]({ method: req.method, url: req.url, statusCode: status, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
  });

  await app.register(healthRoutes, { store: deps.store });
  await app.register(metricsRoute, { store: deps.store, clock: deps.clock, ingest: deps.ingest });
  await app.register(trackingRoutes, { prefix: '/v1', sources: deps.config.sources, ingest: deps.ingest, logger: deps.logger });
  await app.register(async (admin) => adminPlugin(admin, deps), { prefix: ADMIN_PREFIX });
  await app.register(async (child) => consoleRoutes(child));
  for (const plugin of opts.plugins ?? []) await app.register(async (child) => plugin(child, deps));
  return app;
}
