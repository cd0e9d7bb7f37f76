/**
 * The sync part of the storage seam: per-sync snapshots (primary key → hash of the mapped columns), runs with a
 * lease (so one run executes even when triggered twice, and a crashed run is taken over), and per-row errors.
 *
 * Terminology (sync-level):
 * - snapshot entry: the hash of a row's mapped columns as last APPLIED to Optimizely. It advances row by row, only
 *   on success, so it is also the progress record a resumed run starts from.
 * - run: one execution of a sync. `running` runs hold a lease (owner + expiry); a `running` run whose lease ran out
 *   belongs to a dead process and is taken over (resumed) by the next start.
 * - row error: one row's failure in a run (invalid row, rejected by Optimizely, retries exhausted).
 *
 * Kept apart from `Store` so a backend without syncs still compiles; `asSyncStore` checks at run time.
 * All times are epoch milliseconds; all methods async so PostgreSQL can implement them.
 */

export type SyncRunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type SyncTrigger = 'schedule' | 'manual' | 'api';
export type SyncOp = 'added' | 'changed' | 'removed';

export interface OpCounts {
  succeeded: number;
  failed: number;
}

export interface SyncRunCounts {
  rowsRead: number;
  added: OpCounts;
  changed: OpCounts;
  removed: OpCounts;
  unchanged: number;
  /** Rows with a null/empty or duplicate primary key, or a value the object type refuses (never sent). */
  invalid: number;
  /** API requests made by the run. */
  requests: number;
}

export function emptyCounts(): SyncRunCounts {
  return {
    rowsRead: 0,
    added: { succeeded: 0, failed: 0 },
    changed: { succeeded: 0, failed: 0 },
    removed: { succeeded: 0, failed: 0 },
    unchanged: 0,
    invalid: 0,
    requests: 0,
  };
}

export interface SyncRun {
  id: number;
  syncId: string;
  status: SyncRunStatus;
  trigger: SyncTrigger;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /** How many times a crashed run was taken over. */
  resumes: number;
  counts: SyncRunCounts;
  /** Run-level error (auth failed, project not found, source unreadable, …). */
  error: string | null;
}

export interface SyncRowError {
  runId: number;
  /** Primary key as text (`null` for a row without one). */
  pk: string | null;
  op: SyncOp | 'invalid';
  code: string;
  message: string;
  at: number;
}

export type StartSyncRunResult =
  | { started: true; run: SyncRun; resumed: boolean }
  /** Another process holds a live lease on a run of this sync. */
  | { started: false; running: SyncRun };

export interface SnapshotChange {
  pk: string;
  /** New hash, or null to delete the entry. */
  hash: string | null;
}

export interface SyncStore {
  /**
   * In one transaction: if a run of `syncId` is running under a live lease → `{started:false}`; if one is running
   * under an expired lease → take it over (resumed, same id); else insert a new running run.
   */
  startSyncRun(input: { syncId: string; trigger: SyncTrigger; owner: string; leaseMs: number; now: number }): Promise<StartSyncRunResult>;
  /** Heartbeat; false when the lease is no longer ours. */
  extendSyncRunLease(runId: number, owner: string, leaseExpiresAt: number): Promise<boolean>;
  /** Persist progress counts (only the lease owner may). */
  updateSyncRun(runId: number, owner: string, counts: SyncRunCounts): Promise<void>;
  /** Final status; releases the lease. */
  finishSyncRun(runId: number, owner: string, result: { status: 'completed' | 'failed' | 'cancelled'; counts: SyncRunCounts; error?: string; now: number }): Promise<void>;
  getSyncRun(runId: number): Promise<SyncRun | undefined>;
  /** Newest first. */
  listSyncRuns(syncId: string, q?: { limit?: number; before?: number }): Promise<SyncRun[]>;
  addSyncRowErrors(errors: SyncRowError[]): Promise<void>;
  listSyncRowErrors(runId: number, q?: { limit?: number }): Promise<SyncRowError[]>;

  /** Stream a sync's snapshot in pages (any order). */
  iterateSnapshot(syncId: string): AsyncIterable<{ pk: string; hash: string }[]>;
  /** Upsert / delete snapshot entries in one transaction. */
  applySnapshot(syncId: string, changes: SnapshotChange[]): Promise<void>;
  snapshotSize(syncId: string): Promise<number>;
  /** Forget the snapshot (full resync next run). Returns how many entries were dropped. */
  resetSnapshot(syncId: string): Promise<number>;
}

export function isSyncStore(store: unknown): store is SyncStore {
  const s = store as Partial<SyncStore> | undefined;
  return typeof s?.startSyncRun === 'function' && typeof s?.iterateSnapshot === 'function';
}

export function asSyncStore(store: unknown): SyncStore {
  if (!isSyncStore(store)) throw new Error('this store backend does not implement syncs (SyncStore); use a SQLite store or a newer optirelay');
  return store;
}
