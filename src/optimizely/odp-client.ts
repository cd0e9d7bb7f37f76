/**
 * Client for the Optimizely Data Platform REST v3 API (reference/optimizely-apis.md §4): events, profiles and a
 * cheap credential check. It turns ODP's answers into the error registry's classes so the delivery engine can
 * decide each delivery's fate:
 *   2xx                         → success (202 Accepted is the documented answer)
 *   400 + detail.invalids       → per-item failures by index (the rest of the batch was accepted)
 *   400/404/413/other 4xx       → PermanentError with ODP's reason
 *   401 / 403                   → PermanentError telling the user to check the API key and region
 *   408, 5xx, transport errors  → RetryableError
 *   429                         → RateLimitedError (Retry-After when present, else DEFAULT_RETRY_AFTER_MS)
 * Every error thrown carries `exchange` (the redacted HTTP exchange) like the HttpClient's own errors. The API key
 * travels only in the `x-api-key` header, which the HttpClient redacts; it is also registered as a secret so an
 * echo of it in a response body is scrubbed. The client never retries: retries belong to the queue.
 */
import { PermanentError, RateLimitedError, RetryableError } from '../core/errors.js';
import type { JsonObject, JsonValue } from '../core/event.js';
import { registerSecret, redactString } from '../core/redact.js';
import type { HttpClient, HttpResponse, RecordedExchange } from './http.js';

/** One ODP event (§4.2): event time goes in `data.ts` (epoch seconds). */
export interface OdpEvent {
  type: string;
  action: string;
  identifiers: Record<string, string>;
  data: JsonObject;
}

/** One ODP profile upsert (§4.3): identifiers live inside `attributes`. */
export interface OdpProfile {
  attributes: JsonObject;
}

/** An object ODP refused, by its index in the request array. */
export interface OdpItemFailure {
  index: number;
  reason: string;
}

export interface OdpWriteResult {
  status: number;
  /** Items ODP reported invalid (400 with `detail.invalids`); every other item was accepted. */
  failures: OdpItemFailure[];
  exchange: RecordedExchange;
}

export interface OdpAuthCheck {
  ok: true;
  status: number;
  exchange: RecordedExchange;
}

export interface OdpClientOptions {
  /** Base URL including `/v3`, e.g. https://api.us1.odp.optimizely.com/v3. */
  baseUrl: string;
  apiKey: string;
  http: HttpClient;
  timeoutMs?: number;
  /** Pause used for a 429 without Retry-After. Default DEFAULT_RETRY_AFTER_MS. */
  defaultRetryAfterMs?: number;
}

/** ODP documents no rate-limit headers (§4.1): without Retry-After we pause the lane this long (inferred). */
export const DEFAULT_RETRY_AFTER_MS = 10_000;

/** Profile probed by checkAuth: it should not exist, so a valid key answers 404 and a bad key 403. */
export const AUTH_PROBE_EMAIL = 'optirelay-connection-test@example.invalid';

export const ODP_FORBIDDEN_MESSAGE =
  "ODP refused the API key (403 Forbidden): check settings.apiKey and that settings.region matches the account's region (US/EU/AU)";
export const ODP_UNAUTHORIZED_MESSAGE =
  "ODP refused the API key (401 Unauthorized): check settings.apiKey and that settings.region matches the account's region (US/EU/AU)";

type WithExchange<E> = E & { exchange: RecordedExchange };

function attach<E extends Error>(err: E, exchange: RecordedExchange): WithExchange<E> {
  return Object.assign(err, { exchange });
}

