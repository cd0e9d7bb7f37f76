/**
 * The SQLite store in a worker thread (`openStore(url, { thread: 'worker' })`, what `optirelay serve` uses).
 *
 * better-sqlite3 is synchronous: in-thread, every statement and the WAL fsync of every commit (synchronous=FULL)
 * block the HTTP event loop. Measured with bench/ingest (BENCHMARKS.md): in-thread the server was CPU-busy only
 * ~40 % of the wall time, the rest blocked on commits. Here the real SqliteStore (and its group committer) lives in a
 * worker (store-worker.ts) and this proxy forwards each Store method as one message (name + structured-cloneable
 * arguments), so the main thread parses and validates the next requests while the worker commits the previous group,
 * and the requests that arrive during a commit form the next group. Durability is unchanged: appendEvents resolves
 * only when the worker's commit (fsync included) is done.
 *
 * Generic on purpose: the worker reports every method of SqliteStore at start and the proxy forwards them all, so
 * methods added to SqliteStore later (privacy, syncs, maintenance, …) work here without a change. Special cases:
 * - appendEvents: the events are serialised on this thread (prepareAppend) and sent as flat strings; cloning 100
 *   parsed events costs more than cloning their JSON, and the parsed objects can be collected while the commit runs;
 * - methods returning an AsyncIterable (STREAM_METHODS) are pulled in chunks;
 * - there is no `db` handle: code that needs the raw connection (tests, backup) opens the store in-thread
 *   (`thread: 'main'`, the default of openStore) or its own connection.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { reapplyHeapTuning, beforeWorkerStart } from '../../core/heap-tuning.js';
import type { AppendInput, AppendResult } from '../types.js';
import { prepareAppend } from './append-events.js';
import type { SqliteStore } from './sqlite-store.js';
import { fromWireError, STREAM_METHODS, type FromWorker, type ToWorker, type WireError, type WorkerOpenOptions } from './worker-protocol.js';

/** A request without its id (distributes over the union). */
type Request = Extract<ToWorker, { id: number }> extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

type MethodsOf<T> = { [K in keyof T as T[K] extends (...a: never[]) => unknown ? K : never]: T[K] };

/** What openStore returns in worker mode: every method of SqliteStore, plus kind/file, without the raw `db`. */
export type WorkerSqliteStore = MethodsOf<SqliteStore> & { readonly kind: 'sqlite'; readonly file: string; readonly thread: 'worker' };

export interface WorkerStoreOptions extends Omit<WorkerOpenOptions, 'file'> {
  logger?: Logger;
}

