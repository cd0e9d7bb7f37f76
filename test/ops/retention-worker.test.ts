/**
 * The retention worker in a running server: purges exactly what is due while events keep flowing, and the store
 * numbers show up in GET /admin/v1/store and /metrics.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAndValidate } from '../../src/cli/load-config.js';
import type { Clock } from '../../src/core/clock.js';
import { basic, removeDir, startInProcessApp, tempDir } from '../server/helpers.js';

const KEY = 'wk_retention';
const TOKEN = 'admin-retention-token';
const DAY = 86_400_000;

class MovableClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('retention worker', () => {
  it('purges exactly what is due while events keep flowing, and reports the store', async () => {
    const dir = tempDir('optirelay-retention-');
    const file = join(dir, 'optirelay.yaml');
    // interval: long, so only the sweeps this test asks for run.
    writeFileSync(file, `store: sqlite:${dir}/optirelay.db\ndataDir: ${dir}\nadmin: { token: ${TOKEN} }\nsources:\n  - { id: web, writeKey: ${KEY} }\nretention: { delivered: 7d, rejected: 30d, dead: 30d, interval: 1h }\n`);
    const { config } = await loadAndValidate({ file, env: {} });
    const clock = new MovableClock();
    const { app, url, stop: stopServer } = await startInProcessApp(config, { level: 'warn', clock });
    cleanup.push(async () => {
      await stopServer();
      removeDir(dir);
    });
    expect(app.workers.map((w) => w.name)).toContain('retention');
    const admin = async (method: string, path: string): Promise<Record<string, unknown>> => {
      const res = await fetch(`${url}/admin/v1${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const batch = async (ids: string[], invalid = 0): Promise<void> => {
      const messages = [
        ...ids.map((id) => ({ type: 'track', userId: 'u', event: 'Viewed', messageId: id })),
        ...Array.from({ length: invalid }, () => ({ type: 'track', userId: 'u' })), // no event name: rejected
      ];
      const res = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basic(KEY), 'content-type': 'application/json' },
        body: JSON.stringify({ batch: messages }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    };

    // Day 0: 1,500 old events (more than one purge batch) and 2 rejected records.
    for (let i = 0; i < 15; i++) await batch(Array.from({ length: 100 }, (_, j) => `old-${i}-${j}`), i < 2 ? 1 : 0);
    // Day 6: 50 events still inside the 7-day window.
    clock.offset = 6 * DAY;
    await batch(Array.from({ length: 50 }, (_, j) => `mid-${j}`));
    // Day 8: sweep while new events keep arriving.
    clock.offset = 8 * DAY;
    let stop = false;
    const flowing: string[] = [];
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const ids = Array.from({ length: 10 }, (_, j) => `new-${i}-${j}`);
        await batch(ids);
        flowing.push(...ids);
      }
    })();
    while (flowing.length < 30) await new Promise((r) => setTimeout(r, 5));
    const swept = (await admin('POST', '/retention/sweep')) as { deleted: Record<string, number>; transactions: number };
    stop = true;
    await load;

    expect(swept.deleted.events).toBe(1500);
    expect(swept.deleted.rejected ?? 0).toBe(0); // 30 days not reached
    expect(swept.transactions).toBeGreaterThanOrEqual(2);
    const left = (await app.store.listEvents({ limit: 1000 })).map((e) => e.messageId);
    expect(left.filter((m) => m.startsWith('old-'))).toEqual([]);
    expect(left.filter((m) => m.startsWith('mid-')).length).toBe(50);
    expect(left.filter((m) => m.startsWith('new-')).sort()).toEqual([...flowing].sort());

    // Day 31: rejected records go; the day-6 events too.
    clock.offset = 31 * DAY;
    const later = (await admin('POST', '/retention/sweep')) as { deleted: Record<string, number> };
    expect(later.deleted.rejected).toBe(2);
    expect(later.deleted.events).toBe(50 + flowing.length);

    const store = (await admin('GET', '/store?fresh=true')) as {
      kind: string;
      sizeBytes: number;
      tables: { table: string; rows: number }[];
      retention: { deliveredMs: number; running: boolean };
      lastSweep: { deleted: Record<string, number> } | null;
    };
    expect(store.kind).toBe('sqlite');
    expect(store.sizeBytes).toBeGreaterThan(0);
    expect(store.tables.find((t) => t.table === 'events')!.rows).toBe(0);
    expect(store.retention).toMatchObject({ deliveredMs: 7 * DAY, running: true });
    expect(store.lastSweep?.deleted.rejected).toBe(2);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^optirelay_store_size_bytes \d+/m);
    expect(metrics).toMatch(/^optirelay_store_rows\{table="events"\} 0$/m);
    expect(metrics).toMatch(/^optirelay_retention_purged_rows_total\{table="events"\} \d+/m);
    expect(metrics).toMatch(/^optirelay_retention_last_sweep_timestamp_seconds \d+/m);
  }, 60_000);
});
