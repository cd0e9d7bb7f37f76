/**
 * The Feature Experimentation Event API (`POST https://logx.optimizely.com/v1/events`, reference §1): build the
 * EventBatch exactly as the official JavaScript SDK's event builder does (`log_event.ts` / `user_event.ts`,
 * checked field by field against @optimizely/optimizely-sdk in test/fx), pack visitors into requests by count and
 * by serialized bytes, and map responses onto our error classes.
 *
 * SDK rules reproduced here:
 * - one visitor per conversion: `{ snapshots: [{ events: [event] }], visitor_id, attributes }` — a conversion
 *   snapshot carries no `decisions` key (enrich_decisions lets Optimizely attribute it);
 * - attributes: values must be string, boolean or a number with |n| ≤ 2^53 (objects, arrays, null skipped);
 *   keys resolve to the datafile attribute id, `$opt_*` keys not in the datafile are sent with entity_id = key,
 *   other unknown keys are dropped (we report them); `$opt_bot_filtering` appended when the datafile's
 *   botFiltering is a boolean;
 * - event: `{ entity_id, key, timestamp (ms), uuid, tags?, value?, revenue? }`; `revenue` and `value` stay inside
 *   `tags` as well (the SDK deletes them from a copy, then sends the original); null tag values are removed.
 * Deliberate differences (docs/destinations/optimizely-feature-experimentation.md): top-level revenue/value come
 * from the action's Revenue/Value fields (a non-integer revenue is refused upstream, the SDK would truncate), and
 * tag values that are objects or arrays are dropped and reported (the Event API accepts scalars only).
 */
import { PayloadValidationError, PermanentError, RateLimitedError, RetryableError, type OptirelayError } from '../core/errors.js';
import type { HttpClient, RecordedExchange } from './http.js';
import type { DatafileEvent, ProjectConfig } from './project-config.js';
import { parseRetryAfterMs } from './retry-after.js';

export const EVENT_API_US = 'https://logx.optimizely.com/v1/events';
export const EVENT_API_EU = 'https://eu.logx.optimizely.com/v1/events';
/** "A single JSON object must be 3.5 MB or less" — we stay under the decimal reading of that. */
export const EVENT_API_MAX_BYTES = 3_500_000;
export const EVENT_API_DEFAULT_MAX_VISITORS = 500;

const MAX_SAFE = 2 ** 53;
const RESERVED_PREFIX = '$opt_';
export const BOT_FILTERING_ATTRIBUTE = '$opt_bot_filtering';
export const USER_AGENT_ATTRIBUTE = '$opt_user_agent';

export interface EventContext {
  accountId: string;
  projectId: string;
  revision: string;
  anonymizeIP: boolean;
  botFiltering?: boolean;
  region: string;
  clientName: string;
  clientVersion: string;
}

export interface VisitorAttribute {
  entity_id: string;
  key: string;
  type: 'custom';
  value: string | number | boolean;
}

export type TagValue = string | number | boolean;

export interface ConversionEventBody {
  entity_id: string;
  key: string;
  timestamp: number;
  uuid: string;
  tags?: Record<string, TagValue>;
  value?: number;
  revenue?: number;
}

export interface Visitor {
  snapshots: { events: ConversionEventBody[] }[];
  visitor_id: string;
  attributes: VisitorAttribute[];
}

export interface EventBatch {
  client_name: string;
  client_version: string;
  account_id: string;
  project_id: string;
  revision: string;
  anonymize_ip: boolean;
  enrich_decisions: true;
  visitors: Visitor[];
}

/** One conversion, as the trackEvent action hands it over. */
export interface ConversionInput {
  visitorId: string;
  eventKey: string;
  timestampMs: number;
  uuid: string;
  attributes?: Record<string, unknown> | null;
  /** Sent as the reserved `$opt_user_agent` attribute unless the attributes already carry one. */
  userAgent?: string | null;
  revenue?: number | null;
  value?: number | null;
  tags?: Record<string, unknown> | null;
}

export interface BuiltVisitor {
  visitor: Visitor;
  event: DatafileEvent;
  /** Attribute keys not defined in the datafile (and not `$opt_*`): not sent. */
  droppedAttributes: string[];
  /** Attribute keys whose value is not a string, boolean or safe number: not sent. */
  invalidAttributes: string[];
  /** Tag keys whose value is an object or array: not sent. */
  droppedTags: string[];
}

export function eventContextOf(config: ProjectConfig, client: { name: string; version: string }): EventContext {
  return {
    accountId: config.accountId,
    projectId: config.projectId,
    revision: config.revision,
    anonymizeIP: config.anonymizeIP,
    botFiltering: config.botFiltering,
    region: config.region,
    clientName: client.name,
    clientVersion: client.version,
  };
}

/** Events may share a request only when these match (the SDK's `areEventContextsEqual`). */
export function contextKey(c: EventContext): string {
  return JSON.stringify([c.region || 'US', c.accountId, c.projectId, c.clientName, c.clientVersion, c.revision, c.anonymizeIP, c.botFiltering ?? null]);
}

