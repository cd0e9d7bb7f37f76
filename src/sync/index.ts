/** Warehouse syncs: public surface for the CLI, the server and tests. */
export { SyncService, type SyncServiceOptions, type SyncSummary } from './service.js';
export { SyncScheduler } from './scheduler.js';
export { runSync, planSync, findSync, UnknownSyncError, type SyncDeps, type SyncPlan, type SyncProgress, type RunOutcome, type RunOptions } from './runner.js';
export { computeDiff, type DiffResult } from './diff.js';
export { readSource, describeSource } from './sources/index.js';
export { EVERYONE_CONDITIONS, OBJECT_FIELDS, OBJECT_MODES } from './objects.js';
