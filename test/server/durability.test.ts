/**
 * Durability: a restart keeps everything acknowledged; `kill -9` of a server child process under concurrent load
 * loses no acknowledged event; SIGTERM shuts down gracefully.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { ADMIN_TOKEN, admin, basic, post, removeDir, startTestServer, tempDir, WEB_KEY, writeConfig } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

async function allMessageIds(store: Store): Promise<Set<string>> {
  const ids = new Set<string>();
  let before: number | undefined;
  for (;;) {
    const page = await store.listEvents({ limit: 10_000, before });
    for (const e of page) ids.add(e.messageId);
    if (page.length < 10_000) return ids;
    before = page[page.length - 1].id;
  }
}

interface Child {
  proc: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Spawns `optirelay serve` exactly as a user would (through the CLI), on an ephemeral port. */
async function spawnServer(dir: string): Promise<Child> {
  const config = writeConfig(dir, `admin: { token: ${ADMIN_TOKEN} }\n`);
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config, '--port', '0', '--host', '127.0.0.1', '--no-workers'], {
    cwd: process.cwd(),
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const check = setInterval(() => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(check);
        resolve(m[1]);
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(check);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
  return { proc, url, output: () => out, exited };
}

describe('durability', () => {
  it('a restart keeps every acknowledged event, rejected record and counter', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const first = await startTestServer({ dir });
    const batch = Array.from({ length: 50 }, (_, i) => ({ type: 'track', userId: `r${i}`, event: 'Kept', messageId: `restart-${i}` }));
    batch.push({ type: 'track', userId: 'bad', messageId: 'restart-bad' } as (typeof batch)[number]);
    expect((await post(`${first.url}/v1/batch`, { batch }, { authorization: basic(WEB_KEY) })).status).toBe(200);
    const statsBefore = (await admin(first, '/stats')).json;
    await first.stop();

    const second = await startTestServer({ dir });
    try {
      expect((await admin(second, '/stats')).json).toEqual(statsBefore);
      const ids = await allMessageIds(second.app.store);
      for (let i = 0; i < 50; i++) expect(ids.has(`restart-${i}`)).toBe(true);
      expect(((await admin(second, '/rejected')).json.rejected as unknown[]).length).toBe(1);
      // and a duplicate of an event acknowledged before the restart is still recognised
      const again = await post(`${second.url}/v1/track`, { userId: 'r0', event: 'Kept', messageId: 'restart-0' }, { authorization: basic(WEB_KEY) });
      expect(again.status).toBe(200);
      expect(((await admin(second, '/stats')).json.total as { duplicates: number }).duplicates).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('kill -9 under concurrent load loses no acknowledged event', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const child = await spawnServer(dir);
    const acked: string[] = [];
    let requests = 0;
    let stop = false;
    const sender = async (n: number): Promise<void> => {
      for (let seq = 0; !stop; seq++) {
        const ids = Array.from({ length: 20 }, (_, i) => `k9-${n}-${seq}-${i}`);
        const batch = ids.map((messageId) => ({ type: 'track', userId: `u${n}`, event: 'Load', messageId, properties: { seq } }));
        try {
          const res = await fetch(`${child.url}/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: basic(WEB_KEY) },
            body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
          });
          requests++;
          if (res.status === 200) acked.push(...ids);
          await res.arrayBuffer();
        } catch {
          return; // the server is gone
        }
      }
    };
    const senders = Array.from({ length: 8 }, (_, n) => sender(n));
    while (acked.length < 3_000) await new Promise((r) => setTimeout(r, 10));
    child.proc.kill('SIGKILL');
    await child.exited;
    stop = true;
    await Promise.all(senders);
    expect(requests).toBeGreaterThan(0);

    const store = await openStore(`sqlite:${dir}/optirelay.db`);
    try {
      const ids = await allMessageIds(store);
      const lost = acked.filter((id) => !ids.has(id));
      expect(lost).toEqual([]);
      expect(ids.size).toBeGreaterThanOrEqual(acked.length);
    } finally {
      await store.close();
    }
  });

  it('SIGTERM finishes in-flight requests, closes the store and exits 0', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const child = await spawnServer(dir);
    const inflight = Array.from({ length: 10 }, (_, i) =>
      post(`${child.url}/v1/batch`, { batch: [{ type: 'identify', userId: `t${i}`, messageId: `term-${i}` }] }, { authorization: basic(WEB_KEY) }).then((r) => r.status, () => 0),
    );
    await new Promise((r) => setTimeout(r, 5));
    child.proc.kill('SIGTERM');
    const statuses = await Promise.all(inflight);
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('stopped cleanly');
    const store = await openStore(`sqlite:${dir}/optirelay.db`);
    try {
      const ids = await allMessageIds(store);
      statuses.forEach((s, i) => {
        if (s === 200) expect(ids.has(`term-${i}`)).toBe(true);
      });
    } finally {
      await store.close();
    }
  });
});
