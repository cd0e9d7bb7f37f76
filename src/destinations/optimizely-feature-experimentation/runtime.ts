/** The long-lived state of one `optimizely-feature-experimentation` destination: its datafile and counters. */
import type { DatafileManager } from '../../optimizely/datafile-manager.js';

export interface FxCounters {
  /** Event API requests made (including the halves of a split request). */
  requests: number;
  /** Conversions the Event API accepted. */
  visitorsSent: number;
  /** Conversions the Event API refused for good. */
  visitorsDead: number;
  /** Requests split in two after a 400 or 413. */
  splits: number;
}

export interface FxRuntime {
  /** The cached datafile; `datafile.ageMs()` feeds the datafile-age metric. */
  datafile: DatafileManager;
  counters: FxCounters;
  /** `client_name` / `client_version` of every EventBatch. */
  client: { name: string; version: string };
  /** Per-request byte cap (default 3,500,000); lowered only by tests. */
  maxRequestBytes?: number;
}
