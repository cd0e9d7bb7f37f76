/**
 * The Tracking API, a drop-in for Segment's (segment-ecosystem.md §1; docs/tracking-api.md):
 * POST /v1/{track,identify,page,screen,group,alias,batch,import} and the browser short forms /v1/{t,i,p,s,g,a,b}.
 * Auth by HTTP Basic (write key as user name) or `writeKey` in the body. JSON whatever the Content-Type,
 * gzip/deflate bodies, CORS open to any origin on these routes only. Bodies are never logged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import type { EventType } from '../core/event.js';
import { OptirelayError, RequestError } from '../core/errors.js';
import type { Ingest, IngestResult } from '../pipeline/ingest.js';
import type { SourceConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import { MAX_EVENT_BYTES } from '../pipeline/ingest/limits.js';
import { bodySize, readTrackingBody } from './body.js';
import { errorBody, fastifyErrorCode, sendError } from './errors.js';

export interface TrackingRoutesOptions {
  sources: SourceConfig[];
  ingest: Ingest;
  logger: Logger;
}

const SINGLE: [string, EventType][] = [
  ['track', 'track'], ['identify', 'identify'], ['page', 'page'], ['screen', 'screen'], ['group', 'group'], ['alias', 'alias'],
  ['t', 'track'], ['i', 'identify'], ['p', 'page'], ['s', 'screen'], ['g', 'group'], ['a', 'alias'],
];
const BATCH = ['batch', 'import', 'b'];

const SUCCESS = '{"success":true}';
const INVALID_KEY_MESSAGE =
  'missing or unknown write key: send it as the HTTP Basic user name (Authorization: Basic base64("<writeKey>:")) or as "writeKey" in the body';

declare module 'fastify' {
  interface FastifyRequest {
    /** The source the request's write key belongs to (set by the Basic auth hook, or from the body). */
    sourceId?: string;
  }
}

/** Returns the write key in an `Authorization: Basic` header (`key:` or the legacy no-colon form), else undefined. */
export function basicWriteKey(header: string | undefined): string | undefined {
  if (!header || header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

export async function trackingRoutes(app: FastifyInstance, opts: TrackingRoutesOptions): Promise<void> {
  const sourceByKey = new Map<string, string>();
  for (const s of opts.sources) sourceByKey.set(s.writeKey, s.id);
  const { ingest, logger } = opts;

  await app.register(cors, {
    origin: '*',
    methods: ['POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'X-Retry-Count'],
    maxAge: 86_400,
    strictPreflight: false,
  });

  // JSON whatever the Content-Type: one catch-all parser that also decompresses and enforces the request limit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req: FastifyRequest, payload, done) => {
    readTrackingBody(payload, req.headers).then((body) => done(null, body), (err: Error) => done(err, undefined));
  });

  // Basic auth is checked before the body is read, so an unknown key costs nothing.
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'POST') return;
    const key = basicWriteKey(req.headers.authorization);
    if (key === undefined) return;
    const sourceId = sourceByKey.get(key);
    if (sourceId === undefined) return sendError(reply, 401, 'invalid_write_key', INVALID_KEY_MESSAGE);
    req.sourceId = sourceId;
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof OptirelayError) {
      return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.details));
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'tracking request failed');
    return reply.code(status).send(errorBody(fastifyErrorCode(err), status >= 500 ? 'internal error; the request was not stored — retry' : err.message));
  });

  /**
   * Everything up to the store call, synchronously: returns the pending ingest, or the reply when the request was
   * refused. Kept apart from the handler so nothing that references the parsed body lives across the commit wait.
   */
  const begin = (req: FastifyRequest, reply: FastifyReply, impliedType: EventType | undefined): { pending: Promise<IngestResult>; sourceId: string } | FastifyReply => {
    const body = req.body as Record<string, unknown> | undefined;
    if (body === undefined) return sendError(reply, 400, 'invalid_request', 'request body is empty; send a JSON object');
    let sourceId = req.sourceId;
    if (sourceId === undefined) {
      const key = body.writeKey;
      sourceId = typeof key === 'string' ? sourceByKey.get(key) : undefined;
      if (sourceId === undefined) return sendError(reply, 401, 'invalid_write_key', INVALID_KEY_MESSAGE);
    }
    let messages: unknown[];
    let envelope = {};
    // Message sizes as sent, so ingest need not re-serialise each one for the 32 KB check.
    const size = bodySize(body);
    let sizes: readonly number[] | 'fit' | undefined = size && size.bytes <= MAX_EVENT_BYTES ? 'fit' : undefined;
    if (impliedType) {
      messages = [body];
      if (size && !sizes) sizes = [size.bytes];
    } else {
      const batch = body.batch;
      if (!Array.isArray(batch)) {
        return sendError(reply, 400, 'invalid_request', 'the body must be {"batch":[…messages]}: "batch" (an array) is missing', { field: 'batch' });
      }
      messages = batch;
      envelope = { sentAt: body.sentAt, context: body.context, integrations: body.integrations };
      sizes ??= size?.batchSizes;
    }
    return { pending: ingest.accept(sourceId, messages, envelope, { impliedType, sizes }), sourceId };
  };

  const handle = (impliedType: EventType | undefined) => async (req: FastifyRequest, reply: FastifyReply) => {
    const started = begin(req, reply, impliedType);
    if (!('pending' in started)) return started;
    // The store has serialised the events; dropping the parsed body lets it be collected young during the commit
    // wait (held, it was promoted to the old generation: the server's peak RSS under load, BENCHMARKS.md).
    req.body = undefined;
    let result: IngestResult;
    try {
      result = await started.pending;
    } catch (e) {
      if (e instanceof RequestError) throw e;
      logger.error({ err: e, sourceId: started.sourceId }, 'store write failed; answering 503 so the client retries');
      return sendError(reply, 503, 'store_unavailable', 'the events could not be stored durably; nothing was acknowledged — retry later');
    }
    if (result.rejected.length === 0) return reply.type('application/json; charset=utf-8').send(SUCCESS);
    return reply.send({ success: true, rejected: result.rejected });
  };

  for (const [path, type] of SINGLE) app.post(`/${path}`, handle(type));
  for (const path of BATCH) app.post(`/${path}`, handle(undefined));
}