interface Waiter {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

class Proxy {
  readonly kind = 'sqlite' as const;
  readonly thread = 'worker' as const;
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly file: string,
    private readonly worker: Worker,
    private readonly logger: Logger | undefined,
  ) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) => worker.once('exit', (code) => {
      this.fail(new Error(`the SQLite store worker thread exited (code ${code})`));
      resolve();
    }));
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'result') {
      const w = this.take(m.id);
      if (m.ok) w?.resolve(m.v);
      else w?.reject(fromWireError(m.e));
    } else if (m.t === 'items') {
      this.take(m.id)?.resolve(m);
    } else if (m.t === 'log') {
      const obj = m.obj as { err?: WireError; wireErr?: boolean };
      if (obj && obj.wireErr && obj.err) {
        const { wireErr: _w, ...rest } = obj;
        this.logger?.[m.level]({ ...rest, err: fromWireError(obj.err) }, m.msg);
      } else this.logger?.[m.level](m.obj, m.msg);
    }
  }

  private take(id: number): Waiter | undefined {
    const w = this.waiters.get(id);
    this.waiters.delete(id);
    if (this.waiters.size === 0) this.worker.unref(); // an idle store does not keep the process alive
    return w;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
  }

  send(msg: Request): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      if (this.waiters.size === 0) this.worker.ref();
      this.waiters.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id } as ToWorker);
    });
  }

  call(m: string, a: unknown[]): Promise<unknown> {
    if (this.closing && m !== 'close') return Promise.reject(new Error('store is closed'));
    return this.send({ t: 'call', m, a });
  }

  appendEvents(input: AppendInput): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new Error('store is closed'));
    let prepared;
    try {
      prepared = prepareAppend(input);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.send({ t: 'call', m: 'appendPrepared', a: [prepared] }) as Promise<AppendResult>;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.failure) await this.send({ t: 'call', m: 'close', a: [] });
      // The worker closes its port after close() and its thread ends on its own; keep the process alive until then
      // (an unref'd worker would let the event loop empty and the process exit before close() resolves).
      this.worker.ref();
      await this.exited;
    })();
    return this.closing;
  }

  stream(m: string, a: unknown[]): AsyncIterable<unknown> {
    return {
      [Symbol.asyncIterator]: () => {
        let s: number | undefined;
        let buffered: unknown[] = [];
        let done = false;
        return {
          next: async (): Promise<IteratorResult<unknown>> => {
            if (this.closing) throw new Error('store is closed');
            s ??= (await this.send({ t: 'open-stream', m, a })) as number;
            while (buffered.length === 0 && !done) {
              const r = (await this.send({ t: 'pull', s })) as { v: unknown[]; done: boolean };
              buffered = r.v;
              done = r.done;
            }
            if (buffered.length > 0) return { value: buffered.shift(), done: false };
            return { value: undefined, done: true };
          },
          return: async (): Promise<IteratorResult<unknown>> => {
            if (s !== undefined && !done && !this.failure) this.worker.postMessage({ t: 'close-stream', s } satisfies ToWorker);
            done = true;
            buffered = [];
            return { value: undefined, done: true };
          },
        };
      },
    };
  }
}

/**
 * The entry module next to this one: compiled JS in production. Under tests and `tsx` this module is TypeScript, and
 * Node 20 does not apply `--import tsx` given in a worker's execArgv before its entry, so a one-line bootstrap
 * registers tsx's loader (resolved from this package, whatever the cwd) and then imports the .ts entry.
 */
function workerEntry(): { entry: URL | string; evaluated: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./store-worker.js', import.meta.url), evaluated: false };
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
  const ts = new URL('./store-worker.ts', import.meta.url).href;
  return { entry: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`, evaluated: true };
}

/** Start the worker, open the file there, and return the proxy once the store is open (not yet migrated). */
export async function openWorkerStore(file: string, opts: WorkerStoreOptions = {}): Promise<WorkerSqliteStore> {
  const { logger, ...rest } = opts;
  const { entry, evaluated } = workerEntry();
  // SQLite page cache 16 MiB in the worker (SqliteStore's default is 32 MiB): `serve` is the long-running process
  // whose RSS is a target (ingest ≤ 200 MB, 1M-delivery drain ≤ 300 MB). See the trade-off measured in BENCHMARKS.md
  // ("Store in a worker thread", third round); `cacheKiB` still overrides.
  const workerData: WorkerOpenOptions = { ...rest, cacheKiB: rest.cacheKiB ?? 16 * 1024, file };
  const resourceLimits = beforeWorkerStart();
  const worker = new Worker(entry, { workerData, eval: evaluated, name: 'optirelay-sqlite-store', ...(resourceLimits ? { resourceLimits } : {}) });
  const methods = await new Promise<string[]>((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`the SQLite store worker thread exited during start (code ${code})`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (m: FromWorker) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (m.t === 'ready') resolve(m.methods);
      else if (m.t === 'open-failed') reject(fromWireError(m.error));
      else reject(new Error(`unexpected first message from the store worker: ${m.t}`));
    });
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  reapplyHeapTuning(); // starting the thread reset the process's V8 flags (core/heap-tuning.ts)
  const proxy = new Proxy(file, worker, logger);
  worker.unref();
  const target = proxy as unknown as Record<string, unknown>; // methods are attached by name below
  for (const m of methods) {
    if (m === 'appendEvents' || m === 'close') continue; // defined on Proxy
    target[m] = STREAM_METHODS.has(m) ? (...a: unknown[]) => proxy.stream(m, a) : (...a: unknown[]) => proxy.call(m, a);
  }
  return proxy as unknown as WorkerSqliteStore;
}
