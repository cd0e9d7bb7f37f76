/**
 * A small, generic client for the Optimizely REST API v2 (`https://api.optimizely.com/v2`, reference §3.1):
 * bearer auth with a personal access token, the error envelope `{code, message, uuid}` mapped onto our error
 * classes, `Link: <…>; rel=next` pagination, and subject-access requests (§3.7). Object-specific calls
 * (attributes, audiences, custom events, list attributes) live beside it in their own files.
 * It never retries: the queue does (the error's class says whether to).
 */
import { PermanentError, RateLimitedError, RetryableError, type OptirelayError } from '../core/errors.js';
import type { HttpClient, HttpRequest, RecordedExchange } from './http.js';
import { parseRetryAfterMs } from './retry-after.js';

export interface RestV2ClientOptions {
  /** e.g. `https://api.optimizely.com/v2` (or the sandbox's `/v2`). */
  baseUrl: string;
  /** Personal access token (or OAuth access token). SDK keys and datafile tokens do not work here. */
  accessToken: string;
  http: HttpClient;
  timeoutMs?: number;
  /** Wait used for a 429 that names no Retry-After / X-RateLimit-Reset. Default 5 s. */
  defaultRetryAfterMs?: number;
  now?: () => number;
}

export interface RestV2Response<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
  exchange: RecordedExchange;
}

export type QueryValue = string | number | boolean | undefined;

export interface SubjectAccessRequestInput {
  identifier: string;
  identifierType: 'email' | 'optimizely_end_user_id' | 'dcp_id' | 'fullstack_id' | 'other';
  dataType: 'user' | 'visitor';
  requestType: 'access' | 'delete';
}

export interface SubjectAccessRequest {
  id: string;
  status?: string;
  /** The whole response body, as Optimizely returned it. */
  raw: Record<string, unknown>;
}

export const AUTH_FAILED_MESSAGE =
  'authentication failed: the personal access token is invalid or revoked (SDK keys and datafile tokens are not REST tokens)';

const MAX_IDENTIFIER_LENGTH = 355;
const MAX_PAGES = 10_000;

export class RestV2Client {
  readonly baseUrl: string;
  private readonly accessToken: string;
  private readonly http: HttpClient;
  private readonly timeoutMs?: number;
  private readonly defaultRetryAfterMs: number;
  private readonly now: () => number;

  constructor(opts: RestV2ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.accessToken = opts.accessToken;
    this.http = opts.http;
    this.timeoutMs = opts.timeoutMs;
    this.defaultRetryAfterMs = opts.defaultRetryAfterMs ?? 5_000;
    this.now = opts.now ?? Date.now;
  }

