/**
 * Sync runs with a lease. `startSyncRun` is one BEGIN IMMEDIATE transaction, so two triggers racing (two processes,
 * or the scheduler and the admin API) see each other: one starts, the other gets `{started:false}`.
 */
import type { SqliteDb } from './db.js';
import { emptyCounts, type StartSyncRunResult, type SyncRun, type SyncRunCounts, type SyncTrigger } from '../sync-types.js';
import { RUN_COLS, toRun, type RunRow } from '../sync-run-row.js';


export function startSyncRun(db: SqliteDb, input: { syncId: string; trigger: SyncTrigger; owner: string; leaseMs: number; now: number }): StartSyncRunResult {
  return db.write(() => {
    const running = db.stmt(`SELECT ${RUN_COLS} FROM sync_runs WHERE sync_id = ? AND status = 'running'`).get(input.syncId) as RunRow | undefined;
    const expires = input.now + input.leaseMs;
    if (running) {
      if ((running.lease_expires_at ?? 0) > input.now) return { started: false as const, running: toRun(running) };
      db.stmt(`UPDATE sync_runs SET lease_owner = ?, lease_expires_at = ?, resumes = resumes + 1 WHERE id = ?`).run(input.owner, expires, running.id);
      const run = toRun(db.stmt(`SELECT ${RUN_COLS} FROM sync_runs WHERE id = ?`).get(running.id) as RunRow);
      return { started: true as const, run, resumed: true };
    }
    const info = db
      .stmt(
        `INSERT INTO sync_runs (sync_id, status, trigger, created_at, started_at, lease_owner, lease_expires_at, counts)
         VALUES (?, 'running', ?, ?, ?, ?, ?, ?)`,
      )
      .run(input.syncId, input.trigger, input.now, input.now, input.owner, expires, JSON.stringify(emptyCounts()));
    const run = toRun(db.stmt(`SELECT ${RUN_COLS} FROM sync_runs WHERE id = ?`).get(Number(info.lastInsertRowid)) as RunRow);
    return { started: true as const, run, resumed: false };
  });
}

export function extendSyncRunLease(db: SqliteDb, runId: number, owner: string, leaseExpiresAt: number): boolean {
  const info = db.stmt(`UPDATE sync_runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`).run(leaseExpiresAt, runId, owner);
  return info.changes > 0;
}

export function updateSyncRun(db: SqliteDb, runId: number, owner: string, counts: SyncRunCounts): void {
  db.stmt(`UPDATE sync_runs SET counts = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`).run(JSON.stringify(counts), runId, owner);
}

export function finishSyncRun(
  db: SqliteDb,
  runId: number,
  owner: string,
  result: { status: 'completed' | 'failed' | 'cancelled'; counts: SyncRunCounts; error?: string; now: number },
): void {
  db.stmt(
    `UPDATE sync_runs SET status = ?, counts = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
     WHERE id = ? AND lease_owner = ? AND status = 'running'`,
  ).run(result.status, JSON.stringify(result.counts), result.error ?? null, result.now, runId, owner);
}

export function getSyncRun(db: SqliteDb, runId: number): SyncRun | undefined {
  const r = db.stmt(`SELECT ${RUN_COLS} FROM sync_runs WHERE id = ?`).get(runId) as RunRow | undefined;
  return r ? toRun(r) : undefined;
}

export function listSyncRuns(db: SqliteDb, syncId: string, q: { limit?: number; before?: number } = {}): SyncRun[] {
  const limit = Math.max(1, Math.min(q.limit ?? 50, 1000));
  const rows = db
    .stmt(`SELECT ${RUN_COLS} FROM sync_runs WHERE sync_id = ? AND id < ? ORDER BY id DESC LIMIT ?`)
    .all(syncId, q.before ?? Number.MAX_SAFE_INTEGER, limit) as RunRow[];
  return rows.map(toRun);
}
