/**
 * The storage seam. Nothing above `store/` knows whether it talks to SQLite or PostgreSQL; both implement
 * `Store` and pass the one conformance suite in test/store/conformance.ts.
 *
 * Terminology (store-level):
 * - event row: an accepted, normalised Segment event (immutable).
 * - delivery: one event bound for one mapping; its `lane` is `<destinationId>:<action>`.
 * - lease: a claimed delivery is `in_flight` until `leaseExpiresAt`; a lease that runs out returns it to pending.
 * - attempt: one call to a destination for a delivery, kept as the delivery log (request/response redacted).
 * - rejected record: an invalid event from an otherwise accepted request, kept with its reason.
 *
 * All times are epoch milliseconds. All methods are async so PostgreSQL can implement them.
 */
import type { SegmentEvent, JsonObject } from '../core/event.js';
import type { PrivacyStore } from './privacy-types.js';

export type DeliveryStatus = 'pending' | 'in_flight' | 'delivered' | 'retry_wait' | 'dead';

export interface NewDelivery {
  destinationId: string;
  mappingId: string;
  action: string;
}

export interface RejectedInput {
  sourceId: string;
  reason: string;
  /** The field the reason is about, when there is one (`event`, `userId`, …). */
  field?: string;
  /** The offending message as received (may be partial); stored for inspection. */
  body: unknown;
  /** Index within the request's batch. */
  index?: number;
}

export interface AppendInput {
  sourceId: string;
  now: number;
  dedupWindowMs: number;
  /** Valid events, each with the deliveries its matching mappings produce. */
  events: { event: SegmentEvent; deliveries: NewDelivery[] }[];
  rejected: RejectedInput[];
  /** Events dropped because their user is suppressed (counted only). */
  suppressed: number;
}

export interface AppendResult {
  /** Per input event, in order. */
  outcomes: ('accepted' | 'duplicate')[];
  deliveriesCreated: number;
}

export interface StoredEvent {
  id: number;
  sourceId: string;
  messageId: string;
  type: string;
  userId: string | null;
  anonymousId: string | null;
  eventName: string | null;
  receivedAt: number;
  body: SegmentEvent;
}

export interface EventQuery {
  limit?: number;
  /** Return rows with id < before (newest first paging). */
  before?: number;
  /** Return rows with id > after (used by the live stream). With `after` and no `before`, rows come OLDEST first
   * (ascending id), so a tail polling `after = last id seen` never skips rows when more than `limit` arrived. */
  after?: number;
  sourceId?: string;
  userId?: string;
  type?: string;
  event?: string;
  messageId?: string;
}

export interface StoredRejected {
  id: number;
  sourceId: string;
  receivedAt: number;
  reason: string;
  field: string | null;
  body: unknown;
}

export interface IngestCounts {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  suppressed: number;
}

export interface IngestStats {
  total: IngestCounts;
  perSource: Record<string, IngestCounts>;
}

export interface Delivery {
  id: number;
  eventId: number;
  destinationId: string;
  mappingId: string;
  action: string;
  lane: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  nextAttemptAt: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  lastError: string | null;
  lastStatusCode: number | null;
  /** Free-form markers such as `{ notInRunningExperiment: true, droppedAttributes: ["x"] }`. */
  flags: JsonObject | null;
  /** Denormalised from the event for search. */
  messageId: string;
  userId: string | null;
  eventName: string | null;
}

export interface ClaimedDelivery extends Delivery {
  event: SegmentEvent;
}

export interface ClaimInput {
  lane: string;
  limit: number;
  owner: string;
  leaseMs: number;
  now: number;
}

export interface AttemptRecord {
  startedAt: number;
  durationMs: number;
  /** HTTP status when a response came back. */
  statusCode?: number;
  /** Redacted request (method, url, headers, body) and response (status, headers, body) for the delivery log. */
  request?: unknown;
  response?: unknown;
  error?: string;
}

export interface DeliveryOutcome {
  id: number;
  /** Only the lease owner may complete; others are ignored (their lease ran out and someone else has it). */
  owner: string;
  status: 'delivered' | 'retry_wait' | 'dead' | 'pending';
  /** For retry_wait: when to try again. For `pending` (released without an attempt, e.g. rate limited before sending) ignored. */
  nextAttemptAt?: number;
  error?: string;
  statusCode?: number;
  flags?: JsonObject;
  /** Whether this outcome counts as an attempt (false when released unsent). */
  countsAsAttempt: boolean;
  attempt?: AttemptRecord;
}

export interface StoredAttempt extends AttemptRecord {
  id: number;
  deliveryId: number;
  attempt: number;
  outcome: string;
}