  /** Absolute URL for a path relative to the base (`/projects/1/attributes`), with an optional query. */
  url(path: string, query?: Record<string, QueryValue>): string {
    const u = /^https?:\/\//.test(path) ? new URL(path) : new URL(this.baseUrl + (path.startsWith('/') ? path : `/${path}`));
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /**
   * One request. 2xx resolves; anything else throws: 401/403/404/other 4xx → PermanentError, 408 and 5xx →
   * RetryableError, 429 → RateLimitedError with the wait the API asked for.
   */
  async request<T = unknown>(
    method: HttpRequest['method'],
    path: string,
    body?: unknown,
    opts: { query?: Record<string, QueryValue> } = {},
  ): Promise<RestV2Response<T>> {
    const url = this.url(path, opts.query);
    const { response, exchange } = await this.http.send({
      method,
      url,
      headers: { authorization: `Bearer ${this.accessToken}`, accept: 'application/json' },
      body,
      timeoutMs: this.timeoutMs,
    });
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, body: response.body as T, headers: response.headers, exchange };
    }
    throw Object.assign(this.toError(method, url, response.status, response.body, response.headers), { exchange });
  }

  /**
   * Every page of a list endpoint. Follows `Link: <…>; rel=next` when the API sends a Link header; without one,
   * asks for the next page while pages come back full (the v2 spec declares no Link header).
   */
  async *pages<T>(path: string, opts: { perPage?: number; query?: Record<string, QueryValue> } = {}): AsyncGenerator<T[]> {
    const perPage = Math.min(Math.max(opts.perPage ?? 100, 1), 100);
    let next: string | undefined = this.url(path, { ...opts.query, page: 1, per_page: perPage });
    for (let page = 1; next && page <= MAX_PAGES; page++) {
      const res: RestV2Response<unknown> = await this.request<unknown>('GET', next);
      const items = Array.isArray(res.body) ? (res.body as T[]) : [];
      yield items;
      const link = parseLinkHeader(res.headers['link']);
      if (link) next = link.next ? new URL(link.next, next).toString() : undefined;
      else next = items.length >= perPage ? this.url(path, { ...opts.query, page: page + 1, per_page: perPage }) : undefined;
    }
  }

  /** All items of a list endpoint, in order. */
  async listAll<T>(path: string, opts: { perPage?: number; query?: Record<string, QueryValue> } = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.pages<T>(path, opts)) out.push(...page);
    return out;
  }

  /** `POST /subject-access-requests` (GDPR access or delete). Resolves with Optimizely's request id. */
  async createSubjectAccessRequest(input: SubjectAccessRequestInput): Promise<SubjectAccessRequest & { exchange: RecordedExchange }> {
    if (!input.identifier) throw new PermanentError('subject-access request: identifier is empty', 'OR_SAR_INVALID', 400);
    if (input.identifier.length > MAX_IDENTIFIER_LENGTH) {
      throw new PermanentError(
        `subject-access request: identifier is ${input.identifier.length} characters; Optimizely accepts at most ${MAX_IDENTIFIER_LENGTH}`,
        'OR_SAR_INVALID',
        400,
      );
    }
    const res = await this.request<Record<string, unknown>>('POST', '/subject-access-requests', {
      data_type: input.dataType,
      identifier: input.identifier,
      identifier_type: input.identifierType,
      request_type: input.requestType,
    });
    const raw = res.body && typeof res.body === 'object' ? res.body : {};
    const id = raw['id'];
    if (id === undefined || id === null) {
      throw Object.assign(
        new RetryableError(`subject-access request: Optimizely answered ${res.status} without a request id`, 'OR_SAR_NO_ID', 502),
        { exchange: res.exchange },
      );
    }
    return { id: String(id), status: typeof raw['status'] === 'string' ? raw['status'] : undefined, raw, exchange: res.exchange };
  }

  private toError(method: string, url: string, status: number, body: unknown, headers: Record<string, string | string[] | undefined>): OptirelayError {
    const path = safePath(url, this.baseUrl);
    const env = envelope(body);
    const detail = env ? `${env.code ? `${env.code}: ` : ''}${env.message ?? ''}`.trim() : clipText(body);
    const where = `${method} ${path}`;
    const details = { status, body: env ?? clipText(body) };
    if (status === 401) return new PermanentError(`${where}: ${AUTH_FAILED_MESSAGE}`, 'OR_REST_UNAUTHORIZED', 401, details);
    if (status === 403) {
      return new PermanentError(
        `${where}: forbidden: the personal access token has no permission for this project or object${detail ? ` (${detail})` : ''}`,
        'OR_REST_FORBIDDEN',
        403,
        details,
      );
    }
    if (status === 404) return new PermanentError(`${where}: not found${detail ? `: ${detail}` : ''}`, 'OR_REST_NOT_FOUND', 404, details);
    if (status === 429) {
      const wait = parseRetryAfterMs(headers, this.now()) ?? this.defaultRetryAfterMs;
      return new RateLimitedError(`${where}: rate limited by Optimizely (429); retrying in ${Math.ceil(wait / 1000)} s`, wait, details);
    }
    if (status === 408 || status >= 500) {
      const wait = parseRetryAfterMs(headers, this.now());
      return new RetryableError(`${where}: Optimizely answered ${status}${detail ? `: ${detail}` : ''}`, 'OR_REST_UNAVAILABLE', status, {
        ...details,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      });
    }
    return new PermanentError(`${where}: Optimizely answered ${status}${detail ? `: ${detail}` : ''}`, 'OR_REST_REJECTED', status, details);
  }
}

/** `<https://…?page=2>; rel=next, <…>; rel="last"` → `{ next: '…', last: '…' }`; undefined when absent. */
export function parseLinkHeader(value: string | string[] | undefined): Record<string, string> | undefined {
  const raw = Array.isArray(value) ? value.join(',') : value;
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const part of raw.split(/,(?=\s*<)/)) {
    const m = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (!m) continue;
    const rel = /rel\s*=\s*"?([^";,]+)"?/i.exec(m[2] ?? '');
    if (rel?.[1]) for (const r of rel[1].trim().split(/\s+/)) out[r.toLowerCase()] = m[1]!;
  }
  return out;
}

function envelope(body: unknown): { code?: string; message?: string; uuid?: string } | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b['message'] !== 'string' && typeof b['code'] !== 'string') return undefined;
  return {
    code: typeof b['code'] === 'string' ? b['code'] : undefined,
    message: typeof b['message'] === 'string' ? b['message'] : undefined,
    uuid: typeof b['uuid'] === 'string' ? b['uuid'] : undefined,
  };
}

function clipText(body: unknown): string {
  const s = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  return s.length > 500 ? `${s.slice(0, 500)}…` : s;
}

function safePath(url: string, baseUrl: string): string {
  try {
    const u = new URL(url);
    const base = new URL(baseUrl);
    const p = u.pathname.startsWith(base.pathname) ? u.pathname.slice(base.pathname.replace(/\/$/, '').length) : u.pathname;
    return p || '/';
  } catch {
    return url;
  }
}
