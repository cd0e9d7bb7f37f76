/** The sync_runs row both stores read (same columns on SQLite and PostgreSQL), and its mapping to SyncRun. */
import { emptyCounts, type SyncRun, type SyncRunCounts, type SyncRunStatus, type SyncTrigger } from './sync-types.js';

export interface RunRow {
  id: number;
  sync_id: string;
  status: string;
  trigger: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  resumes: number;
  counts: string;
  error: string | null;
}

export const RUN_COLS = 'id, sync_id, status, trigger, created_at, started_at, finished_at, lease_owner, lease_expires_at, resumes, counts, error';

export function toRun(r: RunRow): SyncRun {
  let counts: SyncRunCounts;
  try {
    counts = { ...emptyCounts(), ...(JSON.parse(r.counts) as Partial<SyncRunCounts>) };
  } catch {
    counts = emptyCounts();
  }
  return {
    id: r.id,
    syncId: r.sync_id,
    status: r.status as SyncRunStatus,
    trigger: r.trigger as SyncTrigger,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    resumes: r.resumes,
    counts,
    error: r.error,
  };
}
