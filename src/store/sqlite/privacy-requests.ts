import { requestStatusOf, toRequest, toTarget, type RequestRow, type TargetRow } from '../privacy-rows.js';
import type { NewPrivacyRequest, PrivacyRequest, PrivacyRequestStatus, PurgeCounts } from '../privacy-types.js';
import type { SqliteDb } from './db.js';
import { Where } from './where.js';
import { appendPrivacyAudit } from './privacy-audit.js';

const INSERT_REQUEST = `INSERT INTO privacy_requests (id, kind, user_id, anonymous_id, requested_by, via, requested_at, status, completed_at, repurge_at)
  VALUES (?, 'delete', ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_TARGET = `INSERT INTO privacy_targets
  (request_id, destination_id, destination_type, identifier_kind, status, attempts, next_attempt_at, error, updated_at)
  VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`;
const TARGETS_OF = `SELECT * FROM privacy_targets WHERE request_id = ? ORDER BY destination_id, identifier_kind DESC`;

/** Status of a request from its targets: any pending → pending; else any failed → failed; else completed. */
export function createPrivacyRequest(db: SqliteDb, input: NewPrivacyRequest): PrivacyRequest {
  db.write(() => {
    const status = requestStatusOf(input.targets.map((t) => t.status));
    db.stmt(INSERT_REQUEST).run(input.id, input.userId ?? null, input.anonymousId ?? null, input.requestedBy, input.via, input.now, status, status === 'pending' ? null : input.now, input.purgeAt ?? null);
    const insert = db.stmt(INSERT_TARGET);
    for (const t of input.targets) {
      insert.run(input.id, t.destinationId, t.destinationType, t.identifierKind, t.status, t.status === 'pending' ? input.now : null, t.error ?? null, input.now);
    }
    const base = { at: input.now, actor: input.requestedBy, via: input.via, requestId: input.id };
    for (const kind of ['userId', 'anonymousId'] as const) {
      const identifier = input[kind];
      if (identifier) appendPrivacyAudit(db, { ...base, action: 'delete.requested', identifierKind: kind, identifier, detail: { destinations: [...new Set(input.targets.map((t) => t.destinationId))] } });
    }
    for (const t of input.targets) {
      if (t.status === 'pending') continue;
      appendPrivacyAudit(db, { ...base, actor: 'optirelay', action: `delete.${t.status}`, identifierKind: t.identifierKind, detail: { destinationId: t.destinationId, destinationType: t.destinationType, ...(t.error ? { error: t.error } : {}) } });
    }
  });
  return getPrivacyRequest(db, input.id)!;
}

function toRequestWithTargets(db: SqliteDb, r: RequestRow): PrivacyRequest {
  return toRequest(r, (db.stmt(TARGETS_OF).all(r.id) as TargetRow[]).map(toTarget));
}

export function getPrivacyRequest(db: SqliteDb, id: string): PrivacyRequest | undefined {
  const row = db.stmt('SELECT * FROM privacy_requests WHERE id = ?').get(id) as RequestRow | undefined;
  return row ? toRequestWithTargets(db, row) : undefined;
}

export function listPrivacyRequests(db: SqliteDb, q: { limit?: number; before?: number; status?: PrivacyRequestStatus } = {}): PrivacyRequest[] {
  const where = new Where().add('requested_at < ?', q.before).add('status = ?', q.status || undefined);
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 1000);
  const rows = db
    .stmt(`SELECT * FROM privacy_requests${where.sql()} ORDER BY requested_at DESC, id DESC LIMIT ?`)
    .all(...where.params, limit) as RequestRow[];
  return rows.map((r) => toRequestWithTargets(db, r));
}

export function recordPurge(db: SqliteDb, requestId: string, counts: PurgeCounts, now: number, repurgeAt: number | null): void {
  db.write(() => {
    const prev = db.stmt('SELECT purged FROM privacy_requests WHERE id = ?').get(requestId) as { purged: string | null } | undefined;
    if (!prev) return;
    // A second pass adds to the first pass's counts.
    const total = { ...counts };
    if (prev.purged) {
      const p = JSON.parse(prev.purged) as Record<string, number>;
      for (const k of Object.keys(total) as (keyof PurgeCounts)[]) total[k] += p[k] ?? 0;
    }
    db.stmt('UPDATE privacy_requests SET purged = ?, purged_at = ?, repurge_at = ? WHERE id = ?').run(JSON.stringify(total), now, repurgeAt, requestId);
  });
}

export function dueRepurges(db: SqliteDb, now: number, limit = 10): { requestId: string; userId?: string; anonymousId?: string }[] {
  const rows = db
    .stmt('SELECT id, user_id, anonymous_id FROM privacy_requests WHERE repurge_at IS NOT NULL AND repurge_at <= ? ORDER BY repurge_at LIMIT ?')
    .all(now, limit) as { id: string; user_id: string | null; anonymous_id: string | null }[];
  return rows.map((r) => ({ requestId: r.id, ...(r.user_id !== null ? { userId: r.user_id } : {}), ...(r.anonymous_id !== null ? { anonymousId: r.anonymous_id } : {}) }));
}
