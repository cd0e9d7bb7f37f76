import { toAuditEntry, type AuditRow } from '../privacy-rows.js';
import type { AuditEntry, AuditInput } from '../privacy-types.js';
import type { SqliteDb } from './db.js';
import { Where } from './where.js';

const INSERT = `INSERT INTO privacy_audit (at, action, actor, via, identifier_kind, identifier, request_id, detail)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/** Append one audit entry (call inside the transaction of the change it describes when there is one). */
export function appendPrivacyAudit(db: SqliteDb, e: AuditInput): void {
  db.stmt(INSERT).run(e.at, e.action, e.actor, e.via, e.identifierKind ?? null, e.identifier ?? null, e.requestId ?? null, e.detail ? JSON.stringify(e.detail) : null);
}

/** Newest first; small table, read by the admin API and CLI only. */
export function listPrivacyAudit(db: SqliteDb, q: { limit?: number; before?: number; requestId?: string } = {}): AuditEntry[] {
  const where = new Where().add('id < ?', q.before).add('request_id = ?', q.requestId);
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  const rows = db.stmt(`SELECT * FROM privacy_audit${where.sql()} ORDER BY id DESC LIMIT ?`).all(...where.params, limit) as AuditRow[];
  return rows.map(toAuditEntry);
}
