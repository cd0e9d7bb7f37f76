/**
 * The privacy part of the store (privacy-types.ts) on PostgreSQL: deletion requests and targets (claimed under a
 * lease with FOR UPDATE SKIP LOCKED), suppressions with a version counter every process polls, and the audit trail.
 * Same semantics as src/store/sqlite/privacy-*.ts and suppressions.ts.
 */
import type {
  AuditEntry,
  AuditInput,
  ClaimedPrivacyTarget,
  IdentifierKind,
  NewPrivacyRequest,
  PrivacyRequest,
  PrivacyRequestStatus,
  PrivacyTargetOutcome,
  PrivacyTargetStatus,
  PurgeCounts,
  Suppression,
} from '../privacy-types.js';
import { byClaimOrder, requestStatusOf, toAuditEntry, toRequest, toTarget, type AuditRow, type RequestRow, type TargetRow } from '../privacy-rows.js';
import type { PgDb, TxClient } from './db.js';
import { Where } from './list.js';

type Runner = Pick<TxClient, 'q' | 'one'>;


const TARGET_COLS = 'request_id, destination_id, destination_type, identifier_kind, status, attempts, next_attempt_at, external_id, error, updated_at';

async function appendAudit(r: Runner, e: AuditInput): Promise<void> {
  await r.q(
    `INSERT INTO privacy_audit (at, action, actor, via, identifier_kind, identifier, request_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.at, e.action, e.actor, e.via, e.identifierKind ?? null, e.identifier ?? null, e.requestId ?? null, e.detail ? JSON.stringify(e.detail) : null],
  );
}

export async function appendPrivacyAudit(db: PgDb, e: AuditInput): Promise<void> {
  await appendAudit(db, e);
}

export async function listPrivacyAudit(db: PgDb, q: { limit?: number; before?: number; requestId?: string } = {}): Promise<AuditEntry[]> {
  const w = new Where();
  w.add('id < ?', q.before);
  w.add('request_id = ?', q.requestId);
  const limit = w.next(Math.min(Math.max(q.limit ?? 100, 1), 1000));
  const rows = await db.q<AuditRow>(`SELECT * FROM privacy_audit${w.sql()} ORDER BY id DESC LIMIT ${limit}`, w.params);
  return rows.map(toAuditEntry);
}

export async function createPrivacyRequest(db: PgDb, input: NewPrivacyRequest): Promise<PrivacyRequest> {
  await db.tx(async (c) => {
    const status = requestStatusOf(input.targets.map((t) => t.status));
    await c.q(
      `INSERT INTO privacy_requests (id, kind, user_id, anonymous_id, requested_by, via, requested_at, status, completed_at, repurge_at)
       VALUES ($1, 'delete', $2, $3, $4, $5, $6, $7, $8, $9)`,
      [input.id, input.userId ?? null, input.anonymousId ?? null, input.requestedBy, input.via, input.now, status, status === 'pending' ? null : input.now, input.purgeAt ?? null],
    );
    for (const t of input.targets) {
      await c.q(
        `INSERT INTO privacy_targets (request_id, destination_id, destination_type, identifier_kind, status, attempts, next_attempt_at, error, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)`,
        [input.id, t.destinationId, t.destinationType, t.identifierKind, t.status, t.status === 'pending' ? input.now : null, t.error ?? null, input.now],
      );
    }
    const base = { at: input.now, actor: input.requestedBy, via: input.via, requestId: input.id };
    for (const kind of ['userId', 'anonymousId'] as const) {
      const identifier = input[kind];
      if (identifier) await appendAudit(c, { ...base, action: 'delete.requested', identifierKind: kind, identifier, detail: { destinations: [...new Set(input.targets.map((t) => t.destinationId))] } });
    }
    for (const t of input.targets) {
      if (t.status === 'pending') continue;
      await appendAudit(c, { ...base, actor: 'optirelay', action: `delete.${t.status}`, identifierKind: t.identifierKind, detail: { destinationId: t.destinationId, destinationType: t.destinationType, ...(t.error ? { error: t.error } : {}) } });
    }
  });
  return (await getPrivacyRequest(db, input.id))!;
}

async function toRequests(db: PgDb, rows: RequestRow[]): Promise<PrivacyRequest[]> {
  if (rows.length === 0) return [];
  const targets = await db.q<TargetRow>(
    `SELECT ${TARGET_COLS} FROM privacy_targets WHERE request_id = ANY($1::text[])
      ORDER BY request_id, destination_id COLLATE "C", identifier_kind COLLATE "C" DESC`,
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => toRequest(r, targets.filter((t) => t.request_id === r.id).map(toTarget)));
}

const REQUEST_COLS = 'id, kind, user_id, anonymous_id, requested_by, via, requested_at, status, completed_at, purged, purged_at';

export async function getPrivacyRequest(db: PgDb, id: string): Promise<PrivacyRequest | undefined> {
  const rows = await db.q<RequestRow>(`SELECT ${REQUEST_COLS} FROM privacy_requests WHERE id = $1`, [id]);
  return (await toRequests(db, rows))[0];
}

export async function listPrivacyRequests(db: PgDb, q: { limit?: number; before?: number; status?: PrivacyRequestStatus } = {}): Promise<PrivacyRequest[]> {
  const w = new Where();
  w.add('requested_at < ?', q.before);
  if (q.status) w.add('status = ?', q.status);
  const limit = w.next(Math.min(Math.max(q.limit ?? 50, 1), 1000));
  const rows = await db.q<RequestRow>(`SELECT ${REQUEST_COLS} FROM privacy_requests${w.sql()} ORDER BY requested_at DESC, id DESC LIMIT ${limit}`, w.params);
  return toRequests(db, rows);
}

export async function recordPurge(db: PgDb, requestId: string, counts: PurgeCounts, now: number, repurgeAt: number | null): Promise<void> {
  await db.tx(async (c) => {
    const prev = await c.one<{ purged: string | null }>('SELECT purged FROM privacy_requests WHERE id = $1 FOR UPDATE', [requestId]);
    if (!prev) return;
    const total = { ...counts };
    if (prev.purged) {
      const p = JSON.parse(prev.purged) as Record<string, number>;
      for (const k of Object.keys(total) as (keyof PurgeCounts)[]) total[k] += p[k] ?? 0;
    }
    await c.q('UPDATE privacy_requests SET purged = $1, purged_at = $2, repurge_at = $3 WHERE id = $4', [JSON.stringify(total), now, repurgeAt, requestId]);
  });
}

export async function dueRepurges(db: PgDb, now: number, limit = 10): Promise<{ requestId: string; userId?: string; anonymousId?: string }[]> {
  const rows = await db.q<{ id: string; user_id: string | null; anonymous_id: string | null }>(
    'SELECT id, user_id, anonymous_id FROM privacy_requests WHERE repurge_at IS NOT NULL AND repurge_at <= $1 ORDER BY repurge_at LIMIT $2',
    [now, limit],
  );
  return rows.map((r) => ({ requestId: r.id, ...(r.user_id !== null ? { userId: r.user_id } : {}), ...(r.anonymous_id !== null ? { anonymousId: r.anonymous_id } : {}) }));
}

/** Claim due pending targets under a lease; SKIP LOCKED so two workers never claim the same row. */
const CLAIM_TARGETS = /* sql */ `
WITH picked AS (
  SELECT request_id, destination_id, identifier_kind FROM privacy_targets
   WHERE status = 'pending' AND next_attempt_at <= $3
     AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
     AND ($4::text IS NULL OR request_id = $4)
   ORDER BY next_attempt_at, request_id, destination_id, identifier_kind DESC
   LIMIT $5
   FOR UPDATE SKIP LOCKED
),
upd AS (
  UPDATE privacy_targets t SET lease_owner = $1, lease_expires_at = $2
    FROM picked p
   WHERE t.request_id = p.request_id AND t.destination_id = p.destination_id AND t.identifier_kind = p.identifier_kind
  RETURNING t.*
)
SELECT upd.*, r.user_id AS req_user_id, r.anonymous_id AS req_anonymous_id
  FROM upd JOIN privacy_requests r ON r.id = upd.request_id
`;

export async function claimPrivacyTargets(db: PgDb, q: { owner: string; leaseMs: number; now: number; limit: number; requestId?: string }): Promise<ClaimedPrivacyTarget[]> {
  const rows = await db.q<TargetRow & { req_user_id: string | null; req_anonymous_id: string | null }>(CLAIM_TARGETS, [
    q.owner,
    q.now + q.leaseMs,
    q.now,
    q.requestId ?? null,
    q.limit,
  ]);
  rows.sort(byClaimOrder);
  const out: ClaimedPrivacyTarget[] = [];
  for (const r of rows) {
    const identifier = r.identifier_kind === 'userId' ? r.req_user_id : r.req_anonymous_id;
    if (!identifier) continue;
    out.push({ ...toTarget(r), requestId: r.request_id, identifier });
  }
  return out;
}

export async function completePrivacyTarget(db: PgDb, o: PrivacyTargetOutcome): Promise<boolean> {
  return db.tx(async (c) => {
    const changed = await c.q(
      `UPDATE privacy_targets SET
         status = $1,
         attempts = attempts + 1,
         next_attempt_at = CASE WHEN $1 = 'pending' THEN $2::bigint ELSE NULL END,
         external_id = coalesce($3, external_id),
         error = CASE WHEN $1 = 'submitted' THEN NULL ELSE coalesce($4, error) END,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = $5
       WHERE request_id = $6 AND destination_id = $7 AND identifier_kind = $8 AND lease_owner = $9
       RETURNING 1`,
      [o.status, o.nextAttemptAt ?? o.now, o.externalId ?? null, o.error ?? null, o.now, o.requestId, o.destinationId, o.identifierKind, o.owner],
    );
    if (changed.length === 0) return false;
    // Lock the request row first: two targets of one request completing at once recompute its status in turn.
    await c.q('SELECT 1 FROM privacy_requests WHERE id = $1 FOR UPDATE', [o.requestId]);
    const statuses = (await c.q<{ status: PrivacyTargetStatus }>('SELECT status FROM privacy_targets WHERE request_id = $1', [o.requestId])).map((r) => r.status);
    const status = requestStatusOf(statuses);
    await c.q(
      `UPDATE privacy_requests SET status = $1, completed_at = CASE WHEN $1 = 'pending' THEN NULL ELSE coalesce(completed_at, $2) END WHERE id = $3`,
      [status, o.now, o.requestId],
    );
    return true;
  });
}

export async function nextPrivacyDueAt(db: PgDb): Promise<number | undefined> {
  const row = await db.one<{ t: number | null }>(`SELECT min(next_attempt_at) AS t FROM privacy_targets WHERE status = 'pending'`);
  return row?.t ?? undefined;
}

const BUMP = `UPDATE privacy_state SET value = value + 1 WHERE key = 'suppressions_version'`;

export async function addSuppression(db: PgDb, s: Suppression): Promise<boolean> {
  return db.tx(async (c) => {
    const added = await c.q(
      'INSERT INTO suppressions (identifier_kind, identifier, created_at, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1',
      [s.kind, s.identifier, s.createdAt, s.createdBy],
    );
    if (added.length > 0) await c.q(BUMP);
    return added.length > 0;
  });
}

export async function removeSuppression(db: PgDb, kind: IdentifierKind, identifier: string): Promise<boolean> {
  return db.tx(async (c) => {
    const removed = await c.q('DELETE FROM suppressions WHERE identifier_kind = $1 AND identifier = $2 RETURNING 1', [kind, identifier]);
    if (removed.length > 0) await c.q(BUMP);
    return removed.length > 0;
  });
}

export async function listSuppressions(db: PgDb): Promise<Suppression[]> {
  const rows = await db.q<{ identifier_kind: IdentifierKind; identifier: string; created_at: number; created_by: string }>(
    'SELECT identifier_kind, identifier, created_at, created_by FROM suppressions ORDER BY created_at, identifier COLLATE "C"',
  );
  return rows.map((r) => ({ kind: r.identifier_kind, identifier: r.identifier, createdAt: r.created_at, createdBy: r.created_by }));
}

export async function suppressionVersion(db: PgDb): Promise<number> {
  const row = await db.one<{ value: number }>(`SELECT value FROM privacy_state WHERE key = 'suppressions_version'`);
  return row?.value ?? 0;
}
