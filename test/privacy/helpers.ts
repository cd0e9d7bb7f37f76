/** Privacy test helpers: the sandbox as Optimizely, a config pointing at it, a real app (SQLite file, Fastify). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { loadAndValidate } from '../../src/cli/load-config.js';
import type { OptirelayConfig } from '../../src/config/types.js';
import type { Clock } from '../../src/core/clock.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { DEMO, type Sandbox } from '../../src/sandbox/index.js';
import { removeDir, startInProcessApp, tempDir as serverTempDir, type InProcessApp } from '../server/helpers.js';

export const WRITE_KEY = 'wk_privacy_test';
export const ADMIN_TOKEN = 'privacy-admin-token-xyz';
/** Tables that keep the identifier by design (the request must know whom it deletes; the audit says whom). */
export const PRIVACY_TABLES = new Set(['privacy_requests', 'privacy_targets', 'privacy_audit', 'suppressions', 'privacy_state']);

export function tempDir(): string {
  return serverTempDir('optirelay-privacy-');
}

export { removeDir };

export interface ConfigOptions {
  /** FX personal access token; null leaves it out. Default: the demo PAT. */
  fxToken?: string | null;
  odp?: boolean;
}

export function writeConfig(dir: string, sandbox: Sandbox, opts: ConfigOptions = {}): string {
  const token = opts.fxToken === undefined ? DEMO.personalAccessToken : opts.fxToken;
  const file = join(dir, 'optirelay.yaml');
  writeFileSync(
    file,
    `store: sqlite:${dir}/optirelay.db
dataDir: ${dir}
admin: { token: ${ADMIN_TOKEN} }
sources:
  - { id: web, writeKey: ${WRITE_KEY} }
destinations:
  - id: fx
    type: optimizely-feature-experimentation
    settings:
      accountId: "${DEMO.accountId}"
      dataFileUrl: ${sandbox.endpoints.datafile(DEMO.sdkKey)}
${token ? `      accessToken: ${token}\n` : ''}    endpoints: { eventApi: ${sandbox.endpoints.eventApi}, restApi: ${sandbox.endpoints.restApi} }
    lanes: { trackEvent: { linger: 0 } }
    mappings:
      - { id: conversions, action: trackEvent }
${
  opts.odp === false
    ? ''
    : `  - id: odp
    type: optimizely-data-platform
    settings: { apiKey: ${DEMO.odpApiKey}, region: US }
    endpoints: { odpApi: ${sandbox.endpoints.odpApi('US')} }
    mappings:
      - { id: contacts, action: upsertContact, trigger: 'type = "identify"' }
`
}`,
  );
  return file;
}

export async function loadTestConfig(file: string): Promise<OptirelayConfig> {
  return (await loadAndValidate({ file, env: {} })).config;
}

export function quietLogger(): Logger {
  return createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
}

export type TestApp = InProcessApp;

export async function startTestApp(config: OptirelayConfig, opts: { workers?: boolean; clock?: Clock } = {}): Promise<TestApp> {
  return startInProcessApp(config, { level: 'warn', clock: opts.clock, workers: opts.workers ?? false });
}

export async function postBatch(url: string, batch: unknown[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
    body: JSON.stringify({ batch }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function admin(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Every row of every table of the SQLite file that mentions one of the strings: `{ table: count }`. */
export function tablesMentioning(dbFile: string, needles: string[], skip: Set<string> = PRIVACY_TABLES): Record<string, number> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[]).map((t) => t.name);
    const out: Record<string, number> = {};
    for (const t of tables) {
      if (skip.has(t)) continue;
      let n = 0;
      for (const row of db.prepare(`SELECT * FROM "${t}"`).iterate()) {
        const text = JSON.stringify(row);
        if (needles.some((s) => text.includes(s))) n++;
      }
      if (n) out[t] = n;
    }
    return out;
  } finally {
    db.close();
  }
}

export function tableNames(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as { name: string }[]).map((t) => t.name);
  } finally {
    db.close();
  }
}

/** Poll until `check` holds (or give up after `maxMs` with the last value in the error). Not a timing assertion. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, check: (v: T) => boolean, maxMs = 15_000): Promise<T> {
  const until = Date.now() + maxMs;
  let last: T = await fn();
  while (!check(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await fn();
  }
  return last;
}