export interface DeliveryQuery {
  limit?: number;
  before?: number;
  status?: DeliveryStatus;
  destinationId?: string;
  lane?: string;
  userId?: string;
  messageId?: string;
  eventName?: string;
  /** Case-insensitive substring of lastError. */
  error?: string;
  /** Deliveries of one event. */
  eventId?: number;
}

/** Filter for bulk DLQ operations; all given fields must match. Status is implied `dead`. */
export interface DeadFilter {
  ids?: number[];
  destinationId?: string;
  lane?: string;
  userId?: string;
  eventName?: string;
  error?: string;
}

export interface LaneStats {
  lane: string;
  destinationId: string;
  action: string;
  pending: number;
  inFlight: number;
  retryWait: number;
  delivered: number;
  dead: number;
  /** Age in ms of the oldest not-yet-delivered (pending/retry_wait/in_flight) delivery; 0 when none. */
  oldestPendingAgeMs: number;
}

export interface EventStore {
  /** Append valid events + their deliveries + rejected records + counters in ONE durable transaction. */
  appendEvents(input: AppendInput): Promise<AppendResult>;
  listEvents(q: EventQuery): Promise<StoredEvent[]>;
  getEvent(id: number): Promise<StoredEvent | undefined>;
  listRejected(q: { limit?: number; before?: number; sourceId?: string }): Promise<StoredRejected[]>;
  ingestStats(): Promise<IngestStats>;
}

export interface DeliveryStore {
  /** Claim up to `limit` ready deliveries of a lane (pending, or retry_wait due) under a lease, oldest first. */
  claimDeliveries(input: ClaimInput): Promise<ClaimedDelivery[]>;
  /** Record outcomes (and attempts) in one transaction. */
  completeDeliveries(outcomes: DeliveryOutcome[], now: number): Promise<void>;
  /** Heartbeat: push the lease of deliveries this owner still holds. */
  extendLeases(ids: number[], owner: string, leaseExpiresAt: number): Promise<void>;
  /** Return expired in-flight deliveries to pending. Returns how many. */
  releaseExpiredLeases(now: number): Promise<number>;
  /** Lanes that have a delivery ready now (for the deliverer's scheduling). */
  readyLanes(now: number): Promise<string[]>;
  /** Earliest nextAttemptAt among pending/retry_wait deliveries (undefined when none). */
  nextDueAt(): Promise<number | undefined>;
  listDeliveries(q: DeliveryQuery): Promise<Delivery[]>;
  getDelivery(id: number): Promise<(Delivery & { event: SegmentEvent; attemptLog: StoredAttempt[] }) | undefined>;
  /** Dead → pending with attempts reset. Returns how many. */
  replayDead(filter: DeadFilter, now: number): Promise<number>;
  /** Delete dead deliveries (and their attempts). Returns how many. */
  purgeDead(filter: DeadFilter): Promise<number>;
  /** A pending/retry_wait/dead delivery becomes due now. */
  retryNow(id: number, now: number): Promise<boolean>;
  laneStats(now: number): Promise<LaneStats[]>;
  /** Counts for one destination: per status, dead reasons (top 50 by count), and flag keys aggregated over delivered rows (`droppedAttributes` arrays counted per element). */
  deliveryBreakdown(destinationId: string): Promise<DeliveryBreakdown>;
}

export interface Store extends EventStore, DeliveryStore, PrivacyStore, Partial<ActivitySeriesReader> {
  readonly kind: 'sqlite' | 'postgres';
  /** Run pending schema migrations (safe when several processes start at once). */
  migrate(): Promise<void>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DeliveryBreakdown {
  byStatus: Record<DeliveryStatus, number>;
  deadReasons: { reason: string; count: number }[];
  /** e.g. `{ notInRunningExperiment: 12, 'droppedAttributes:color': 3 }` */
  flags: Record<string, number>;
}

/** Bucketed activity for the console's charts (Store.activitySeries). Buckets are `floor(t / bucketMs) * bucketMs`. */
export interface ActivitySeries {
  /** Events received per bucket (by receivedAt), per source. */
  events: { sourceId: string; bucket: number; count: number }[];
  /** Deliveries per lane, current status and bucket (by updatedAt, i.e. when they reached that status). */
  deliveries: { lane: string; destinationId: string; status: DeliveryStatus; bucket: number; count: number }[];
}

/**
 * Optional store capability (added for the console, issue 9): bucketed counts since `since`. Optional so a backend
 * without it still satisfies `Store`; the admin route answers 501 then.
 */
export interface ActivitySeriesReader {
  activitySeries(q: { since: number; bucketMs: number }): Promise<ActivitySeries>;
}
