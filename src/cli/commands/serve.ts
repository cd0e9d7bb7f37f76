/**
 * `optirelay serve`: load the config, open the store (migrations run), build router + ingest + HTTP server, listen,
 * start the workers; optionally run the Optimizely sandbox in-process first (`--with-sandbox`, what `npm start`
 * does). SIGTERM/SIGINT stop gracefully: stop accepting, finish in-flight requests, stop workers, close the store.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEMO } from '../../sandbox/demo.js';
import { createLogger, type Logger } from '../../logger.js';
import { createApp, startApp, stopApp, type App, type WorkerFactory } from '../../server/app-context.js';
import { attachReloader } from '../../server/reload.js';
import { maskUrl } from '../../server/admin/mask.js';
import { VERSION } from '../../version.js';
import { loadAndValidate } from '../load-config.js';
import { parsePort, runUntilSignalled } from '../service-lifecycle.js';

export interface ServeOptions {
  config?: string;
  port?: string | number;
  host?: string;
  /** commander's `--no-workers` sets workers: false. */
  workers?: boolean;
  withSandbox?: boolean;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  out?: (text: string) => void;
}

export interface RunningServe {
  app: App;
  url: string;
  sandboxUrl?: string;
  banner: string;
  stop(): Promise<void>;
}

/** `--no-workers`: no delivery, sync, privacy or retention work, but SIGHUP / POST /admin/v1/config/reload still
 * reload the config (this process routes events with the mappings), and a reload never starts a sync scheduler. */
const INGEST_ONLY_WORKERS: WorkerFactory[] = [(app) => attachReloader(app, { runSyncs: false })];

/** Starts everything and returns a handle (tests call this; the command adds signal handling). */
export async function runServe(opts: ServeOptions = {}): Promise<RunningServe> {
  const env = opts.env ?? process.env;
  const out = opts.out ?? ((t: string) => process.stdout.write(t));
  const { config, file } = await loadAndValidate({ file: opts.config, env });
  const port =
    opts.port !== undefined ? parsePort(opts.port, '--port') : env.PORT ? parsePort(env.PORT, 'PORT') : config.server.port;
  const host = opts.host ?? config.server.host;
  const logger = opts.logger ?? createLogger();

  let sandbox: { url: string; close(): Promise<void> } | undefined;
  if (opts.withSandbox) {
    const { startSandbox } = await import('../../sandbox/index.js');
    try {
      sandbox = await startSandbox({ port: DEMO.port, host: '127.0.0.1', stateFile: join(config.dataDir, 'sandbox-state.json') });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(`--with-sandbox: port ${DEMO.port} is in use (another sandbox running?); stop it or run without --with-sandbox`);
      }
      throw err;
    }
  }

  let app: App;
  try {
    app = await createApp({ config, logger, workers: opts.workers !== false ? true : INGEST_ONLY_WORKERS, storeThread: 'worker' });
  } catch (err) {
    await sandbox?.close();
    throw err;
  }
  let url: string;
  try {
    url = await startApp(app, { port, host });
  } catch (err) {
    await stopApp(app).catch(() => undefined);
    await sandbox?.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${port} is in use: pass --port N (or PORT=N) to listen elsewhere`);
    throw err;
  }
  logger.info({ url, store: maskUrl(config.store), sources: config.sources.map((s) => s.id), workers: app.workers.map((w) => w.name) }, 'optirelay listening');

  const banner = renderBanner({ app, url, file, sandboxUrl: sandbox?.url, quickstart: Boolean(opts.withSandbox) });
  out(banner);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        await stopApp(app);
      } finally {
        await sandbox?.close();
      }
    })());
  return { app, url, sandboxUrl: sandbox?.url, banner, stop };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function renderBanner(p: { app: App; url: string; file: string; sandboxUrl?: string; quickstart: boolean }): string {
  const { app, url } = p;
  const { config, admin } = app;
  const lines = [
    `optirelay ${VERSION} listening on ${url}`,
    `  config      ${p.file}`,
    `  store       ${maskUrl(config.store)}`,
    `  sources     ${config.sources.map((s) => s.id).join(', ') || '(none: add one under sources:)'}`,
    `  tracking    ${url}/v1/batch (and /v1/track, /identify, /page, /screen, /group, /alias)`,
    `  admin API   ${url}/admin/v1 (OpenAPI: ${url}/admin/v1/openapi.json)`,
  ];
  if (admin.generated) {
    lines.push(`  admin token ${admin.token}`, `              generated now and shown once; kept in ${admin.file} (mode 0600)`);
  } else if (admin.file) lines.push(`  admin token in ${admin.file}`);
  else lines.push('  admin token from admin.token in the config');
  if (p.sandboxUrl) lines.push(`  sandbox     ${p.sandboxUrl} (the Optimizely simulator the quickstart config points at)`);
  lines.push(`  workers     ${app.workers.map((w) => w.name).join(', ') || 'none'}`);
  const source = config.sources[0];
  if (p.quickstart && source) {
    const event = DEMO.events[0]?.key ?? 'purchase';
    const body = JSON.stringify({ userId: 'user-123', event, properties: { revenue: 4200, currency: 'USD' } });
    lines.push(
      '',
      `  write key (${source.id}): ${source.writeKey}`,
      '',
      '  Send a track event:',
      `    curl -X POST ${url}/v1/track -u ${shellQuote(`${source.writeKey}:`)} -H 'Content-Type: application/json' -d ${shellQuote(body)}`,
      '',
      `  Then look at it:  curl -H "Authorization: Bearer ${admin.file ? `$(cat ${admin.file})` : '<admin.token>'}" ${url}/admin/v1/events`,
      `  In the browser:   ${url}/ (the console; sign in with the admin token)`,
    );
    if (p.sandboxUrl) {
      lines.push(`  The conversion:   curl ${p.sandboxUrl}/_sandbox/conversions   (what Optimizely would have counted)`);
    }
  }
  return `${lines.join('\n')}\n\n`;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the Tracking API, admin API and delivery workers')
    .option('-c, --config <file>', 'config file (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)')
    .option('-p, --port <port>', 'port to listen on (default: $PORT, then server.port, 8080)')
    .option('--host <host>', 'interface to bind (default: server.host, 0.0.0.0)')
    .option('--no-workers', 'accept events but do not run delivery or sync workers')
    .option('--with-sandbox', `also run the Optimizely sandbox in-process on port ${DEMO.port} (npm start)`)
    .action((o: ServeOptions) =>
      runUntilSignalled(() => runServe(o), {
        stopping: 'shutting down: no new requests, finishing in-flight ones, stopping workers, closing the store',
        failed: 'shutdown failed',
      }),
    );
}