export function eventBatchHead(c: EventContext): Omit<EventBatch, 'visitors'> {
  return {
    client_name: c.clientName,
    client_version: c.clientVersion,
    account_id: c.accountId,
    project_id: c.projectId,
    revision: c.revision,
    anonymize_ip: c.anonymizeIP,
    enrich_decisions: true,
  };
}

/** The Event API URL: an explicit override wins, else the datafile's region picks the US or EU host. */
export function eventApiUrl(region: string, override?: string): string {
  if (override) return override;
  return region === 'EU' ? EVENT_API_EU : EVENT_API_US;
}

export function unknownEventKeyMessage(config: ProjectConfig, key: string): string {
  const keys = [...config.events.keys()].sort();
  const shown = keys.slice(0, 25).join(', ');
  const more = keys.length > 25 ? `, … (${keys.length - 25} more)` : '';
  return `event key "${key}" is not defined in the datafile; known keys: ${keys.length ? shown + more : '(none)'}`;
}

function isSendableAttributeValue(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Math.abs(v) <= MAX_SAFE);
}

/** Build one visitor for one conversion. Throws PayloadValidationError for an event key not in the datafile. */
export function buildVisitor(config: ProjectConfig, c: ConversionInput): BuiltVisitor {
  const event = config.events.get(c.eventKey);
  if (!event) throw new PayloadValidationError(unknownEventKeyMessage(config, c.eventKey), 'Event Key');

  const attributes: VisitorAttribute[] = [];
  const droppedAttributes: string[] = [];
  const invalidAttributes: string[] = [];
  const attrs = c.attributes && typeof c.attributes === 'object' ? c.attributes : {};
  for (const key of Object.keys(attrs)) {
    const value = attrs[key];
    if (value === null || value === undefined) continue;
    const id = config.attributes.get(key) ?? (key.startsWith(RESERVED_PREFIX) ? key : undefined);
    if (id === undefined) {
      droppedAttributes.push(key);
      continue;
    }
    if (typeof value === 'object' || !isSendableAttributeValue(value)) {
      invalidAttributes.push(key);
      continue;
    }
    attributes.push({ entity_id: id, key, type: 'custom', value });
  }
  if (typeof c.userAgent === 'string' && c.userAgent && !Object.prototype.hasOwnProperty.call(attrs, USER_AGENT_ATTRIBUTE)) {
    attributes.push({ entity_id: config.attributes.get(USER_AGENT_ATTRIBUTE) ?? USER_AGENT_ATTRIBUTE, key: USER_AGENT_ATTRIBUTE, type: 'custom', value: c.userAgent });
  }
  if (typeof config.botFiltering === 'boolean') {
    attributes.push({ entity_id: BOT_FILTERING_ATTRIBUTE, key: BOT_FILTERING_ATTRIBUTE, type: 'custom', value: config.botFiltering });
  }

  const droppedTags: string[] = [];
  let tags: Record<string, TagValue> | undefined;
  if (c.tags && typeof c.tags === 'object') {
    tags = {};
    for (const [k, v] of Object.entries(c.tags)) {
      if (v === null || v === undefined) continue;
      if (typeof v === 'object' || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
        droppedTags.push(k);
        continue;
      }
      if (typeof v === 'number' && !Number.isFinite(v)) {
        droppedTags.push(k);
        continue;
      }
      tags[k] = v as TagValue;
    }
  }
  const revenue = typeof c.revenue === 'number' && Number.isFinite(c.revenue) ? c.revenue : undefined;
  const value = typeof c.value === 'number' && Number.isFinite(c.value) ? c.value : undefined;
  // The SDK derives revenue/value from the tags and leaves them there; keep tags consistent when the fields
  // were mapped from elsewhere.
  if (revenue !== undefined && (!tags || !('revenue' in tags))) (tags ??= {}).revenue = revenue;
  if (value !== undefined && (!tags || !('value' in tags))) (tags ??= {}).value = value;

  const body: ConversionEventBody = { entity_id: event.id, key: event.key, timestamp: c.timestampMs, uuid: c.uuid };
  if (tags) body.tags = tags;
  if (value !== undefined) body.value = value;
  if (revenue !== undefined) body.revenue = revenue;

  return {
    visitor: { snapshots: [{ events: [body] }], visitor_id: c.visitorId, attributes },
    event,
    droppedAttributes,
    invalidAttributes,
    droppedTags,
  };
}

export interface PlannedRequest {
  context: EventContext;
  /** Indices into the input, in order. */
  indices: number[];
  /** The serialized EventBatch, ready to send. */
  body: string;
  bytes: number;
}

export interface RequestPlan {
  requests: PlannedRequest[];
  /** Items whose visitor alone makes a request over maxBytes. */
  tooLarge: { index: number; bytes: number }[];
}

/**
 * Pack visitors into Event API requests: only visitors with the same context share a request; a request holds at
 * most `maxVisitors` visitors and `maxBytes` bytes of serialized JSON (measured, not estimated). Order within a
 * context is kept.
 */