export class OdpClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly http: HttpClient;
  private readonly timeoutMs?: number;
  private readonly defaultRetryAfterMs: number;

  constructor(opts: OdpClientOptions) {
    if (!opts.apiKey) throw new PermanentError('ODP API key is empty: set settings.apiKey', 'OR_ODP_NO_API_KEY');
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
    this.http = opts.http;
    this.timeoutMs = opts.timeoutMs;
    this.defaultRetryAfterMs = opts.defaultRetryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    registerSecret(opts.apiKey);
  }

  /** `POST /v3/events` with an array of events. */
  async postEvents(events: OdpEvent[]): Promise<OdpWriteResult> {
    return this.write('/events', events, events.length);
  }

  /** `POST /v3/profiles` with an array of `{attributes}`. */
  async upsertProfiles(profiles: OdpProfile[]): Promise<OdpWriteResult> {
    return this.write('/profiles', profiles, profiles.length);
  }

  /** `GET /v3/profiles?<identifierName>=<value>`: the profile's attributes, or null when ODP has none (404). */
  async getProfile(identifierName: string, value: string): Promise<JsonObject | null> {
    const url = `${this.baseUrl}/profiles?${new URLSearchParams({ [identifierName]: value }).toString()}`;
    const { response, exchange } = await this.send('GET', url);
    if (response.status === 404) return null;
    if (response.status >= 200 && response.status < 300) {
      const body = response.body as { attributes?: JsonObject } | undefined;
      return body && typeof body === 'object' && body.attributes ? body.attributes : {};
    }
    throw this.errorFor(response, exchange, 'GET /profiles');
  }

  /**
   * Cheap credential check for testConnection: `GET /v3/profiles?email=<probe>`. A valid key gets 404 (no such
   * profile) or 2xx; a bad key or wrong region gets 403. Chosen over `GET /v3/lists` because profiles are the
   * resource this destination writes, so a key that passes can also upsert (inferred; ODP documents no auth route).
   */
  async checkAuth(): Promise<OdpAuthCheck> {
    const url = `${this.baseUrl}/profiles?${new URLSearchParams({ email: AUTH_PROBE_EMAIL }).toString()}`;
    const { response, exchange } = await this.send('GET', url);
    if (response.status === 404 || (response.status >= 200 && response.status < 300)) {
      return { ok: true, status: response.status, exchange };
    }
    throw this.errorFor(response, exchange, 'GET /profiles');
  }

  private async write(path: string, body: unknown[], count: number): Promise<OdpWriteResult> {
    const { response, exchange } = await this.send('POST', `${this.baseUrl}${path}`, body);
    if (response.status >= 200 && response.status < 300) return { status: response.status, failures: [], exchange };
    if (response.status === 400) {
      const failures = invalidsByIndex(response.body, count);
      if (failures) return { status: 400, failures, exchange };
    }
    throw this.errorFor(response, exchange, `POST ${path}`);
  }

  private async send(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ response: HttpResponse; exchange: RecordedExchange }> {
    return this.http.send({
      method,
      url,
      headers: { 'x-api-key': this.apiKey, 'content-type': 'application/json', accept: 'application/json' },
      body,
      timeoutMs: this.timeoutMs,
    });
  }

  private errorFor(response: HttpResponse, exchange: RecordedExchange, what: string): Error {
    const status = response.status;
    const reason = odpReason(response.body, response.text);
    const details = { statusCode: status, endpoint: `${this.baseUrl}${what.replace(/^\w+ /, '')}` };
    if (status === 403) return attach(new PermanentError(ODP_FORBIDDEN_MESSAGE, 'OR_ODP_FORBIDDEN', 403, details), exchange);
    if (status === 401) return attach(new PermanentError(ODP_UNAUTHORIZED_MESSAGE, 'OR_ODP_UNAUTHORIZED', 401, details), exchange);
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after']) ?? this.defaultRetryAfterMs;
      return attach(new RateLimitedError(`ODP rate limit reached (429) on ${what}; retrying in ${retryAfterMs} ms`, retryAfterMs, details), exchange);
    }
    if (status === 408 || status >= 500) {
      return attach(new RetryableError(`ODP answered ${status} on ${what}${reason ? `: ${reason}` : ''}`, 'OR_ODP_UNAVAILABLE', status, details), exchange);
    }
    if (status === 404) {
      return attach(
        new PermanentError(`ODP answered 404 on ${what}${reason ? `: ${reason}` : ''}: check endpoints.odpApi (it must end in /v3)`, 'OR_ODP_NOT_FOUND', 404, details),
        exchange,
      );
    }
    return attach(new PermanentError(`ODP refused ${what} (${status})${reason ? `: ${reason}` : ''}`, 'OR_ODP_REJECTED', status, details), exchange);
  }
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const at = Date.parse(v);
  if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short human reason from an ODP error body (§4.1 shapes), secrets scrubbed. */
function odpReason(body: unknown, text: string): string {
  let reason = '';
  if (isObject(body)) {
    const detail = body.detail;
    if (isObject(detail) && Array.isArray(detail.invalids)) {
      reason = detail.invalids.map((i) => describeInvalid(i)).join('; ');
    } else if (isObject(detail) && typeof detail.message === 'string') reason = detail.message;
    else if (typeof body.message === 'string') reason = body.message;
    else if (typeof body.title === 'string') reason = body.title;
  } else if (text) reason = text.slice(0, 300);
  return redactString(reason);
}

function describeInvalid(entry: unknown): string {
  if (!isObject(entry)) return String(entry);
  const why = typeof entry.message === 'string' ? entry.message : typeof entry.reason === 'string' ? entry.reason : JSON.stringify(entry);
  const field = typeof entry.field === 'string' ? entry.field : undefined;
  return field ? `${field}: ${why}` : why;
}

/**
 * Per-item failures from a 400's `detail.invalids`, or undefined when they cannot all be tied to an item (then the
 * whole batch fails with ODP's reason). Events report `{event: <index>, message}`; profiles report
 * `{field, reason}`, and the index is read from the field path when it has one (`[3].attributes.email`,
 * `3.email`) or is 0 in a batch of one (inferred: ODP does not document the profile field format).
 */
export function invalidsByIndex(body: unknown, count: number): OdpItemFailure[] | undefined {
  if (!isObject(body) || !isObject(body.detail) || !Array.isArray(body.detail.invalids)) return undefined;
  const invalids: JsonValue[] = body.detail.invalids as JsonValue[];
  if (invalids.length === 0) return undefined;
  const byIndex = new Map<number, string[]>();
  for (const entry of invalids) {
    const index = indexOf(entry, count);
    if (index === undefined || index < 0 || index >= count) return undefined;
    const reasons = byIndex.get(index) ?? [];
    reasons.push(redactString(describeInvalid(entry)));
    byIndex.set(index, reasons);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([index, reasons]) => ({ index, reason: reasons.join('; ') }));
}

function indexOf(entry: unknown, count: number): number | undefined {
  if (!isObject(entry)) return undefined;
  for (const key of ['event', 'index', 'profile', 'object']) {
    const v = entry[key];
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  }
  if (typeof entry.field === 'string') {
    const m = /^(?:\[(\d+)\]|(\d+)(?=\.|$))/.exec(entry.field);
    if (m) return Number(m[1] ?? m[2]);
  }
  return count === 1 ? 0 : undefined;
}
