/**
 * Tracking API body reading: whatever the Content-Type (browsers send text/plain), gzip / deflate / br
 * Content-Encoding, and the 500 KB request limit measured on the DECOMPRESSED body (segment-ecosystem.md §1.6).
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { RequestError } from '../core/errors.js';
import { MAX_EVENT_BYTES, MAX_REQUEST_BYTES } from '../pipeline/ingest/limits.js';
import { batchElementSizes } from '../pipeline/ingest/event-sizes.js';

/** What the body reader learnt about a parsed body's size (read by the route handler). */
export interface BodySize {
  /** Decompressed bytes. */
  bytes: number;
  /** Bytes of each `batch` element as sent; only computed when the body is over the per-event limit. */
  batchSizes?: number[];
}

const sizes = new WeakMap<object, BodySize>();

export function bodySize(body: object): BodySize | undefined {
  return sizes.get(body);
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

/** Compressed bodies get a little head-room (incompressible data grows slightly under gzip). */
const MAX_ENCODED_BYTES = MAX_REQUEST_BYTES + 64 * 1024;

export function tooLarge(bytes?: number): RequestError {
  const got = bytes === undefined ? 'more' : `${bytes} bytes`;
  return new RequestError('request_too_large', `request body is ${got}; the limit is 500 KB (${MAX_REQUEST_BYTES} bytes) per request after decompression — send smaller batches`, 413, { limit: MAX_REQUEST_BYTES });
}

function readStream(stream: Readable, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (err: Error | null, buf?: Buffer): void => {
      if (done) return;
      done = true;
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      if (err) {
        stream.resume(); // drain the rest so the connection stays usable
        reject(err);
      } else resolve(buf as Buffer);
    };
    const onData = (c: Buffer): void => {
      total += c.length;
      if (total > max) finish(tooLarge());
      else chunks.push(c);
    };
    const onEnd = (): void => finish(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    const onError = (e: Error): void => finish(new RequestError('invalid_request', `could not read the request body: ${e.message}`, 400));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

async function decode(buf: Buffer, encoding: string): Promise<Buffer> {
  const opts = { maxOutputLength: MAX_REQUEST_BYTES };
  try {
    switch (encoding) {
      case 'gzip':
      case 'x-gzip':
        return await gunzip(buf, opts);
      case 'deflate':
        try {
          return await inflate(buf, opts);
        } catch (e) {
          if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw e;
          return await inflateRaw(buf, opts); // some clients send raw deflate
        }
      case 'br':
        return await brotli(buf, opts);
      default:
        throw new RequestError('unsupported_encoding', `Content-Encoding "${encoding}" is not supported; use gzip, deflate, br or none`, 415);
    }
  } catch (e) {
    if (e instanceof RequestError) throw e;
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new RequestError('invalid_request', `the body could not be decompressed as ${encoding}: ${(e as Error).message}`, 400);
  }
}

/** Reads, decompresses and parses a Tracking API body. Anything but a JSON object is refused whole. */
export async function readTrackingBody(stream: Readable, headers: Record<string, string | string[] | undefined>): Promise<Record<string, unknown>> {
  const rawEncoding = headers['content-encoding'];
  const encoding = (Array.isArray(rawEncoding) ? rawEncoding[0] : rawEncoding)?.trim().toLowerCase() || 'identity';
  const encoded = encoding !== 'identity';
  const max = encoded ? MAX_ENCODED_BYTES : MAX_REQUEST_BYTES;
  const declared = Number(headers['content-length']);
  if (declared > max) {
    stream.resume();
    throw tooLarge(encoded ? undefined : declared);
  }
  let buf = await readStream(stream, max);
  if (encoded) buf = await decode(buf, encoding);
  if (buf.length === 0) throw new RequestError('invalid_request', 'request body is empty; send a JSON object', 400);
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new RequestError('invalid_json', `malformed JSON: ${(e as Error).message}`, 400);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RequestError('invalid_request', 'the body must be a JSON object (a message, or {"batch":[…]} for /v1/batch)', 400);
  }
  const body = parsed as Record<string, unknown>;
  const info: BodySize = { bytes: buf.length };
  if (buf.length > MAX_EVENT_BYTES && Array.isArray(body.batch)) {
    const batchSizes = batchElementSizes(buf);
    if (batchSizes && batchSizes.length === body.batch.length) info.batchSizes = batchSizes;
  }
  sizes.set(body, info);
  return body;
}
