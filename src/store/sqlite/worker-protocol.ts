/**
 * Messages between the main-thread proxy (worker-store.ts) and the worker that owns the SQLite connection
 * (store-worker.ts). Every Store method is one `call` (method name + structured-cloneable arguments) answered by one
 * `result`; methods returning an AsyncIterable are pulled in chunks (`pull` → `items`).
 */
import * as coreErrors from '../../core/errors.js';
import { SchemaTooNewError } from '../schema-errors.js';

/** Options the worker opens its SqliteStore with (SqliteStoreOptions minus the logger, which is forwarded). */
export interface WorkerOpenOptions {
  file: string;
  commitWindowMs?: number;
  walCheckpointBytes?: number;
  walCheckIntervalMs?: number;
  cacheKiB?: number;
}

/**
 * SqliteStore methods that return an AsyncIterable (not a Promise). The proxy pulls them in chunks. A method that
 * returns an AsyncIterable without being listed here fails loudly in the worker ("add it to STREAM_METHODS").
 */
export const STREAM_METHODS: ReadonlySet<string> = new Set(['iterateSnapshot']);

/** Prototype members of SqliteStore that are not Store methods (never forwarded). */
export const INTERNAL_METHODS: ReadonlySet<string> = new Set(['constructor', 'startTimers']);

/** Values pulled per round trip from a streamed method. */
export const STREAM_CHUNK = 16;

export type ToWorker =
  | { t: 'call'; id: number; m: string; a: unknown[] }
  | { t: 'open-stream'; id: number; m: string; a: unknown[] }
  | { t: 'pull'; id: number; s: number }
  | { t: 'close-stream'; s: number };

export type FromWorker =
  | { t: 'ready'; methods: string[] }
  | { t: 'open-failed'; error: WireError }
  | { t: 'result'; id: number; ok: true; v: unknown }
  | { t: 'result'; id: number; ok: false; e: WireError }
  | { t: 'items'; id: number; v: unknown[]; done: boolean }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; obj: unknown; msg: string };

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** Own enumerable properties (code, statusCode, details, field, …) that survive structured clone. */
  props: Record<string, unknown>;
}

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), props: {} };
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    try {
      structuredClone(v);
      props[k] = v;
    } catch {
      props[k] = String(v);
    }
  }
  return { name: err.name, message: err.message, stack: err.stack, props };
}

/** Error classes rebuilt with their prototype, so `instanceof PayloadValidationError` etc. hold on the main thread. */
const CLASSES = new Map<string, { prototype: object }>();
for (const v of Object.values(coreErrors)) if (typeof v === 'function' && v.prototype instanceof Error) CLASSES.set(v.name, v);
CLASSES.set(SchemaTooNewError.name, SchemaTooNewError);
CLASSES.set('TypeError', TypeError);
CLASSES.set('RangeError', RangeError);

export function fromWireError(w: WireError): Error {
  const err = new Error(w.message);
  const cls = CLASSES.get(w.name);
  if (cls) Object.setPrototypeOf(err, cls.prototype);
  Object.defineProperty(err, 'name', { value: w.name, enumerable: false, writable: true, configurable: true });
  Object.assign(err, w.props);
  if (w.stack) err.stack = `${w.stack}\n    at (SQLite store worker thread)`;
  return err;
}
