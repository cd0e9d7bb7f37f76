/** Per-row errors of sync runs: appended in batches, read per run in order. */
import type { SqliteDb } from './db.js';
import type { SyncOp, SyncRowError } from '../sync-types.js';

interface Row {
  run_id: number;
  pk: string | null;
  op: string;
  code: string;
  message: string;
  at: number;
}

export function addSyncRowErrors(db: SqliteDb, errors: SyncRowError[]): void {
  if (errors.length === 0) return;
  const ins = db.stmt('INSERT INTO sync_row_errors (run_id, pk, op, code, message, at) VALUES (?, ?, ?, ?, ?, ?)');
  db.write(() => {
    for (const e of errors) ins.run(e.runId, e.pk, e.op, e.code, e.message, e.at);
  });
}

export function listSyncRowErrors(db: SqliteDb, runId: number, q: { limit?: number } = {}): SyncRowError[] {
  const limit = Math.max(1, Math.min(q.limit ?? 100, 10_000));
  const rows = db.stmt('SELECT run_id, pk, op, code, message, at FROM sync_row_errors WHERE run_id = ? ORDER BY id LIMIT ?').all(runId, limit) as Row[];
  return rows.map((r) => ({ runId: r.run_id, pk: r.pk, op: r.op as SyncOp | 'invalid', code: r.code, message: r.message, at: r.at }));
}
