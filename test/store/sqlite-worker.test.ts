/**
 * The SQLite store in a worker thread (openStore(url, { thread: 'worker' }), what `optirelay serve` uses) passes the
 * same Store conformance suite as the in-thread store (the maintenance one too, run by hand: each test starts a worker), plus the proxy's own cases: error classes cross the thread,
 * streamed methods, every SqliteStore method forwarded, close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PayloadValidationError } from '../../src/core/errors.js';
import type { MaintenanceStore } from '../../src/store/maintenance-types.js';
import { openStore } from '../../src/store/open.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { INTERNAL_METHODS } from '../../src/store/sqlite/worker-protocol.js';
import type { SyncStore } from '../../src/store/sync-types.js';
import type { Store } from '../../src/store/types.js';
import { runStoreConformance } from './conformance.js';

async function fileStore(): Promise<{ store: Store & MaintenanceStore & SyncStore; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'optirelay-wstore-'));
  const store = (await openStore(`sqlite:${join(dir, 'store.db')}`, { thread: 'worker', commitWindowMs: 0 })) as unknown as Store & MaintenanceStore & SyncStore;
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

runStoreConformance('sqlite (worker thread)', fileStore);

describe('SQLite store in a worker thread', () => {
  it('forwards every public method of SqliteStore', async () => {
    const { store, cleanup } = await fileStore();
    try {
      const s = store as unknown as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(SqliteStore.prototype)) {
        if (INTERNAL_METHODS.has(name)) continue;
        expect(typeof s[name], name).toBe('function');
      }
      expect(store.kind).toBe('sqlite');
    } finally {
      await cleanup();
    }
  });

  it('rebuilds error classes thrown in the worker', async () => {
    const { store, cleanup } = await fileStore();
    try {
      const err = await store.listDeliveries({ status: 'nope' as never }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PayloadValidationError);
      expect(err).toMatchObject({ code: 'OR_PAYLOAD_INVALID', field: 'status' });
    } finally {
      await cleanup();
    }
  });

  it('streams AsyncIterable methods in chunks and stops early on break', async () => {
    const { store, cleanup } = await fileStore();
    try {
      const changes = Array.from({ length: 25_000 }, (_, i) => ({ pk: `k${String(i).padStart(6, '0')}`, hash: `h${i}` }));
      await store.applySnapshot('s1', changes);
      let rows = 0;
      for await (const page of store.iterateSnapshot('s1')) rows += (page as unknown[]).length;
      expect(rows).toBe(25_000);
      for await (const page of store.iterateSnapshot('s1')) {
        expect((page as unknown[]).length).toBeGreaterThan(0);
        break;
      }
      expect(await store.snapshotSize('s1')).toBe(25_000);
    } finally {
      await cleanup();
    }
  });

  it('rejects calls after close', async () => {
    const { store, cleanup } = await fileStore();
    await store.close();
    await expect(store.ingestStats()).rejects.toThrow(/closed/);
    await cleanup();
  });
});
