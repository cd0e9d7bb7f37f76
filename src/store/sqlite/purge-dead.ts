import type { DeadFilter } from '../types.js';
import type { SqliteDb } from './db.js';
import { deadWhere } from './dead-filter.js';

/** Delete matching dead deliveries; their attempt rows go by ON DELETE CASCADE (indexed by delivery_id). */
export function purgeDead(db: SqliteDb, filter: DeadFilter): number {
  const { where, params } = deadWhere(filter);
  return db.write(() => db.stmt(`DELETE FROM deliveries WHERE ${where}`).run(...params).changes);
}
