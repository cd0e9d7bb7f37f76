/**
 * Fleet helpers for the scale-out tests and benchmark: a config on a PostgreSQL schema pointing the FX destination
 * at a sandbox, and `optirelay serve --no-workers` / `optirelay worker` child processes started through the CLI
 * exactly as a user would (`node --import tsx src/cli/main.ts …`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const WRITE_KEY = 'fleet_write_key';

export interface FleetConfigOptions {
  storeUrl: string;
  sandboxUrl: string;
  leaseMs?: number;
  batchSize?: number;
  perSecond?: number;
  dir?: string;
}

/** Writes optirelay.yaml into a fresh directory; returns its path. */
export function writeFleetConfig(o: FleetConfigOptions): string {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'optirelay-fleet-'));
  const rate = o.perSecond ? `\n        rateLimit: { perSecond: ${o.perSecond}, burst: 0 }` : '';
  const file = join(dir, 'optirelay.yaml');
  writeFileSync(
    file,
    `store: ${o.storeUrl}
dataDir: ${dir}
admin: { token: fleet-admin-token-0123456789 }
delivery:
  lease: ${o.leaseMs ?? 30_000}ms
sources:
  - { id: web, writeKey: ${WRITE_KEY} }
destinations:
  - id: fx
    type: optimizely-feature-experimentation
    settings:
      accountId: "10000000001"
      dataFileUrl: ${o.sandboxUrl}/datafiles/demo-sdk-key.json
      accessToken: demo-personal-access-token
    endpoints:
      eventApi: ${o.sandboxUrl}/v1/events
    mappings:
      - id: conversions
        action: trackEvent
    lanes:
      trackEvent:
        batchSize: ${o.batchSize ?? 10}
        linger: 0ms${rate}
`,
  );
  return file;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** For `serve`: the URL it listens on. */
  url?: string;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function start(args: string[], ready: RegExp): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const child: Child = {
    proc,
    pid: proc.pid!,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await exited;
    },
  };
  return new Promise<Child>((resolve, reject) => {
    const check = setInterval(() => {
      const m = ready.exec(out);
      if (m) {
        clearInterval(check);
        child.url = m[1];
        resolve(child);
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(check);
      reject(new Error(`optirelay ${args[0]} exited (${code}) before it was ready:\n${out}`));
    });
  });
}

export function startIngest(config: string): Promise<Child> {
  return start(['serve', '--config', config, '--port', '0', '--host', '127.0.0.1', '--no-workers'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
}

export function startWorker(config: string): Promise<Child> {
  return start(['worker', '--config', config], /optirelay \S+ worker()/);
}

export async function sendBatch(url: string, batch: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
    body: JSON.stringify({ batch }),
  });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Most requests in any window of `windowMs` (sliding, by arrival time). */
export function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
