import type { DeadFilter } from '../types.js';
import { counterShard, type PgDb } from './db.js';
import { Where } from './list.js';

/** WHERE for bulk DLQ operations: status is always `dead`; an empty `ids` list matches nothing, never "all". */
export function deadWhere(f: DeadFilter, w = new Where()): Where {
  w.raw(`status = 'dead'`);
  if (f.ids !== undefined) w.add('id = ANY(?::bigint[])', f.ids);
  w.add('destination_id = ?', f.destinationId);
  w.add('lane = ?', f.lane);
  w.add('user_id = ?', f.userId);
  w.add('event_name = ?', f.eventName);
  w.add(`strpos(lower(coalesce(last_error, '')), lower(?)) > 0`, f.error);
  return w;
}

const COUNT_MOVES = (shard: string) => /* sql */ `
lc AS (
  INSERT INTO lane_counts AS c (lane, status, shard, destination_id, action, n)
  SELECT lane, status, ${shard}, min(destination_id), min(action), sum(delta) FROM (
    SELECT lane, prev AS status, destination_id, action, -1 AS delta FROM upd
    UNION ALL
    SELECT lane, status, destination_id, action, 1 FROM upd
  ) x GROUP BY lane, status ORDER BY lane, status
  ON CONFLICT (lane, status, shard) DO UPDATE SET n = c.n + excluded.n
)`;

/** Dead → pending, due now, attempts reset; last error kept as a hint, the attempt log kept. */
export async function replayDead(db: PgDb, filter: DeadFilter, now: number): Promise<number> {
  const w = new Where();
  const t = w.next(now);
  const shard = w.next(counterShard());
  deadWhere(filter, w);
  const sql = /* sql */ `
WITH target AS (SELECT id FROM deliveries${w.sql()} ORDER BY id FOR UPDATE),
upd AS (
  UPDATE deliveries d SET status = 'pending', attempts = 0, next_attempt_at = ${t}, updated_at = ${t},
         lease_owner = NULL, lease_expires_at = NULL
    FROM target WHERE d.id = target.id AND d.status = 'dead'
  RETURNING d.lane, d.destination_id, d.action, d.status, 'dead'::text AS prev
),
${COUNT_MOVES(shard)}
SELECT count(*) AS n FROM upd`;
  return (await db.one<{ n: number }>(sql, w.params))?.n ?? 0;
}

/** Delete matching dead deliveries; attempts go by ON DELETE CASCADE; the delete trigger counts lanes. */
export async function purgeDead(db: PgDb, filter: DeadFilter): Promise<number> {
  const w = deadWhere(filter);
  const rows = await db.q(`DELETE FROM deliveries${w.sql()} RETURNING id`, w.params);
  return rows.length;
}

/**
 * One delivery due now: dead → pending with attempts reset; pending / retry_wait keep status and attempts;
 * in-flight and delivered are left alone (false).
 */
const RETRY_NOW = /* sql */ `
WITH target AS (SELECT id, status AS prev FROM deliveries WHERE id = $1 AND status IN ('pending','retry_wait','dead') FOR UPDATE),
upd AS (
  UPDATE deliveries d SET
    status = CASE WHEN d.status = 'dead' THEN 'pending' ELSE d.status END,
    attempts = CASE WHEN d.status = 'dead' THEN 0 ELSE d.attempts END,
    next_attempt_at = $2, updated_at = $2
    FROM target WHERE d.id = target.id AND d.status IN ('pending','retry_wait','dead')
  RETURNING d.lane, d.destination_id, d.action, d.status, target.prev
),
${COUNT_MOVES('$3')}
SELECT count(*) AS n FROM upd`;

export async function retryNow(db: PgDb, id: number, now: number): Promise<boolean> {
  const row = await db.one<{ n: number }>(RETRY_NOW, [id, now, counterShard()]);
  return (row?.n ?? 0) > 0;
}
