/**
 * `optirelay worker`: the background workers only (deliverer, privacy, sync scheduler, retention, config reload) —
 * no Tracking API, no admin API, no console. Meant for a shared PostgreSQL store, where any number of workers on any
 * number of machines drain one queue next to `serve --no-workers` ingest processes (docs/scale-out.md).
 * With `--port` it also serves /healthz, /readyz and /metrics (bind it to a private interface); without, no port.
 * SIGTERM/SIGINT: stop the workers (batches on the wire finish, unsent claims go back to pending), close the store.
 */
import type { Command } from 'commander';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '../../logger.js';
import { createApp, stopApp, type App } from '../../server/app-context.js';
import { maskUrl } from '../../server/admin/mask.js';
import { healthRoutes } from '../../server/health-routes.js';
import { metricsRoute } from '../../server/metrics-route.js';
import { VERSION } from '../../version.js';
import { loadAndValidate } from '../load-config.js';
import { parsePort, runUntilSignalled } from '../service-lifecycle.js';

export interface WorkerOptions {
  config?: string;
  port?: string | number;
  host?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  out?: (text: string) => void;
}

export interface RunningWorker {
  app: App;
  /** The health/metrics URL when --port was given. */
  url?: string;
  stop(): Promise<void>;
}

export async function runWorker(opts: WorkerOptions = {}): Promise<RunningWorker> {
  const env = opts.env ?? process.env;
  const out = opts.out ?? ((t: string) => process.stdout.write(t));
  const { config, file } = await loadAndValidate({ file: opts.config, env });
  const logger = opts.logger ?? createLogger();
  const port = opts.port !== undefined ? parsePort(opts.port, '--port') : undefined;
  // createApp builds the HTTP app too; a worker never listens on it (only on the small health/metrics server).
  const app = await createApp({ config, logger, workers: true });
  if (app.store.kind === 'sqlite') {
    logger.warn('worker: the store is SQLite; several processes on one SQLite file share its single writer. Use a postgres:// store to scale out');
  }
  let health: FastifyInstance | undefined;
  let url: string | undefined;
  try {
    if (port !== undefined) {
      health = Fastify({ loggerInstance: logger as FastifyBaseLogger, disableRequestLogging: true });
      await health.register(healthRoutes, { store: app.store });
      await health.register(metricsRoute, { store: app.store, clock: app.clock });
      const host = opts.host ?? '127.0.0.1';
      await health.listen({ port, host });
      const addr = health.server.address();
      url = `http://${host}:${addr && typeof addr === 'object' ? addr.port : port}`;
    }
    for (const w of app.workers) await w.start();
  } catch (err) {
    await health?.close().catch(() => undefined);
    await stopApp(app).catch(() => undefined);
    throw err;
  }
  logger.info({ store: maskUrl(config.store), workers: app.workers.map((w) => w.name), url }, 'optirelay worker running');
  out(
    [
      `optirelay ${VERSION} worker`,
      `  config   ${file}`,
      `  store    ${maskUrl(config.store)}`,
      `  workers  ${app.workers.map((w) => w.name).join(', ') || 'none'}`,
      `  health   ${url ? `${url}/healthz, ${url}/readyz, ${url}/metrics` : 'none (pass --port to serve /healthz, /readyz, /metrics)'}`,
    ].join('\n') + '\n\n',
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        await stopApp(app); // the never-started HTTP app closes at once; then workers, then the store
      } finally {
        await health?.close();
      }
    })());
  return { app, url, stop };
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run the delivery, sync and maintenance workers only (no Tracking or admin API); scale out on PostgreSQL')
    .option('-c, --config <file>', 'config file (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)')
    .option('-p, --port <port>', 'serve /healthz, /readyz and /metrics on this port (default: no port)')
    .option('--host <host>', 'interface for --port (default 127.0.0.1)')
    .action((o: WorkerOptions) =>
      runUntilSignalled(() => runWorker(o), {
        stopping: 'worker shutting down: finishing in-flight batches, releasing unsent claims',
        failed: 'worker shutdown failed',
      }),
    );
}
