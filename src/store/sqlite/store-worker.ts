/**
 * Worker-thread entry of the SQLite store (see worker-store.ts): owns the one connection and the group committer, so
 * SQLite's CPU time and the WAL fsync of every commit (synchronous=FULL) run here instead of on the HTTP event loop.
 * Answers each `call` by invoking the SqliteStore method of that name. While a commit (and its fsync) runs, the
 * appends of new requests queue in this thread's message port and form the next group.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { SqliteStore } from './sqlite-store.js';
import { INTERNAL_METHODS, STREAM_CHUNK, STREAM_METHODS, toWireError, type FromWorker, type ToWorker, type WorkerOpenOptions } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('store-worker.ts runs only as a worker thread (worker-store.ts starts it)');
const post = (m: FromWorker): void => port.postMessage(m);

/** Log records go to the main thread's logger (pino instances are not cloneable). */
function forwardingLogger(): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (obj: unknown, msg?: string) => {
    if (typeof obj === 'string') return post({ t: 'log', level, obj: {}, msg: obj });
    let o = obj;
    if (o instanceof Error) o = { err: toWireError(o), wireErr: true };
    else if (o && typeof o === 'object' && (o as { err?: unknown }).err instanceof Error) {
      o = { ...o, err: toWireError((o as { err: Error }).err), wireErr: true };
    }
    post({ t: 'log', level, obj: o, msg: msg ?? '' });
  };
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger as unknown as Logger; // only the four level methods are used by the store
}

const opts = workerData as WorkerOpenOptions;
let store: SqliteStore;
try {
  store = new SqliteStore(opts.file, { ...opts, logger: forwardingLogger() });
} catch (err) {
  post({ t: 'open-failed', error: toWireError(err) });
  throw err;
}
const target = store as unknown as Record<string, (...a: unknown[]) => unknown>; // methods looked up by name

const methods: string[] = [];
for (const name of Object.getOwnPropertyNames(SqliteStore.prototype)) {
  if (!INTERNAL_METHODS.has(name) && typeof target[name] === 'function') methods.push(name);
}
post({ t: 'ready', methods });

const streams = new Map<number, AsyncIterator<unknown>>();
let nextStream = 1;

port.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'call':
      void call(msg.id, msg.m, msg.a);
      return;
    case 'open-stream':
      try {
        if (!STREAM_METHODS.has(msg.m)) throw new Error(`${msg.m} is not a streamed store method`);
        const it = (target[msg.m]!(...msg.a) as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        const s = nextStream++;
        streams.set(s, it);
        post({ t: 'result', id: msg.id, ok: true, v: s });
      } catch (err) {
        post({ t: 'result', id: msg.id, ok: false, e: toWireError(err) });
      }
      return;
    case 'pull':
      void pull(msg.id, msg.s);
      return;
    case 'close-stream': {
      const it = streams.get(msg.s);
      streams.delete(msg.s);
      void it?.return?.();
      return;
    }
  }
});

async function call(id: number, name: string, args: unknown[]): Promise<void> {
  try {
    const fn = methods.includes(name) ? target[name] : undefined;
    if (!fn) throw new Error(`the SQLite store has no method ${name}`);
    const out = fn.apply(store, args);
    if (out && typeof out === 'object' && Symbol.asyncIterator in out && !(out instanceof Promise)) {
      throw new Error(`SqliteStore.${name} returns an AsyncIterable: add it to STREAM_METHODS in worker-protocol.ts`);
    }
    const v = await out;
    post({ t: 'result', id, ok: true, v });
    if (name === 'close') port!.close();
  } catch (err) {
    post({ t: 'result', id, ok: false, e: toWireError(err) });
  }
}

async function pull(id: number, s: number): Promise<void> {
  const it = streams.get(s);
  const v: unknown[] = [];
  try {
    if (!it) throw new Error('stream already closed');
    for (let i = 0; i < STREAM_CHUNK; i++) {
      const r = await it.next();
      if (r.done) {
        streams.delete(s);
        post({ t: 'items', id, v, done: true });
        return;
      }
      v.push(r.value);
    }
    post({ t: 'items', id, v, done: false });
  } catch (err) {
    streams.delete(s);
    post({ t: 'result', id, ok: false, e: toWireError(err) });
  }
}