export function planRequests(
  items: { context: EventContext; visitor: Visitor }[],
  opts: { maxVisitors?: number; maxBytes?: number } = {},
): RequestPlan {
  const maxVisitors = Math.max(1, opts.maxVisitors ?? EVENT_API_DEFAULT_MAX_VISITORS);
  const maxBytes = opts.maxBytes ?? EVENT_API_MAX_BYTES;
  type Open = { context: EventContext; prefix: string; baseBytes: number; parts: string[]; indices: number[]; bytes: number };
  const open = new Map<string, Open>();
  const requests: PlannedRequest[] = [];
  const tooLarge: RequestPlan['tooLarge'] = [];

  const close = (o: Open) => {
    if (o.parts.length === 0) return;
    requests.push({ context: o.context, indices: o.indices, body: `${o.prefix}${o.parts.join(',')}]}`, bytes: o.bytes });
  };

  items.forEach((item, index) => {
    const key = contextKey(item.context);
    let o = open.get(key);
    if (!o) {
      const head = JSON.stringify(eventBatchHead(item.context));
      const prefix = `${head.slice(0, -1)},"visitors":[`;
      const baseBytes = Buffer.byteLength(prefix) + 2;
      o = { context: item.context, prefix, baseBytes, parts: [], indices: [], bytes: baseBytes };
      open.set(key, o);
    }
    const json = JSON.stringify(item.visitor);
    const size = Buffer.byteLength(json);
    if (o.baseBytes + size > maxBytes) {
      tooLarge.push({ index, bytes: o.baseBytes + size });
      return;
    }
    const added = size + (o.parts.length > 0 ? 1 : 0);
    if (o.parts.length >= maxVisitors || o.bytes + added > maxBytes) {
      close(o);
      o.parts = [];
      o.indices = [];
      o.bytes = o.baseBytes;
    }
    o.bytes += size + (o.parts.length > 0 ? 1 : 0);
    o.parts.push(json);
    o.indices.push(index);
  });
  for (const o of open.values()) close(o);
  return { requests, tooLarge };
}

/** Serialize a whole EventBatch the way planRequests does (visitors last). */
export function serializeEventBatch(batch: EventBatch): string {
  return JSON.stringify(batch);
}

/** 400 from the Event API: the body broke its validation. */
export class EventApiRejectedError extends PermanentError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'OR_EVENT_API_REJECTED', 400, details);
  }
}

/** 413 from the Event API: split the request and try again. */
export class EventApiTooLargeError extends PermanentError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'OR_EVENT_API_TOO_LARGE', 413, details);
  }
}

/** Errors postEvents throws carry the (redacted) exchange for the delivery log. */
export type EventApiError = OptirelayError & { exchange?: RecordedExchange };

/**
 * POST one EventBatch. Any 2xx is success (the API answers 204). Throws, with the exchange attached:
 * 400 → EventApiRejectedError (with the response body), 413 → EventApiTooLargeError, 429 → RateLimitedError,
 * 408 / 5xx → RetryableError (a Retry-After makes it a RateLimitedError), other statuses → PermanentError.
 */
export async function postEvents(
  http: HttpClient,
  url: string,
  body: string | EventBatch,
  opts: { timeoutMs?: number; now?: () => number; defaultRetryAfterMs?: number } = {},
): Promise<{ status: number; exchange: RecordedExchange }> {
  const payload = typeof body === 'string' ? body : serializeEventBatch(body);
  const { response, exchange } = await http.send({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: payload,
    timeoutMs: opts.timeoutMs,
  });
  const status = response.status;
  if (status >= 200 && status < 300) return { status, exchange };
  const text = response.text.length > 1000 ? `${response.text.slice(0, 1000)}…` : response.text;
  const details = { status, body: text };
  const now = opts.now ?? Date.now;
  let err: OptirelayError;
  if (status === 400) err = new EventApiRejectedError(`Event API rejected the request (400)${text ? `: ${text}` : ''}`, details);
  else if (status === 413) err = new EventApiTooLargeError(`Event API refused the request as too large (413, ${Buffer.byteLength(payload)} bytes)`, details);
  else if (status === 429) {
    const wait = parseRetryAfterMs(response.headers, now()) ?? opts.defaultRetryAfterMs ?? 1_000;
    err = new RateLimitedError(`Event API rate limited the request (429); retrying in ${Math.ceil(wait / 1000)} s`, wait, details);
  } else if (status === 408 || status >= 500) {
    const wait = parseRetryAfterMs(response.headers, now());
    err =
      wait !== undefined
        ? new RateLimitedError(`Event API unavailable (${status}); retrying in ${Math.ceil(wait / 1000)} s as it asked`, wait, details)
        : new RetryableError(`Event API unavailable (${status})${text ? `: ${text}` : ''}`, 'OR_EVENT_API_UNAVAILABLE', status, details);
  } else {
    err = new PermanentError(
      `Event API answered ${status}${text ? `: ${text}` : ''}; check endpoints.eventApi (it must be the full …/v1/events URL)`,
      'OR_EVENT_API_REFUSED',
      status,
      details,
    );
  }
  throw Object.assign(err, { exchange });
}
