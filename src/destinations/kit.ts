/**
 * The destination kit: the types a destination type is written in. A destination type declares its settings,
 * endpoints, actions (fields with defaults, a default trigger, perform / performBatch), presets, a connection
 * test and user deletion. The deliverer and the sync runner only ever talk to destinations through these types.
 */
import type { Logger } from 'pino';
import type { SegmentEvent, JsonObject } from '../core/event.js';
import type { Clock } from '../core/clock.js';
import type { FieldDef } from '../mapping/field-types.js';
import type { DestinationConfig, RateLimitConfig } from '../config/types.js';
import type { HttpClient, RecordedExchange } from '../optimizely/http.js';

export type { FieldDef };

export interface DestinationContext<S = Record<string, unknown>> {
  destinationId: string;
  settings: S;
  /** Resolved base URLs: the type's defaults overridden by config `endpoints:`. */
  endpoints: Record<string, string>;
  http: HttpClient;
  logger: Logger;
  clock: Clock;
  config: DestinationConfig;
}

/** One item handed to performBatch: the validated payload and the event it came from. */
export interface BatchItem<P = Record<string, unknown>> {
  deliveryId: number;
  payload: P;
  event: SegmentEvent;
}

/**
 * Per-item result of performBatch, in input order. `retry` and `dead` carry a human reason; `retryAfterMs`
 * pauses the lane. `flags` are kept on the delivery (e.g. "event key in no running experiment").
 */
export type ItemOutcome =
  | { status: 'delivered'; flags?: JsonObject }
  | { status: 'retry'; error: string; statusCode?: number; retryAfterMs?: number }
  | { status: 'dead'; error: string; statusCode?: number };

/** What one HTTP exchange looked like, for the delivery log (recorded redacted by the HttpClient). */
export type Exchange = RecordedExchange;

export interface BatchResult {
  outcomes: ItemOutcome[];
  /** HTTP exchanges made for this batch (redacted), attached to each item's attempt record. */
  exchanges: Exchange[];
}

export interface ActionDefinition<P = Record<string, unknown>, S = Record<string, unknown>, R = unknown> {
  title: string;
  description: string;
  /** FQL used when a mapping gives no trigger. */
  defaultTrigger?: string;
  fields: Record<string, FieldDef>;
  /** Batching limits the API imposes; lane config may lower them. */
  batching: { maxItems: number; maxBytes?: number; lingerMs: number };
  /** Default rate limit for this action's lane (config may override). */
  rateLimit?: RateLimitConfig;
  /**
   * Deliver a batch. Throwing decides the fate of the whole batch by error class (RetryableError,
   * RateLimitedError, PermanentError); returning decides per item.
   */
  performBatch(ctx: DestinationContext<S>, items: BatchItem<P>[], runtime: R): Promise<BatchResult>;
  /**
   * Extra checks on a validated payload that need the runtime (e.g. the event key exists in the datafile).
   * Throw PayloadValidationError to send the delivery to dead with that reason.
   */
  prepare?(ctx: DestinationContext<S>, payload: P, event: SegmentEvent, runtime: R): Promise<P> | P;
  /** Choices for dynamic fields (e.g. eventKey from the datafile). */
  dynamicFields?: Record<string, (ctx: DestinationContext<S>, runtime: R) => Promise<{ label: string; value: string }[]>>;
}

export interface Preset {
  name: string;
  action: string;
  trigger: string;
  /** Field overrides on top of the action's defaults. */
  fields?: Record<string, unknown>;
}

export interface TestConnectionResult {
  ok: boolean;
  message: string;
  details?: Record<string, unknown>;
}

export interface DeletionRequest {
  userId?: string;
  anonymousId?: string;
}

export interface DeletionResult {
  status: 'submitted' | 'failed' | 'not_supported';
  /** The destination's own request id (Optimizely's subject-access-request id). */
  externalId?: string;
  error?: string;
  retryable?: boolean;
}

export interface EndpointDef {
  description: string;
  /** Default base URL; may depend on settings (e.g. ODP region). */
  default: string | ((settings: Record<string, unknown>) => string);
}

export interface DestinationType<S = Record<string, unknown>, R = unknown> {
  type: string;
  title: string;
  description: string;
  /** Settings schema, validated at config load (secrets are `type: 'password'`). */
  settings: Record<string, FieldDef>;
  endpoints: Record<string, EndpointDef>;
  actions: Record<string, ActionDefinition<Record<string, unknown>, S, R>>;
  presets?: Preset[];
  /**
   * Segment's action keys → this type's, applied to mappings imported from a Segment export (`partnerAction`)
   * when Segment's key differs from ours (ODP: Segment's `customEvent` is our `ecommerceEvent`).
   */
  segmentActionAliases?: Record<string, string>;
  /** Long-lived per-destination state (e.g. the datafile manager). Started once per process. */
  createRuntime?(ctx: DestinationContext<S>): Promise<R> | R;
  stopRuntime?(runtime: R): Promise<void> | void;
  testConnection?(ctx: DestinationContext<S>, runtime: R): Promise<TestConnectionResult>;
  deleteUser?(ctx: DestinationContext<S>, req: DeletionRequest, runtime: R): Promise<DeletionResult>;
}

/** Helper so destination modules get type inference without casts. */
export function defineDestination<S, R>(def: DestinationType<S, R>): DestinationType<S, R> {
  return def;
}
