import type { DeliveryOutcome } from '../types.js';
import { counterShard, type PgDb } from './db.js';
import { jsonText } from './rows.js';

/**
 * A whole batch of outcomes as ONE statement: the outcomes travel as arrays (unnest), the UPDATE … FROM applies
 * each one only while its owner still holds the lease (a late completion after someone else re-claimed the
 * delivery changes nothing), the attempt rows are inserted for the applied ones with the new attempt number, and
 * the status moves are counted. Same field rules as SQLite (complete-deliveries.ts there).
 */
const COMPLETE = /* sql */ `
WITH o AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::int[], $8::text[])
    AS t(id, owner, status, inc, next, error, code, flags)
),
upd AS (
  UPDATE deliveries d SET
    status = o.status,
    attempts = d.attempts + o.inc,
    next_attempt_at = coalesce(o.next, d.next_attempt_at),
    last_error = CASE WHEN o.error IS NOT NULL THEN o.error WHEN o.status = 'delivered' THEN NULL ELSE d.last_error END,
    last_status_code = CASE WHEN o.code IS NOT NULL THEN o.code WHEN o.status = 'delivered' THEN NULL ELSE d.last_status_code END,
    flags = coalesce(o.flags, d.flags),
    lease_owner = NULL,
    lease_expires_at = NULL,
    updated_at = $9
  FROM o
  WHERE d.id = o.id AND d.status = 'in_flight' AND d.lease_owner = o.owner
  RETURNING d.id, d.attempts, d.status, d.lane, d.destination_id, d.action
),
a AS (
  SELECT * FROM unnest($10::bigint[], $11::bigint[], $12::int[], $13::int[], $14::text[], $15::text[], $16::text[])
    AS t(id, started_at, duration_ms, status_code, error, request, response)
),
att AS (
  INSERT INTO attempts (delivery_id, attempt, outcome, started_at, duration_ms, status_code, error, request, response)
  SELECT upd.id, upd.attempts, upd.status, a.started_at, a.duration_ms, a.status_code, a.error, a.request, a.response
    FROM upd JOIN a ON a.id = upd.id ORDER BY upd.id
),
lc AS (
  INSERT INTO lane_counts AS c (lane, status, shard, destination_id, action, n)
  SELECT lane, status, $17, min(destination_id), min(action), sum(delta) FROM (
    SELECT lane, 'in_flight' AS status, destination_id, action, -1 AS delta FROM upd
    UNION ALL
    SELECT lane, status, destination_id, action, 1 FROM upd
  ) x GROUP BY lane, status ORDER BY lane, status
  ON CONFLICT (lane, status, shard) DO UPDATE SET n = c.n + excluded.n
)
SELECT count(*) AS n FROM upd
`;

export async function completeDeliveries(db: PgDb, outcomes: DeliveryOutcome[], now: number): Promise<number> {
  if (outcomes.length === 0) return 0;
  // Sorted by id: concurrent completions (and the lease sweep) lock rows in one order.
  const sorted = [...outcomes].sort((x, y) => x.id - y.id);
  const o = { id: [] as number[], owner: [] as string[], status: [] as string[], inc: [] as number[], next: [] as (number | null)[], error: [] as (string | null)[], code: [] as (number | null)[], flags: [] as (string | null)[] };
  const a = { id: [] as number[], started: [] as number[], duration: [] as number[], code: [] as (number | null)[], error: [] as (string | null)[], request: [] as (string | null)[], response: [] as (string | null)[] };
  for (const x of sorted) {
    o.id.push(x.id);
    o.owner.push(x.owner);
    o.status.push(x.status);
    o.inc.push(x.countsAsAttempt ? 1 : 0);
    o.next.push(x.status === 'retry_wait' ? (x.nextAttemptAt ?? now) : null);
    o.error.push(x.error ?? null);
    o.code.push(x.statusCode ?? null);
    o.flags.push(jsonText(x.flags));
    const at = x.attempt;
    if (at) {
      a.id.push(x.id);
      a.started.push(at.startedAt);
      a.duration.push(Math.round(at.durationMs));
      a.code.push(at.statusCode ?? x.statusCode ?? null);
      a.error.push(at.error ?? x.error ?? null);
      a.request.push(jsonText(at.request));
      a.response.push(jsonText(at.response));
    }
  }
  const row = await db.one<{ n: number }>(COMPLETE, [
    o.id, o.owner, o.status, o.inc, o.next, o.error, o.code, o.flags, now,
    a.id, a.started, a.duration, a.code, a.error, a.request, a.response,
    counterShard(),
  ]);
  return row?.n ?? 0;
}
