import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runMaintenanceConformance } from './maintenance-conformance.js';

runMaintenanceConformance('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'optirelay-maint-'));
  const store = new SqliteStore(join(dir, 'optirelay.db'), { commitWindowMs: 0 });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

runMaintenanceConformance('sqlite (:memory:)', async () => {
  const store = new SqliteStore(':memory:', { commitWindowMs: 0 });
  await store.migrate();
  return { store, cleanup: () => store.close() };
});

it('new SQLite files use incremental auto-vacuum, and a purge gives pages back to the file system', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'optirelay-vacuum-'));
  const store = new SqliteStore(join(dir, 'optirelay.db'), { commitWindowMs: 0 });
  try {
    await store.migrate();
    const T = 1_700_000_000_000;
    const ts = new Date(T).toISOString();
    const events = Array.from({ length: 2000 }, (_, i) => ({
      event: { type: 'track' as const, event: 'big', messageId: `big-${i}`, userId: 'u', properties: { blob: 'y'.repeat(4000) }, timestamp: ts, originalTimestamp: ts, receivedAt: ts },
      deliveries: [],
    }));
    await store.appendEvents({ sourceId: 'web', now: T, dedupWindowMs: 1, events, rejected: [], suppressed: 0 });
    const before = await store.storeStats(T);
    expect(before.vacuumMode).toBe('incremental');
    let r;
    do r = await store.purgeDeliveredEvents({ before: T + 1, limit: 500, cursor: r?.cursor });
    while (r.more);
    const reclaimed = await store.reclaimSpace();
    expect(reclaimed.checkpointed).toBe(true);
    expect(reclaimed.freedBytes).toBeGreaterThan(4_000_000);
    const after = await store.storeStats(T);
    expect(after.sizeBytes).toBeLessThan(before.sizeBytes / 2);
    expect(after.walBytes).toBe(0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
