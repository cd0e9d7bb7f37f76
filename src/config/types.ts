/**
 * The loaded, validated and defaulted configuration (optirelay.yaml). Durations are already milliseconds here.
 * docs/configuration.md documents every key; keep it in step with config/schema.ts.
 */
export interface OptirelayConfig {
  /** Where the config was read from (for messages); absent for configs built in code. */
  file?: string;
  /** `sqlite:./data/optirelay.db` (default) or `postgres://user@host:5432/db`. */
  store: string;
  /** Directory for the SQLite store, the generated admin token, sandbox state. Default `./data`. */
  dataDir: string;
  server: { port: number; host: string };
  admin: { token?: string };
  ingest: IngestConfig;
  delivery: DeliveryDefaults;
  sources: SourceConfig[];
  destinations: DestinationConfig[];
  syncs: SyncConfig[];
  retention: RetentionConfig;
}

export interface IngestConfig {
  /** Duplicate messageIds within this window are acknowledged and not stored again. Default 24h. */
  dedupWindowMs: number;
  /** Group-commit window: concurrent requests share one transaction. Default 2ms. */
  commitWindowMs: number;
}

export interface DeliveryDefaults {
  /** Default 10 attempts. */
  maxAttempts: number;
  /** Default 24h: a delivery older than this that fails again goes to dead. */
  maxAgeMs: number;
  /** Lease on claimed deliveries; an expired lease returns them to pending. Default 30s. */
  leaseMs: number;
  /** Base and cap of the exponential backoff (full jitter). Defaults 1s and 10m. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Request timeout for destination calls. Default 30s. */
  timeoutMs: number;
}

export interface SourceConfig {
  id: string;
  writeKey: string;
  name?: string;
}

export interface RateLimitConfig {
  /** Sustained requests per second. */
  perSecond: number;
  /** Extra requests allowed in a burst (GCRA tolerance). */
  burst: number;
  /** Optional extra cap per minute (Optimizely REST: 120/min for FX, 100/min for Web). */
  perMinute?: number;
}

/** Per-lane tuning, overriding the action's defaults. */
export interface LaneConfig {
  batchSize?: number;
  lingerMs?: number;
  rateLimit?: RateLimitConfig;
  maxAttempts?: number;
  maxAgeMs?: number;
}

export interface DestinationConfig {
  id: string;
  type: string;
  settings: Record<string, unknown>;
  /** Base-URL overrides: eventApi, restApi, odpApi, … (sandbox, proxy, EU hosts). */
  endpoints: Record<string, string>;
  mappings: MappingConfig[];
  /** `all`, or a list of preset names the destination type ships. Presets become mappings with id `preset:<name>`. */
  presets: 'all' | string[];
  /** Lane tuning per action key, e.g. `{ trackEvent: { batchSize: 500 } }`. */
  lanes: Record<string, LaneConfig>;
  enabled: boolean;
}

export interface MappingConfig {
  id: string;
  /** Action key of the destination type, e.g. `trackEvent`. */
  action: string;
  /** FQL; defaults to the action's default trigger. */
  trigger: string;
  /**
   * Field mapping (mapping-kit directives). Keys not given take the action field's default; `null` removes a default.
   */
  fields: Record<string, unknown>;
  enabled: boolean;
  /** Where the mapping came from: config, preset, or a Segment export (`subscribe`/`partnerAction`/`mapping`). */
  origin: 'config' | 'preset' | 'segment-import';
}

export interface SyncConfig {
  id: string;
  source: SyncSourceConfig;
  primaryKey: string;
  /** Id of an `optimizely-rest` destination. */
  destination: string;
  object: 'audience' | 'attribute' | 'customEvent' | 'listAttribute';
  mode: 'upsert' | 'insert' | 'add' | 'remove' | 'mirror';
  /** Column → field mapping (`{ key: "event_key", name: "title" }`); absent fields use same-named columns. */
  fields: Record<string, string>;
  /** Object-type options, e.g. `{ listAttributeId: 123 }`. */
  target: Record<string, unknown>;
  /** Cron expression; absent = manual only. */
  schedule?: string;
  enabled: boolean;
}

export type SyncSourceConfig =
  | { type: 'sqlite'; path: string; query: string }
  | { type: 'postgres'; url: string; query: string }
  | { type: 'csv'; path: string }
  | { type: 'ndjson'; path: string };

export interface RetentionConfig {
  /** Delivered events, deliveries and attempt logs. Default 7d. */
  deliveredMs: number;
  /** Rejected records. Default 30d. */
  rejectedMs: number;
  /** Dead letters. Default 30d. */
  deadMs: number;
  /** How often the purge runs. Default 1m. */
  intervalMs: number;
}
