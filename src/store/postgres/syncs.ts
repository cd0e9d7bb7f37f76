/**
 * Sync runs with a lease, row errors and snapshots (sync-types.ts) on PostgreSQL. `startSyncRun` is one
 * transaction that locks the sync's running run (FOR UPDATE); when there is none, two starters may both insert, and
 * the partial unique index `sync_runs_one_running` lets only one commit: the other's transaction is retried and
 * then finds the winner's run (live lease → {started:false}). So a run happens once across the fleet, and a run
 * whose lease ran out (its process died) is taken over by the next starter in any process.
 */
import { emptyCounts, type SnapshotChange, type StartSyncRunResult, type SyncOp, type SyncRowError, type SyncRun, type SyncRunCounts, type SyncTrigger } from '../sync-types.js';
import { RUN_COLS, toRun, type RunRow } from '../sync-run-row.js';
import type { PgDb } from './db.js';


export async function startSyncRun(db: PgDb, input: { syncId: string; trigger: SyncTrigger; owner: string; leaseMs: number; now: number }): Promise<StartSyncRunResult> {
  const expires = input.now + input.leaseMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.tx(async (c): Promise<StartSyncRunResult> => {
        const running = await c.one<RunRow>(`SELECT ${RUN_COLS} FROM sync_runs WHERE sync_id = $1 AND status = 'running' FOR UPDATE`, [input.syncId]);
        if (running) {
          if ((running.lease_expires_at ?? 0) > input.now) return { started: false, running: toRun(running) };
          const run = await c.one<RunRow>(
            `UPDATE sync_runs SET lease_owner = $1, lease_expires_at = $2, resumes = resumes + 1 WHERE id = $3 RETURNING ${RUN_COLS}`,
            [input.owner, expires, running.id],
          );
          return { started: true, run: toRun(run!), resumed: true };
        }
        const run = await c.one<RunRow>(
          `INSERT INTO sync_runs (sync_id, status, trigger, created_at, started_at, lease_owner, lease_expires_at, counts)
           VALUES ($1, 'running', $2, $3, $3, $4, $5, $6) RETURNING ${RUN_COLS}`,
          [input.syncId, input.trigger, input.now, input.owner, expires, JSON.stringify(emptyCounts())],
        );
        return { started: true, run: toRun(run!), resumed: false };
      });
    } catch (err) {
      // Another process inserted a running run of this sync first: look again (it is now visible).
      if ((err as { code?: string }).code !== '23505' || attempt >= 3) throw err;
    }
  }
}

export async function extendSyncRunLease(db: PgDb, runId: number, owner: string, leaseExpiresAt: number): Promise<boolean> {
  const rows = await db.q(`UPDATE sync_runs SET lease_expires_at = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'running' RETURNING 1`, [leaseExpiresAt, runId, owner]);
  return rows.length > 0;
}

export async function updateSyncRun(db: PgDb, runId: number, owner: string, counts: SyncRunCounts): Promise<void> {
  await db.q(`UPDATE sync_runs SET counts = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'running'`, [JSON.stringify(counts), runId, owner]);
}

export async function finishSyncRun(
  db: PgDb,
  runId: number,
  owner: string,
  result: { status: 'completed' | 'failed' | 'cancelled'; counts: SyncRunCounts; error?: string; now: number },
): Promise<void> {
  await db.q(
    `UPDATE sync_runs SET status = $1, counts = $2, error = $3, finished_at = $4, lease_owner = NULL, lease_expires_at = NULL
      WHERE id = $5 AND lease_owner = $6 AND status = 'running'`,
    [result.status, JSON.stringify(result.counts), result.error ?? null, result.now, runId, owner],
  );
}

export async function getSyncRun(db: PgDb, runId: number): Promise<SyncRun | undefined> {
  const r = await db.one<RunRow>(`SELECT ${RUN_COLS} FROM sync_runs WHERE id = $1`, [runId]);
  return r ? toRun(r) : undefined;
}

