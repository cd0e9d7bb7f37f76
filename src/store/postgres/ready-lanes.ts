import type { PgDb } from './db.js';

/**
 * Lanes with queued work come from lane_counts (O(lanes × shards)); then one probe per lane into the partial
 * `deliveries_ready` index for its earliest next_attempt_at — all in one statement.
 */
const EARLIEST = /* sql */ `
SELECT l.lane, (SELECT d.next_attempt_at FROM deliveries d
                 WHERE d.lane = l.lane AND d.status IN ('pending','retry_wait')
                 ORDER BY d.next_attempt_at LIMIT 1) AS due
  FROM (SELECT lane FROM lane_counts WHERE status IN ('pending','retry_wait') GROUP BY lane HAVING sum(n) > 0) l
 ORDER BY l.lane
`;

async function earliestPerLane(db: PgDb): Promise<{ lane: string; due: number }[]> {
  const rows = await db.q<{ lane: string; due: number | null }>(EARLIEST);
  return rows.filter((r): r is { lane: string; due: number } => r.due !== null);
}

export async function readyLanes(db: PgDb, now: number): Promise<string[]> {
  return (await earliestPerLane(db)).filter((l) => l.due <= now).map((l) => l.lane);
}

export async function nextDueAt(db: PgDb): Promise<number | undefined> {
  let min: number | undefined;
  for (const { due } of await earliestPerLane(db)) if (min === undefined || due < min) min = due;
  return min;
}
