import type { ClaimedPrivacyTarget, PrivacyTargetOutcome, PrivacyTargetStatus } from '../privacy-types.js';
import type { SqliteDb } from './db.js';
import { byClaimOrder, requestStatusOf, toTarget, type TargetRow } from '../privacy-rows.js';

/**
 * Claim due pending targets under a lease (BEGIN IMMEDIATE: two workers never claim the same row). A lease that ran
 * out (worker died mid-call) makes the row claimable again; the destination may then see the request twice, which a
 * subject-access request tolerates (a second delete of the same visitor).
 */
const CLAIM = `UPDATE privacy_targets SET lease_owner = :owner, lease_expires_at = :expires
  WHERE (request_id, destination_id, identifier_kind) IN (
    SELECT request_id, destination_id, identifier_kind FROM privacy_targets
    WHERE status = 'pending' AND next_attempt_at <= :now
      AND (lease_expires_at IS NULL OR lease_expires_at <= :now)
      AND (:request IS NULL OR request_id = :request)
    ORDER BY next_attempt_at, request_id, destination_id, identifier_kind DESC LIMIT :limit)
  RETURNING *`;

export function claimPrivacyTargets(db: SqliteDb, q: { owner: string; leaseMs: number; now: number; limit: number; requestId?: string }): ClaimedPrivacyTarget[] {
  return db.write(() => {
    const rows = db.stmt(CLAIM).all({ owner: q.owner, expires: q.now + q.leaseMs, now: q.now, request: q.requestId ?? null, limit: q.limit }) as TargetRow[];
    // RETURNING follows no ORDER BY: put them back in claim order (userId before anonymousId).
    rows.sort(byClaimOrder);
    const ids = db.stmt('SELECT user_id, anonymous_id FROM privacy_requests WHERE id = ?');
    const out: ClaimedPrivacyTarget[] = [];
    for (const r of rows) {
      const req = ids.get(r.request_id) as { user_id: string | null; anonymous_id: string | null } | undefined;
      const identifier = r.identifier_kind === 'userId' ? req?.user_id : req?.anonymous_id;
      if (!identifier) continue;
      out.push({ ...toTarget(r), requestId: r.request_id, identifier });
    }
    return out;
  });
}

const COMPLETE = `UPDATE privacy_targets SET
    status = :status,
    attempts = attempts + 1,
    next_attempt_at = CASE WHEN :status = 'pending' THEN :next ELSE NULL END,
    external_id = coalesce(:external, external_id),
    error = CASE WHEN :status = 'submitted' THEN NULL ELSE coalesce(:error, error) END,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = :now
  WHERE request_id = :request AND destination_id = :destination AND identifier_kind = :kind AND lease_owner = :owner`;

export function completePrivacyTarget(db: SqliteDb, o: PrivacyTargetOutcome): boolean {
  return db.write(() => {
    const changed = db.stmt(COMPLETE).run({
      status: o.status,
      next: o.nextAttemptAt ?? o.now,
      external: o.externalId ?? null,
      error: o.error ?? null,
      now: o.now,
      request: o.requestId,
      destination: o.destinationId,
      kind: o.identifierKind,
      owner: o.owner,
    }).changes;
    if (changed === 0) return false;
    const statuses = (db.stmt('SELECT status FROM privacy_targets WHERE request_id = ?').all(o.requestId) as { status: PrivacyTargetStatus }[]).map((r) => r.status);
    const status = requestStatusOf(statuses);
    db.stmt('UPDATE privacy_requests SET status = ?, completed_at = CASE WHEN ? = \'pending\' THEN NULL ELSE coalesce(completed_at, ?) END WHERE id = ?').run(status, status, o.now, o.requestId);
    return true;
  });
}

export function nextPrivacyDueAt(db: SqliteDb): number | undefined {
  const row = db.stmt(`SELECT min(next_attempt_at) AS t FROM privacy_targets WHERE status = 'pending'`).get() as { t: number | null };
  return row.t ?? undefined;
}
