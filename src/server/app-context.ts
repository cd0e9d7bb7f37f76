/**
 * The running pieces of `optirelay serve`, composed once: config, store, router, ingest, logger, clock, the admin
 * token, the HTTP server and the background workers (see workers.ts to plug one in).
 * createApp → startApp (listen, then start workers) → stopApp (stop accepting, finish in-flight requests,
 * stop workers, close the store).
 */
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../core/clock.js';
import type { OptirelayConfig } from '../config/types.js';
import type { Store } from '../store/types.js';
import { openStore } from '../store/open.js';
import { Ingest, type EventRouter } from '../pipeline/ingest.js';
import { Router } from '../pipeline/router.js';
import { attachPrivacy } from '../privacy/attach.js';
import { createLogger, type Logger } from '../logger.js';
import { buildServer, type BuildServerOptions } from './app.js';
import { ensureAdminToken } from './admin/token.js';
import type { AppCore } from './types.js';
import { WORKER_FACTORIES, type Worker, type WorkerFactory } from './workers.js';

export type { Worker, WorkerFactory } from './workers.js';
export type { AppCore } from './types.js';


export interface App extends AppCore {
  server: FastifyInstance;
  workers: Worker[];
  /** Set by startApp: the URL the server listens on. */
  url?: string;
}

export interface CreateAppOptions {
  config: OptirelayConfig;
  /** How events are routed to mappings; default `new Router(config)` (src/pipeline/router.ts). */
  router?: EventRouter;
  logger?: Logger;
  clock?: Clock;
  /** An already-open store; otherwise `config.store` is opened (and migrated). */
  store?: Store;
  /** false: no background workers (`serve --no-workers`); a list replaces WORKER_FACTORIES. */
  workers?: boolean | WorkerFactory[];
  server?: BuildServerOptions;
  /** SQLite: run the store in a worker thread ('worker', what `serve` uses) or on this thread ('main', default). */
  storeThread?: 'main' | 'worker';
}

export async function createApp(opts: CreateAppOptions): Promise<App> {
  const { config } = opts;
  const router = opts.router ?? new Router(config); // compiles every mapping; throws ConfigError on a bad one
  const logger = opts.logger ?? createLogger();
  const clock = opts.clock ?? systemClock;
  const admin = ensureAdminToken(config);
  const store =
    opts.store ??
    (await openStore(config.store, { dataDir: config.dataDir, logger: logger.child({ component: 'store' }), commitWindowMs: config.ingest.commitWindowMs, thread: opts.storeThread }));
  let attached: AppCore | undefined;
  try {
    const ingest = new Ingest({ store, router, config, clock });
    const core: AppCore = { config, store, router, ingest, logger, clock, adminToken: admin.token, admin };
    attached = core;
    await attachPrivacy(core); // suppression list loaded and plugged into ingest before the server listens
    const factories = opts.workers === false ? [] : Array.isArray(opts.workers) ? opts.workers : WORKER_FACTORIES;
    const workers = factories.map((f) => f(core)).filter((w): w is Worker => w !== undefined);
    const server = await buildServer(core, opts.server);
    // One object: routes, workers and live reload (server/reload.ts) all see the same fields after a reload.
    return Object.assign(core, { server, workers });
  } catch (err) {
    await attached?.privacy?.suppression?.stopPolling(); // its timer must not outlive the store
    if (!opts.store) await store.close();
    throw err;
  }
}

/** Listen, then start the workers. Returns the URL (with the real port when `port` is 0). */
export async function startApp(app: App, listen: { port: number; host: string }): Promise<string> {
  await app.server.listen({ port: listen.port, host: listen.host });
  const addr = app.server.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : listen.port;
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  app.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  for (const w of app.workers) {
    await w.start();
    app.logger.debug({ worker: w.name }, 'worker started');
  }
  return app.url;
}

/** Graceful stop: stop accepting and finish in-flight requests, stop workers (reverse order), close the store. */
export async function stopApp(app: App): Promise<void> {
  let firstError: unknown;
  // Keep-alive connections that finish their in-flight request after close() began become idle but stay open;
  // closing idle ones periodically lets close() resolve as soon as the last in-flight request is answered.
  const sweeper = setInterval(() => app.server.server.closeIdleConnections(), 25);
  try {
    await app.server.close();
  } catch (err) {
    firstError ??= err;
  } finally {
    clearInterval(sweeper);
  }
  for (const w of [...app.workers].reverse()) {
    try {
      await w.stop();
    } catch (err) {
      app.logger.error({ err, worker: w.name }, 'worker did not stop cleanly');
      firstError ??= err;
    }
  }
  try {
    await app.privacy?.suppression?.stopPolling();
    await app.store.close();
  } catch (err) {
    firstError ??= err;
  }
  if (firstError) throw firstError;
}
