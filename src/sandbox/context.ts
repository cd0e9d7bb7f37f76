/**
 * What every sandbox route shares: the state, rate limiter, fault injector, request recorder and clock, plus the
 * per-request helpers (API classification, cached JSON body parsing).
 */
import type { FastifyRequest } from 'fastify';
import type { FaultInjector } from './faults.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SandboxState } from './state.js';
import type { OdpRegion, RateLimits, RecordedRequest, SandboxApi, SandboxSeed } from './types.js';

export interface SandboxContext {
  state: SandboxState;
  limiter: RateLimiter;
  faults: FaultInjector;
  recorder: Recorder;
  now: () => number;
  rateLimits: RateLimits;
  /** Reset the state to the current seed. */
  reset(): void;
  /** Replace the seed and reset to it. */
  reseed(seed: SandboxSeed): void;
}

const MASK = '[redacted]';
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'cookie', 'proxy-authorization']);
const MAX_RECORDED_BODY_BYTES = 512 * 1024;

export class Recorder {
  private items: RecordedRequest[] = [];
  private seq = 0;

  constructor(private readonly max = 20_000) {}

  record(r: Omit<RecordedRequest, 'seq'>): void {
    this.items.push({ ...r, seq: ++this.seq });
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }

  list(api?: string): RecordedRequest[] {
    return api ? this.items.filter((r) => r.api === api) : [...this.items];
  }

  clear(): void {
    this.items = [];
  }
}

export function maskHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? MASK : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export interface Classified {
  api: SandboxApi | 'unknown';
  region?: OdpRegion;
}

const REGION_PREFIX: Record<string, OdpRegion> = { us1: 'US', eu1: 'EU', au1: 'AU' };

export function classify(path: string, host: string | undefined): Classified {
  if (path === '/_sandbox' || path.startsWith('/_sandbox/')) return { api: 'control' };
  if (path.startsWith('/datafiles/')) return { api: 'cdn' };
  if (path === '/v1/events') return { api: 'eventApi', region: (host ?? '').toLowerCase().startsWith('eu.logx.') ? 'EU' : 'US' };
  if (path === '/eu/v1/events') return { api: 'eventApi', region: 'EU' };
  if (path.startsWith('/v2/') || path === '/v2') return { api: 'rest' };
  const m = /^\/(us1|eu1|au1)\/v3(\/|$)/.exec(path);
  if (m) return { api: 'odp', region: REGION_PREFIX[m[1]!] };
  if (path.startsWith('/v3/') || path === '/v3') return { api: 'odp', region: regionFromHost(host) };
  return { api: 'unknown' };
}

export function regionFromHost(host: string | undefined): OdpRegion {
  const h = (host ?? '').toLowerCase();
  if (h.includes('.eu1.')) return 'EU';
  if (h.includes('.au1.')) return 'AU';
  return 'US';
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

const parsedBodies = new WeakMap<FastifyRequest, JsonResult>();

export function rawBody(req: FastifyRequest): Buffer | undefined {
  return Buffer.isBuffer(req.body) ? req.body : undefined;
}

/** Parse the request body as JSON once; an empty body is `{ ok: false }`. */
export function jsonBody(req: FastifyRequest): JsonResult {
  const cached = parsedBodies.get(req);
  if (cached) return cached;
  const raw = rawBody(req);
  let result: JsonResult;
  if (!raw || raw.length === 0) result = { ok: false, error: 'the request body is empty; send a JSON document' };
  else {
    try {
      result = { ok: true, value: JSON.parse(raw.toString('utf8')) };
    } catch (err) {
      result = { ok: false, error: `the request body is not valid JSON: ${(err as Error).message}` };
    }
  }
  parsedBodies.set(req, result);
  return result;
}

/** Body as recorded: parsed JSON when it parses, else (clipped) text. */
export function recordedBody(req: FastifyRequest): unknown {
  const raw = rawBody(req);
  if (!raw || raw.length === 0) return undefined;
  if (raw.length > MAX_RECORDED_BODY_BYTES) return `${raw.subarray(0, 1024).toString('utf8')}… [${raw.length} bytes]`;
  const parsed = jsonBody(req);
  return parsed.ok ? parsed.value : raw.toString('utf8');
}

export function queryOf(req: FastifyRequest): Record<string, string> {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
