/**
 * The one HTTP client every Optimizely call goes through (undici). It applies timeouts, records each exchange
 * with secrets redacted (for the delivery log), and maps transport failures to RetryableError. It never
 * retries: retries belong to the queue (anchors §3).
 */
import { request as undiciRequest, Agent } from 'undici';
import { RetryableError } from '../core/errors.js';
import { redactHeaders, redactValue } from '../core/redact.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** JSON-serialised when an object; sent as is when a string or Buffer. */
  body?: unknown;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the response is JSON, else the text ('' for empty). */
  body: unknown;
  text: string;
  durationMs: number;
}

export interface RecordedExchange {
  request: { method: string; url: string; headers: Record<string, unknown>; body?: unknown };
  response?: { status: number; headers: Record<string, unknown>; body?: unknown };
  durationMs: number;
  error?: string;
}

export interface HttpClient {
  send(req: HttpRequest): Promise<{ response: HttpResponse; exchange: RecordedExchange }>;
}

const MAX_LOGGED_BODY = 16 * 1024;

function clip(body: unknown): unknown {
  if (body === undefined) return undefined;
  const s = typeof body === 'string' ? body : JSON.stringify(body);
  if (s.length <= MAX_LOGGED_BODY) return redactValue(body);
  return redactValue(`${s.slice(0, MAX_LOGGED_BODY)}… [${s.length - MAX_LOGGED_BODY} more bytes]`);
}

export function createHttpClient(opts: { timeoutMs?: number; userAgent?: string } = {}): HttpClient {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 10_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return {
    async send(req) {
      const started = performance.now();
      const headers: Record<string, string> = { 'user-agent': opts.userAgent ?? 'optirelay', ...(req.headers ?? {}) };
      let payload: string | Buffer | undefined;
      if (req.body !== undefined) {
        if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) payload = req.body;
        else {
          payload = JSON.stringify(req.body);
          headers['content-type'] ??= 'application/json';
        }
      }
      const recordedRequest = { method: req.method, url: req.url, headers: redactHeaders(headers), body: clip(req.body) };
      try {
        const res = await undiciRequest(req.url, {
          method: req.method,
          headers,
          body: payload,
          dispatcher,
          headersTimeout: req.timeoutMs ?? timeoutMs,
          bodyTimeout: req.timeoutMs ?? timeoutMs,
        });
        const text = await res.body.text();
        const durationMs = performance.now() - started;
        const ct = String(res.headers['content-type'] ?? '');
        let body: unknown = text;
        if (text && ct.includes('json')) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        const response: HttpResponse = { status: res.statusCode, headers: res.headers, body, text, durationMs };
        return {
          response,
          exchange: { request: recordedRequest, response: { status: res.statusCode, headers: redactHeaders(res.headers), body: clip(body) }, durationMs },
        };
      } catch (err) {
        const durationMs = performance.now() - started;
        const e = err as Error & { code?: string };
        const message = `${req.method} ${new URL(req.url).origin}: ${e.code ?? e.name}: ${e.message}`;
        throw Object.assign(new RetryableError(message, 'OR_HTTP_TRANSPORT', 503), {
          exchange: { request: recordedRequest, durationMs, error: message } satisfies RecordedExchange,
        });
      }
    },
  };
}
