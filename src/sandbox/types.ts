/**
 * Types of the sandbox: the seed (what a project looks like before any request), the recorded data tests read,
 * and the fault specs. Ids are strings internally (as in the datafile); REST responses turn them into integers.
 */

export type Platform = 'custom' | 'web';
export type OdpRegion = 'US' | 'EU' | 'AU';
export type ExperimentStatus = 'Running' | 'Paused' | 'Not started' | 'Launched' | 'Archived';
export type SandboxApi = 'cdn' | 'eventApi' | 'rest' | 'odp' | 'control';

// ---------- seed ----------

export interface SeedEvent {
  id?: string;
  key: string;
  name?: string;
  description?: string;
  category?: string;
  archived?: boolean;
}

export interface SeedAttribute {
  id?: string;
  key: string;
  name?: string;
  description?: string;
  archived?: boolean;
}

export interface SeedAudience {
  id?: string;
  name: string;
  /** REST form: a serialized JSON string of the condition tree. */
  conditions: string;
  description?: string;
  archived?: boolean;
}

export interface SeedExperiment {
  id: string;
  key: string;
  layerId?: string;
  status?: ExperimentStatus;
  /** Event keys used as metrics. */
  metrics?: string[];
  variations?: { id: string; key: string }[];
  audienceIds?: string[];
}

export interface SeedListAttribute {
  id?: string;
  name: string;
  key_field: string;
  list_type: 'cookies' | 'query_parameters' | 'zip_codes' | 'js_variables';
  description?: string;
  list_content?: string;
}

export interface SeedProject {
  id: string;
  accountId: string;
  name: string;
  platform: Platform;
  /** Only Feature Experimentation projects have a datafile. */
  sdkKey?: string;
  environmentKey?: string;
  /** Bearer token for /datafiles/auth/{sdkKey}.json. */
  datafileToken?: string;
  anonymizeIP?: boolean;
  botFiltering?: boolean;
  region?: 'US' | 'EU';
  events?: SeedEvent[];
  attributes?: SeedAttribute[];
  audiences?: SeedAudience[];
  experiments?: SeedExperiment[];
  listAttributes?: SeedListAttribute[];
}

export interface SeedToken {
  token: string;
  accountId: string;
  /** Projects this personal access token may touch; anything else answers 403. */
  projectIds: string[];
  name?: string;
}

export interface SeedOdpKey {
  key: string;
  /** Regions in which the key is valid. A key used in another region answers 403. */
  regions: OdpRegion[];
}

export interface SandboxSeed {
  projects: SeedProject[];
  tokens: SeedToken[];
  odpKeys: SeedOdpKey[];
}

// ---------- rate limits ----------

export interface RateLimitRule {
  perSecond?: number;
  perMinute?: number;
}

export interface RateLimits {
  /** Feature Experimentation ("custom" platform) projects. Default 2/s and 120/min. */
  fx: RateLimitRule;
  /** Web Experimentation projects. Default 100/min. */
  web: RateLimitRule;
}

export interface RateBucketStats {
  bucket: string;
  limits: RateLimitRule;
  accepted: number;
  rejected: number;
  /** Highest number of accepted requests seen in any sliding 1 s window (t-1000, t]. */
  maxPerSecondObserved: number;
  /** Highest number of accepted requests seen in any sliding 60 s window. */
  maxPerMinuteObserved: number;
  acceptedAt: number[];
}

// ---------- recorded data ----------

export interface RecordedRequest {
  seq: number;
  at: string;
  api: SandboxApi | 'unknown';
  region?: OdpRegion;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Authorization / x-api-key values replaced by "[redacted]". */
  headers: Record<string, string>;
  /** Parsed JSON when the body was JSON, else its text (clipped). Absent when there was no body. */
  body?: unknown;
  bytes: number;
  status: number;
  /** The fault that answered this request, if any. */
  fault?: string;
  /** True when the sandbox destroyed the socket instead of answering. */
  cut?: boolean;
}

export interface AcceptedEvent {
  uuid: string;
  key: string;
  entityId?: string;
  /** Event key resolved from the datafile (by entity_id first, then key); absent when unknown. */
  knownKey?: string;
  projectId?: string;
  accountId: string;
  visitorId: string;
  timestamp: number;
  revenue?: number;
  value?: number;
  tags?: Record<string, unknown>;
  attributes: { key: string; value: unknown }[];
  decisions: { experimentId: string; variationId: string | null }[];
  clientName?: string;
  receivedAt: string;
}

export interface ConversionCount {
  eventKey: string;
  /** Conversions counted (known key, distinct uuid). */
  total: number;
  uniqueVisitors: number;
  /** Sum of `revenue` (cents) over counted conversions. */
  revenue: number;
  /** Sum of `value` over counted conversions. */
  value: number;
  /** Counted conversions per experiment key whose metrics include this event. */
  byExperiment: Record<string, number>;
  /** Redeliveries of an already-seen uuid for this key (not counted). */
  duplicates: number;
}

export interface OdpEventRecord {
  region: OdpRegion;
  receivedAt: string;
  type: string;
  action: string;
  identifiers: Record<string, string>;
  data: Record<string, unknown>;
}

export interface OdpProfile {
  region: OdpRegion;
  attributes: Record<string, unknown>;
  updatedAt: string;
}

export interface OdpList {
  region: OdpRegion;
  list_id: string;
  name: string;
  created_at: string;
}

export interface OdpSubscription {
  region: OdpRegion;
  list_id: string;
  identifier: { field: string; value: string };
  subscribed: boolean;
  ts_status_updated: number;
}

// ---------- faults ----------

export interface FaultSpec {
  /** Which API the fault applies to (default: every API except the control API). */
  api?: Exclude<SandboxApi, 'control'>;
  /** Alternatively (or also) a path prefix, e.g. "/v2/projects/10000000002/custom_events". */
  pathPrefix?: string;
  method?: string;
  /** How many requests to affect (default 1). */
  count?: number;
  /** Answer with this status instead of handling the request. */
  status?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long (real milliseconds) before answering (or before handling normally when no status/cut). */
  delayMs?: number;
  /** Destroy the socket without an answer. */
  cut?: boolean;
}

export interface Fault extends FaultSpec {
  id: string;
  remaining: number;
  hits: number;
}

export interface RandomFaultSpec {
  api?: Exclude<SandboxApi, 'control'>;
  /** 0..1: share of requests that fail. */
  ratio: number;
  /** Status to answer (default 503). */
  status?: number;
  retryAfter?: number;
  /** Cut the connection instead of answering. */
  cut?: boolean;
  /** PRNG seed so a soak run is reproducible (default 1). */
  seed?: number;
}
