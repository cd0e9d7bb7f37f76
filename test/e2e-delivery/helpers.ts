/**
 * End-to-end delivery helpers: a config for a real optirelay server (SQLite in a temp dir) delivering to the sandbox,
 * the server in-process (createApp + startApp) or as a `serve` child process (for kill -9), the real
 * @segment/analytics-node client, and polling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { loadAndValidate } from '../../src/cli/load-config.js';
import { DEMO } from '../../src/sandbox/demo.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startInProcessApp, until, type InProcessApp } from '../server/helpers.js';

export const WRITE_KEY = 'wk_e2e_delivery';
export const ADMIN_TOKEN = 'admin-e2e-delivery-token';
export const REPO = resolve(import.meta.dirname, '../..');

export interface DestinationSpec {
  id: string;
  /** Event API URL; default the sandbox's. */
  eventApi?: string;
  batchSize?: number;
  lingerMs?: number;
}

export interface ConfigOptions {
  destinations?: DestinationSpec[];
  /** `delivery:` block (YAML flow map body), e.g. `timeout: 300ms, backoffBase: 20ms`. */
  delivery?: string;
}

/** A config file in `dir`: one source, FX destinations delivering every track event to the sandbox. */
export function writeConfig(dir: string, sandbox: Sandbox, opts: ConfigOptions = {}): string {
  const dests = opts.destinations ?? [{ id: 'fx' }];
  const file = join(dir, 'optirelay.yaml');
  const text = `store: sqlite:${dir}/optirelay.db
dataDir: ${dir}
admin: { token: ${ADMIN_TOKEN} }
sources:
  - { id: web, writeKey: ${WRITE_KEY} }
delivery: { ${opts.delivery ?? 'backoffBase: 20ms, backoffMax: 200ms'} }
destinations:
${dests
  .map(
    (d) => `  - id: ${d.id}
    type: optimizely-feature-experimentation
    settings:
      accountId: "${DEMO.accountId}"
      dataFileUrl: ${sandbox.endpoints.datafile(DEMO.sdkKey)}
    endpoints: { eventApi: ${d.eventApi ?? sandbox.endpoints.eventApi} }
    lanes: { trackEvent: { batchSize: ${d.batchSize ?? 500}, linger: ${d.lingerMs ?? 50}ms } }
    mappings:
      - { id: conversions, action: trackEvent, trigger: 'type = "track"' }
`,
  )
  .join('')}`;
  writeFileSync(file, text);
  return file;
}

export type InProcessServer = InProcessApp;

export async function startInProcess(file: string): Promise<InProcessServer> {
  const { config } = await loadAndValidate({ file, env: {} });
  return startInProcessApp(config);
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface ChildServer {
  child: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
}

/** `optirelay serve` as a child process (TypeScript through tsx, so no build is needed). Resolves once it answers. */
export async function startChild(file: string, port: number): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'serve', '--config', file, '--port', String(port), '--host', '127.0.0.1'], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const url = `http://127.0.0.1:${port}`;
  let dead = false;
  void exited.then(() => (dead = true));
  await until(
    async () => {
      if (dead) throw new Error(`serve exited before answering:\n${output.join('')}`);
      return fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    'the server child to answer /healthz',
    60_000,
  );
  return { child, url, output, exited };
}

export { until };

export async function admin<T = Record<string, unknown>>(url: string, path: string): Promise<T> {
  const res = await fetch(`${url}/admin/v1${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export interface LaneRow {
  lane: string;
  pending: number;
  inFlight: number;
  retryWait: number;
  delivered: number;
  dead: number;
}

export async function lane(url: string, name: string): Promise<LaneRow | undefined> {
  const { lanes } = await admin<{ lanes: LaneRow[] }>(url, '/lanes');
  return lanes.find((l) => l.lane === name);
}

export const EVENT_KEYS = ['purchase', 'signup', 'add_to_cart'] as const;

export interface Sent {
  /** messageIds the server acknowledged (analytics-node's callback without error), per event key. */
  acked: Map<string, string>;
  failed: number;
}

/**
 * Send `n` track events through the real @segment/analytics-node 3.1.0 client (100-event batches), keys rotating
 * through `keys`. Resolves when the client has flushed; `acked` holds every messageId the server took (the SDK's
 * per-message callback without error).
 */
export async function sendTracks(url: string, n: number, keys: readonly string[] = EVENT_KEYS, prefix = 'u'): Promise<Sent> {
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: url, flushAt: 100, flushInterval: 50, maxRetries: 3 });
  const acked = new Map<string, string>();
  let failed = 0;
  const done: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const event = keys[i % keys.length]!;
    done.push(
      new Promise<void>((res) => {
        analytics.track(
          {
            userId: `${prefix}-${i % 97}`,
            event,
            properties: { revenue: 1000 + (i % 7), value: 2.5, currency: 'USD', sku: `sku-${i % 13}` },
            context: { traits: { plan: i % 2 ? 'gold' : 'free', country: 'DE' } },
          },
          (err, ctx) => {
            const id = ctx?.event.messageId;
            if (err || !id) failed++;
            else acked.set(id, event);
            res();
          },
        );
      }),
    );
  }
  await Promise.all(done);
  await analytics.closeAndFlush();
  return { acked, failed };
}

/** Event API uuids the sandbox stored, with how many times each was accepted (requests carrying it). */
export function uuidCounts(sandbox: Sandbox): { unique: Set<string>; requestsWithDuplicates: number } {
  const unique = new Set(sandbox.events().map((e) => e.uuid));
  let dup = 0;
  for (const k of EVENT_KEYS) dup += sandbox.conversions(k).duplicates;
  return { unique, requestsWithDuplicates: dup };
}
