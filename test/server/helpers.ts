/** Test helpers: a real optirelay app (config loader, SQLite store, Fastify) on 127.0.0.1:0 in a temp dir. */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadAndValidate } from '../../src/cli/load-config.js';
import { createApp, startApp, stopApp, type App } from '../../src/server/app-context.js';
import { createLogger } from '../../src/logger.js';
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

export interface TestServer {
  app: App;
  url: string;
  dir: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startTestServer(opts: { dir?: string; adminToken?: string | null; clock?: Clock } = {}): Promise<TestServer> {
  const dir = opts.dir ?? tempDir();
  const token = opts.adminToken === undefined ? ADMIN_TOKEN : opts.adminToken;
  const file = writeConfig(dir, token ? `admin: { token: ${token} }\n` : '');
  const { config } = await loadAndValidate({ file, env: {} });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const app = await createApp({ config, logger, clock: opts.clock, workers: false });
  const url = await startApp(app, { port: 0, host: '127.0.0.1' });
  let stopped = false;
  return {
    app,
    url,
    dir,
    logs,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopApp(app);
    },
  };
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
