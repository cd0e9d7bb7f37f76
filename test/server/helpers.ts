/** Test helpers: a real optirelay app (config loader, SQLite store, Fastify) on 127.0.0.1:0 in a temp dir. */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadAndValidate } from '../../src/cli/load-config.js';
import type { OptirelayConfig } from '../../src/config/types.js';
import { createApp, startApp, stopApp, type App } from '../../src/server/app-context.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { Clock } from '../../src/core/clock.js';

export const WEB_KEY = 'wk_web_test_123';
export const SERVER_KEY = 'wk_server_test_456';
export const ADMIN_TOKEN = 'admin-test-token-abc';

export function tempDir(prefix = 'optirelay-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, extra = ''): string {
  const file = join(dir, 'optirelay.yaml');
  writeFileSync(
    file,
    `store: sqlite:${dir}/optirelay.db
dataDir: ${dir}
sources:
  - { id: web, writeKey: ${WEB_KEY} }
  - { id: server, writeKey: ${SERVER_KEY} }
${extra}`,
  );
  return file;
}

/** A logger whose lines (JSON) land in `logs` instead of stdout. */
export function memoryLogger(level = 'info'): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger({ level, destination }), logs };
}

export interface InProcessApp {
  app: App;
  url: string;
  /** What the app logged at `level` and above. */
  logs: string[];
  /** Stops the app (workers, HTTP, store); a second call does nothing. */
  stop(): Promise<void>;
}

/** A real app for a loaded config, listening on 127.0.0.1:0. `workers` defaults to createApp's (they run). */
export async function startInProcessApp(config: OptirelayConfig, opts: { level?: string; clock?: Clock; workers?: boolean } = {}): Promise<InProcessApp> {
  const { logger, logs } = memoryLogger(opts.level);
  const app = await createApp({ config, logger, clock: opts.clock, workers: opts.workers });
  const url = await startApp(app, { port: 0, host: '127.0.0.1' });
  let stopped = false;
  return {
    app,
    url,
    logs,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopApp(app);
    },
  };
}

/** Polls `cond` until it holds; past `timeoutMs` throws naming `what` (and `describe()`, the state it saw). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, describe?: () => unknown): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${describe ? `: ${JSON.stringify(describe())}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface TestServer extends InProcessApp {
  dir: string;
}

export async function startTestServer(opts: { dir?: string; adminToken?: string | null; clock?: Clock } = {}): Promise<TestServer> {
  const dir = opts.dir ?? tempDir();
  const token = opts.adminToken === undefined ? ADMIN_TOKEN : opts.adminToken;
  const file = writeConfig(dir, token ? `admin: { token: ${token} }\n` : '');
  const { config } = await loadAndValidate({ file, env: {} });
  return { ...(await startInProcessApp(config, { level: 'debug', clock: opts.clock, workers: false })), dir };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function basic(key: string, colon = true): string {
  return `Basic ${Buffer.from(colon ? `${key}:` : key).toString('base64')}`;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

export async function admin(ts: TestServer, path: string, token = ADMIN_TOKEN): Promise<{ status: number; json: Record<string, unknown> & { [k: string]: unknown } }> {
  const res = await fetch(`${ts.url}/admin/v1${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
