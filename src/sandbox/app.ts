/**
 * Builds the sandbox's Fastify app: one server, each API under its own path prefix (docs/sandbox.md):
 *   /datafiles/…  CDN · /v1/events  Event API · /v2/…  REST v2 · /v3/…, /eu1/v3/…, /au1/v3/…  ODP · /_sandbox/…  control
 * Bodies are read raw (so each API answers malformed JSON its own way and requests are recorded as sent);
 * faults are applied before any handler; every non-control request is recorded with secrets masked.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { classify, maskHeaders, queryOf, recordedBody, rawBody, Recorder, type Classified, type SandboxContext } from './context.js';
import { SandboxController } from './controller.js';
import { FaultInjector } from './faults.js';
import { readStateFile, StateWriter } from './persist.js';
import { RateLimiter } from './rate-limiter.js';
import { registerCdn } from './routes/cdn.js';
import { registerControl } from './routes/control.js';
import { EVENT_API_MAX_BYTES, registerEventApi, type DroppedEvent } from './routes/event-api.js';
import { odpNotFound, registerOdp } from './routes/odp.js';
import { registerRest } from './routes/rest.js';
import { authenticate, notFound, rateLimit, RestError, sendRestError } from './routes/rest-common.js';
import { demoSeed, loadSeedFile, parseSeed } from './seed.js';
import { SandboxState, stateFromSeed } from './state.js';
import type { RateLimitRule, RateLimits, SandboxSeed } from './types.js';

export interface SandboxOptions {
  /** A seed object, or a path to a seed JSON file. Default: the demo project (demo.ts). */
  seed?: SandboxSeed | string;
  /** Persist the state to this JSON file and reload it at start. */
  stateFile?: string;
  /** Injectable time source (rate limits, Last-Modified, timestamps). Fault delays use real time. */
  clock?: { now(): number };
  /** Override the REST rate limits. Defaults: fx 2/s + 120/min, web 100/min. */
  rateLimits?: { fx?: RateLimitRule; web?: RateLimitRule };
  /** Log one line per request (the CLI turns this on). Default false. */
  logger?: boolean;
  /** How many requests `received()` keeps (default 20000). */
  maxRecordedRequests?: number;
  /** Debounce of --state writes in ms (default 200). */
  persistDebounceMs?: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { fx: { perSecond: 2, perMinute: 120 }, web: { perMinute: 100 } };

/** Larger than any API's own limit, so each API can answer an oversized body itself. */
const SERVER_BODY_LIMIT = 16 * 1024 * 1024;

export interface SandboxApp {
  app: FastifyInstance;
  controller: SandboxController;
  /** Write any pending state now (called by close()). */
  flush(): void;
  /** Set the public base URL (used for the datafile's ODP host) once the server listens. */
  setBaseUrl(url: string): void;
}