export async function listSyncRuns(db: PgDb, syncId: string, q: { limit?: number; before?: number } = {}): Promise<SyncRun[]> {
  const limit = Math.max(1, Math.min(q.limit ?? 50, 1000));
  const rows = await db.q<RunRow>(`SELECT ${RUN_COLS} FROM sync_runs WHERE sync_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, [
    syncId,
    q.before ?? Number.MAX_SAFE_INTEGER,
    limit,
  ]);
  return rows.map(toRun);
}

export async function addSyncRowErrors(db: PgDb, errors: SyncRowError[]): Promise<void> {
  if (errors.length === 0) return;
  await db.q(
    `INSERT INTO sync_row_errors (run_id, pk, op, code, message, at)
     SELECT run_id, pk, op, code, message, at
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY
         AS t(run_id, pk, op, code, message, at, ord)
      ORDER BY ord`,
    [errors.map((e) => e.runId), errors.map((e) => e.pk), errors.map((e) => e.op), errors.map((e) => e.code), errors.map((e) => e.message), errors.map((e) => e.at)],
  );
}

export async function listSyncRowErrors(db: PgDb, runId: number, q: { limit?: number } = {}): Promise<SyncRowError[]> {
  const limit = Math.max(1, Math.min(q.limit ?? 100, 10_000));
  const rows = await db.q<{ run_id: number; pk: string | null; op: string; code: string; message: string; at: number }>(
    'SELECT run_id, pk, op, code, message, at FROM sync_row_errors WHERE run_id = $1 ORDER BY id LIMIT $2',
    [runId, limit],
  );
  return rows.map((r) => ({ runId: r.run_id, pk: r.pk, op: r.op as SyncOp | 'invalid', code: r.code, message: r.message, at: r.at }));
}

const PAGE = 10_000;

/** Pages of up to PAGE entries, keyset-paged by pk (the column is COLLATE "C": byte order, index order), so no cursor or transaction stays open while a run works. */
export async function* iterateSnapshot(db: PgDb, syncId: string): AsyncIterable<{ pk: string; hash: string }[]> {
  let after: string | null = null;
  for (;;) {
    const rows: { pk: string; hash: string }[] = await db.q<{ pk: string; hash: string }>(
      `SELECT pk, hash FROM sync_snapshots WHERE sync_id = $1 AND ($2::text IS NULL OR pk > $2) ORDER BY pk LIMIT $3`,
      [syncId, after, PAGE],
    );
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.pk;
  }
}

export async function applySnapshot(db: PgDb, syncId: string, changes: SnapshotChange[]): Promise<void> {
  if (changes.length === 0) return;
  // Last change per pk wins (one statement cannot upsert the same key twice).
  const last = new Map<string, string | null>();
  for (const c of changes) last.set(c.pk, c.hash);
  const up = [...last].filter((e): e is [string, string] => e[1] !== null).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const del = [...last].filter(([, h]) => h === null).map(([pk]) => pk);
  await db.q(
    `WITH del AS (DELETE FROM sync_snapshots WHERE sync_id = $1 AND pk = ANY($4::text[]))
     INSERT INTO sync_snapshots (sync_id, pk, hash) SELECT $1, pk, hash FROM unnest($2::text[], $3::text[]) AS t(pk, hash)
     ON CONFLICT (sync_id, pk) DO UPDATE SET hash = excluded.hash`,
    [syncId, up.map((e) => e[0]), up.map((e) => e[1]), del],
  );
}

export async function snapshotSize(db: PgDb, syncId: string): Promise<number> {
  return (await db.one<{ n: number }>('SELECT count(*) AS n FROM sync_snapshots WHERE sync_id = $1', [syncId]))!.n;
}

export async function resetSnapshot(db: PgDb, syncId: string): Promise<number> {
  return (await db.q('DELETE FROM sync_snapshots WHERE sync_id = $1 RETURNING 1', [syncId])).length;
}
