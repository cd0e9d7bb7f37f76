import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import { runStoreConformance } from './conformance.js';

runStoreConformance('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'optirelay-store-'));
  const store = await openStore(`sqlite:${join(dir, 'nested', 'store.db')}`);
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

runStoreConformance('sqlite (:memory:, commit window 0)', async () => {
  const store = await openStore('sqlite::memory:', { commitWindowMs: 0 });
  return { store, cleanup: () => store.close() };
});
