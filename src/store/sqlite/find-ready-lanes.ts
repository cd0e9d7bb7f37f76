import type { SqliteDb } from './db.js';

/**
 * Lanes with queued work come from `lane_counts` (O(lanes)); then one probe per lane into the partial
 * `deliveries_ready` index, whose first entry per lane is its earliest next_attempt_at: O(lanes · log queued).
 * `SELECT DISTINCT lane … WHERE next_attempt_at <= ?` would instead walk every ready row (a million-row backlog
 * ≈ a second of blocked event loop).
 */
const QUEUED_LANES = `SELECT DISTINCT lane FROM lane_counts WHERE status IN ('pending','retry_wait') AND n > 0
  ORDER BY lane`;

const EARLIEST = `SELECT min(next_attempt_at) AS due FROM deliveries
  WHERE lane = ? AND status IN ('pending','retry_wait')`;

function earliestPerLane(db: SqliteDb): { lane: string; due: number }[] {
  const lanes = db.stmt(QUEUED_LANES).all() as { lane: string }[];
  const earliest = db.stmt(EARLIEST);
  const out: { lane: string; due: number }[] = [];
  for (const { lane } of lanes) {
    const row = earliest.get(lane) as { due: number | null };
    if (row.due !== null) out.push({ lane, due: row.due });
  }
  return out;
}

export function readyLanes(db: SqliteDb, now: number): string[] {
  return earliestPerLane(db)
    .filter((l) => l.due <= now)
    .map((l) => l.lane);
}

export function nextDueAt(db: SqliteDb): number | undefined {
  let min: number | undefined;
  for (const { due } of earliestPerLane(db)) if (min === undefined || due < min) min = due;
  return min;
}
