/**
 * What both stores do with their statistics rows (same tables on SQLite and PostgreSQL): per-lane counts into
 * LaneStats, ingest counters into totals, and conversion-health flags into counts.
 */
import type { DeliveryStatus, IngestCounts, IngestStats, LaneStats } from './types.js';

const FIELD: Record<DeliveryStatus, 'pending' | 'inFlight' | 'retryWait' | 'delivered' | 'dead'> = {
  pending: 'pending',
  in_flight: 'inFlight',
  retry_wait: 'retryWait',
  delivered: 'delivered',
  dead: 'dead',
};

export interface LaneCountRow {
  lane: string;
  status: DeliveryStatus;
  destination_id: string;
  action: string;
  n: number;
}

/** `lane_counts` rows grouped by lane (oldestPendingAgeMs left at 0 for the caller to fill). */
export function laneStatsOf(rows: LaneCountRow[]): Map<string, LaneStats> {
  const byLane = new Map<string, LaneStats>();
  for (const r of rows) {
    let s = byLane.get(r.lane);
    if (!s) {
      s = { lane: r.lane, destinationId: r.destination_id, action: r.action, pending: 0, inFlight: 0, retryWait: 0, delivered: 0, dead: 0, oldestPendingAgeMs: 0 };
      byLane.set(r.lane, s);
    }
    s[FIELD[r.status]] += r.n;
  }
  return byLane;
}

/** Per-source counter rows and their total. */
export function ingestStatsOf(rows: (IngestCounts & { source_id: string })[]): IngestStats {
  const total: IngestCounts = { received: 0, accepted: 0, duplicates: 0, rejected: 0, suppressed: 0 };
  const perSource: Record<string, IngestCounts> = {};
  for (const { source_id, ...c } of rows) {
    perSource[source_id] = c;
    total.received += c.received;
    total.accepted += c.accepted;
    total.duplicates += c.duplicates;
    total.rejected += c.rejected;
    total.suppressed += c.suppressed;
  }
  return { total, perSource };
}

/**
 * `{ notInRunningExperiment: true, droppedAttributes: ["color","size"] }` counts `notInRunningExperiment` once and
 * `droppedAttributes:color`, `droppedAttributes:size` once each. Falsy scalars (false, 0, null, "") are not flags.
 */
export function countFlags(flags: unknown, into: Record<string, number>): void {
  if (flags === null || typeof flags !== 'object' || Array.isArray(flags)) return;
  for (const [key, value] of Object.entries(flags as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      for (const el of value) {
        const k = `${key}:${typeof el === 'string' ? el : JSON.stringify(el)}`;
        into[k] = (into[k] ?? 0) + 1;
      }
    } else if (value) {
      into[key] = (into[key] ?? 0) + 1;
    }
  }
}