export function buildSandboxApp(opts: SandboxOptions = {}): SandboxApp {
  const clock = opts.clock ?? { now: () => Date.now() };
  const now = (): number => clock.now();
  let seed: SandboxSeed = typeof opts.seed === 'string' ? loadSeedFile(opts.seed) : opts.seed ? parseSeed(opts.seed) : demoSeed();
  let writer: StateWriter | undefined;
  const loaded = opts.stateFile ? readStateFile(opts.stateFile) : undefined;
  const state = new SandboxState(loaded ?? stateFromSeed(seed, now()), now, () => writer?.schedule());
  if (opts.stateFile) {
    writer = new StateWriter(opts.stateFile, () => state.data, opts.persistDebounceMs ?? 200);
    if (!loaded) writer.schedule();
  }
  const rateLimits: RateLimits = { fx: opts.rateLimits?.fx ?? DEFAULT_RATE_LIMITS.fx, web: opts.rateLimits?.web ?? DEFAULT_RATE_LIMITS.web };
  const ctx: SandboxContext = {
    state,
    limiter: new RateLimiter(now),
    faults: new FaultInjector(),
    recorder: new Recorder(opts.maxRecordedRequests),
    now,
    rateLimits,
    reset: () => state.replace(stateFromSeed(seed, now())),
    reseed: (s) => {
      seed = parseSeed(s);
      state.replace(stateFromSeed(seed, now()));
    },
  };
  const dropped: DroppedEvent[] = [];
  let baseUrl = 'http://127.0.0.1:4010';
  const controller = new SandboxController(ctx, dropped, () => baseUrl);

  const app = Fastify({ logger: false, bodyLimit: SERVER_BODY_LIMIT, forceCloseConnections: true });
  const log = (line: string): void => {
    if (opts.logger) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const meta = new WeakMap<FastifyRequest, Classified & { fault?: string; recorded?: boolean }>();
  const metaOf = (req: FastifyRequest): Classified & { fault?: string; recorded?: boolean } => {
    let m = meta.get(req);
    if (!m) meta.set(req, (m = classify(req.url.split('?')[0]!, req.headers.host)));
    return m;
  };
  const record = (req: FastifyRequest, status: number, extra: { cut?: boolean } = {}): void => {
    const m = metaOf(req);
    if (m.api === 'control' || m.recorded) return;
    m.recorded = true;
    const raw = rawBody(req);
    ctx.recorder.record({
      at: new Date(now()).toISOString(),
      api: m.api,
      region: m.region,
      method: req.method,
      path: req.url.split('?')[0]!,
      query: queryOf(req),
      headers: maskHeaders(req.headers),
      body: recordedBody(req),
      bytes: raw?.length ?? 0,
      status,
      fault: m.fault,
      ...extra,
    });
  };

  app.addHook('onRequest', async (req) => {
    metaOf(req);
  });

  app.addHook('preHandler', async (req, reply) => {
    const m = metaOf(req);
    const f = ctx.faults.match(m.api, req.method, req.url.split('?')[0]!);
    if (!f) return;
    m.fault = f.id;
    if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
    if (f.cut) {
      record(req, 0, { cut: true });
      reply.hijack();
      req.raw.socket.destroy();
      return reply;
    }
    if (f.status === undefined) return;
    if (f.retryAfter !== undefined) reply.header('retry-after', String(f.retryAfter));
    for (const [k, v] of Object.entries(f.headers ?? {})) reply.header(k, v);
    reply.code(f.status);
    if (f.body !== undefined) return reply.send(f.body);
    return reply.send(defaultErrorBody(m, f.status, now()));
  });

  app.addHook('onResponse', async (req, reply) => {
    record(req, reply.statusCode);
    if (opts.logger) {
      const m = metaOf(req);
      if (m.api !== 'control') log(`${m.api}${m.region && m.region !== 'US' ? `(${m.region})` : ''} ${req.method} ${req.url.split('?')[0]} → ${reply.statusCode}${m.fault ? ` [fault ${m.fault}]` : ''}`);
    }
  });

  app.setNotFoundHandler((req, reply) => {
    const m = metaOf(req);
    if (m.api === 'rest') {
      // Authenticated and counted like any REST request, then the documented 404 envelope.
      try {
        authenticate(ctx, req);
        rateLimit(ctx, req, reply, undefined);
        throw notFound();
      } catch (err) {
        if (err instanceof RestError) return sendRestError(reply, err);
        throw err;
      }
    }
    if (m.api === 'odp') return odpNotFound(reply, new Date(now()).toISOString(), `No route for ${req.method} ${req.url.split('?')[0]}`);
    if (m.api === 'cdn') return reply.code(403).type('application/xml').send('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>\n');
    return reply.code(404).send({ error: `no sandbox route ${req.method} ${req.url.split('?')[0]}; see GET /_sandbox` });
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const m = metaOf(req);
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status === 413) {
      const limit = m.api === 'eventApi' ? EVENT_API_MAX_BYTES : SERVER_BODY_LIMIT;
      const message = `The request body exceeds the ${m.api === 'eventApi' ? '3.5 MB' : '16 MiB'} limit (${limit} bytes)`;
      return sendShaped(reply, m, 413, message, now());
    }
    if (status >= 500) process.stderr.write(`sandbox: ${req.method} ${req.url.split('?')[0]} failed: ${err.stack ?? err.message}\n`);
    return sendShaped(reply, m, status, status >= 500 ? 'Internal sandbox error' : err.message, now());
  });

  registerCdn(app, ctx);
  registerEventApi(app, ctx, dropped);
  registerRest(app, ctx);
  for (const prefix of ['', '/us1', '/eu1', '/au1']) registerOdp(app, ctx, prefix);
  registerControl(app, controller);

  return {
    app,
    controller,
    flush: () => writer?.flush(),
    setBaseUrl: (url) => {
      baseUrl = url;
    },
  };
}

function defaultErrorBody(m: Classified, status: number, nowMs: number): unknown {
  const message = status === 429 ? 'Too many requests' : `Injected fault: HTTP ${status}`;
  return shapedBody(m, status, message, nowMs);
}

function shapedBody(m: Classified, status: number, message: string, nowMs: number): unknown {
  if (m.api === 'rest') return { code: status === 429 ? 'too_many_requests' : status >= 500 ? 'server_error' : 'bad_request', message, uuid: randomUUID() };
  if (m.api === 'odp') return status === 403 ? { message: 'Forbidden' } : { title: titleOf(status), status, timestamp: new Date(nowMs).toISOString(), detail: { message } };
  return { message };
}

function sendShaped(reply: FastifyReply, m: Classified, status: number, message: string, nowMs: number): FastifyReply {
  return reply.code(status).send(shapedBody(m, status, message, nowMs));
}

function titleOf(status: number): string {
  const titles: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 413: 'Payload Too Large', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
  return titles[status] ?? 'Error';
}
