import { countFlags } from '../stats-rows.js';
import type { DeliveryBreakdown, DeliveryStatus } from '../types.js';
import type { SqliteDb } from './db.js';

const BY_STATUS = 'SELECT status, sum(n) AS n FROM lane_counts WHERE destination_id = ? GROUP BY status';

/** Walks this destination's dead rows through the partial dead index: O(dead of this destination). */
const DEAD_REASONS = `SELECT coalesce(last_error, '(no error recorded)') AS reason, count(*) AS count
  FROM deliveries WHERE destination_id = ? AND status = 'dead'
  GROUP BY reason ORDER BY count DESC, reason LIMIT 50`;

/** Only flagged rows are in `deliveries_flagged`: O(flagged rows of this destination). */
const FLAGGED = `SELECT flags FROM deliveries WHERE destination_id = ? AND flags IS NOT NULL AND status = 'delivered'`;

export function readDeliveryBreakdown(db: SqliteDb, destinationId: string): DeliveryBreakdown {
  const byStatus: Record<DeliveryStatus, number> = { pending: 0, in_flight: 0, delivered: 0, retry_wait: 0, dead: 0 };
  for (const r of db.stmt(BY_STATUS).all(destinationId) as { status: DeliveryStatus; n: number }[]) {
    byStatus[r.status] = r.n;
  }
  const deadReasons = db.stmt(DEAD_REASONS).all(destinationId) as { reason: string; count: number }[];
  const flags: Record<string, number> = {};
  for (const r of db.stmt(FLAGGED).all(destinationId) as { flags: string }[]) {
    countFlags(JSON.parse(r.flags) as unknown, flags);
  }
  return { byStatus, deadReasons, flags };
}
