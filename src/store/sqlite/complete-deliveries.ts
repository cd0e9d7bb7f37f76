import type { DeliveryOutcome } from '../types.js';
import { LaneCountDelta, type LaneKey } from './adjust-lane-counts.js';
import type { SqliteDb } from './db.js';
import { jsonOrNull } from './rows.js';

/**
 * Apply an outcome only while this owner still holds the lease (status in_flight AND lease_owner matches): a late
 * completion after the lease ran out and another worker re-claimed the delivery changes nothing.
 * - error / status code: the given ones; a delivered outcome without them clears them; otherwise the last ones stay.
 * - next_attempt_at: set for retry_wait; kept for pending (a release keeps the delivery's place in the queue).
 * - flags: replaced when given.
 * RETURNING gives the new attempt count for the log row without a second read.
 */
const COMPLETE = `UPDATE deliveries SET
    status = :status,
    attempts = attempts + :inc,
    next_attempt_at = coalesce(:next, next_attempt_at),
    last_error = CASE WHEN :error IS NOT NULL THEN :error WHEN :status = 'delivered' THEN NULL ELSE last_error END,
    last_status_code = CASE WHEN :code IS NOT NULL THEN :code WHEN :status = 'delivered' THEN NULL
                            ELSE last_status_code END,
    flags = coalesce(:flags, flags),
    lease_owner = NULL,
    lease_expires_at = NULL,
    updated_at = :now
  WHERE id = :id AND status = 'in_flight' AND lease_owner = :owner
  RETURNING attempts, lane, destination_id, action`;

const INSERT_ATTEMPT = `INSERT INTO attempts
  (delivery_id, attempt, outcome, started_at, duration_ms, status_code, error, request, response)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** All outcomes in one transaction (batched completions: one fsync per batch, not per delivery). */
export function completeDeliveries(db: SqliteDb, outcomes: DeliveryOutcome[], now: number): number {
  if (outcomes.length === 0) return 0;
  const complete = db.stmt(COMPLETE);
  const insertAttempt = db.stmt(INSERT_ATTEMPT);
  return db.write(() => {
    let applied = 0;
    const counts = new LaneCountDelta();
    for (const o of outcomes) {
      const row = complete.get({
        status: o.status,
        inc: o.countsAsAttempt ? 1 : 0,
        next: o.status === 'retry_wait' ? (o.nextAttemptAt ?? now) : null,
        error: o.error ?? null,
        code: o.statusCode ?? null,
        flags: jsonOrNull(o.flags),
        now,
        id: o.id,
        owner: o.owner,
      }) as (LaneKey & { attempts: number }) | undefined;
      if (!row) continue;
      applied++;
      counts.move(row, 'in_flight', o.status);
      const a = o.attempt;
      if (a) {
        insertAttempt.run(
          o.id,
          row.attempts,
          o.status,
          a.startedAt,
          a.durationMs,
          a.statusCode ?? o.statusCode ?? null,
          a.error ?? o.error ?? null,
          jsonOrNull(a.request),
          jsonOrNull(a.response),
        );
      }
    }
    counts.apply(db);
    return applied;
  });
}
