import type { AuditEntry, AuditInput, IdentifierKind } from '../privacy-types.js';
import type { SqliteDb } from './db.js';

const INSERT = `INSERT INTO privacy_audit (at, action, actor, via, identifier_kind, identifier, request_id, detail)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

interface AuditRow {
  id: number;
  at: number;
  action: string;
  actor: string;
  via: string;
  identifier_kind: IdentifierKind | null;
  identifier: string | null;
  request_id: string | null;
  detail: string | null;
}

/** Append one audit entry (call inside the transaction of the change it describes when there is one). */
export function appendPrivacyAudit(db: SqliteDb, e: AuditInput): void {
  db.stmt(INSERT).run(e.at, e.action, e.actor, e.via, e.identifierKind ?? null, e.identifier ?? null, e.requestId ?? null, e.detail ? JSON.stringify(e.detail) : null);
}

/** Newest first; small table, read by the admin API and CLI only. */
export function listPrivacyAudit(db: SqliteDb, q: { limit?: number; before?: number; requestId?: string } = {}): AuditEntry[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.before !== undefined) {
    where.push('id < ?');
    params.push(q.before);
  }
  if (q.requestId !== undefined) {
    where.push('request_id = ?');
    params.push(q.requestId);
  }
  params.push(Math.min(Math.max(q.limit ?? 100, 1), 1000));
  const rows = db.stmt(`SELECT * FROM privacy_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...params) as AuditRow[];
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    action: r.action,
    actor: r.actor,
    via: r.via,
    identifierKind: r.identifier_kind,
    identifier: r.identifier,
    requestId: r.request_id,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  }));
}
