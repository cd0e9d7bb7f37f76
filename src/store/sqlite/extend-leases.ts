import type { SqliteDb } from './db.js';

/** Heartbeat: only rows this owner still holds in flight. Point updates by primary key. */
const EXTEND = `UPDATE deliveries SET lease_expires_at = ? WHERE id = ? AND status = 'in_flight' AND lease_owner = ?`;

export function extendLeases(db: SqliteDb, ids: number[], owner: string, leaseExpiresAt: number): number {
  if (ids.length === 0) return 0;
  const extend = db.stmt(EXTEND);
  return db.write(() => {
    let n = 0;
    for (const id of ids) n += extend.run(leaseExpiresAt, id, owner).changes;
    return n;
  });
}
