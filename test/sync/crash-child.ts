/** Child process for crash.test.ts: runs one sync against a file store until the parent kills it (SIGKILL). */
import { loadAndValidate } from '../../src/cli/load-config.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { systemClock } from '../../src/core/clock.js';
import { SyncService } from '../../src/sync/service.js';

const [configFile, storeFile, syncId] = process.argv.slice(2) as [string, string, string];
const { config } = await loadAndValidate({ file: configFile, env: {} });
const store = new SqliteStore(storeFile);
await store.migrate();
const svc = new SyncService({ config, store, clock: systemClock, leaseMs: 1_000 });
await svc.run(syncId, { trigger: 'manual', onStarted: () => process.stdout.write('started\n') });
process.stdout.write('finished\n');
