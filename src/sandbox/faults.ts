/**
 * Fault injection: queued faults for the next N matching requests, plus a seeded random failure ratio for soak
 * tests. The control API (/_sandbox) is never faulted.
 */
import type { Fault, FaultSpec, RandomFaultSpec, SandboxApi } from './types.js';

export class FaultSpecError extends Error {}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APIS = new Set(['cdn', 'eventApi', 'rest', 'odp']);

function checkSpec(spec: FaultSpec): void {
  if (!spec || typeof spec !== 'object') throw new FaultSpecError('fault must be an object');
  if (spec.api !== undefined && !APIS.has(spec.api)) throw new FaultSpecError(`fault.api must be one of cdn, eventApi, rest, odp (got ${JSON.stringify(spec.api)})`);
  if (spec.pathPrefix !== undefined && (typeof spec.pathPrefix !== 'string' || !spec.pathPrefix.startsWith('/'))) throw new FaultSpecError('fault.pathPrefix must be a path starting with "/"');
  if (spec.count !== undefined && (!Number.isInteger(spec.count) || spec.count < 1)) throw new FaultSpecError('fault.count must be a positive integer');
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) throw new FaultSpecError('fault.status must be an HTTP status (100-599)');
  if (spec.retryAfter !== undefined && (typeof spec.retryAfter !== 'number' || spec.retryAfter < 0)) throw new FaultSpecError('fault.retryAfter must be a number of seconds ≥ 0');
  if (spec.delayMs !== undefined && (typeof spec.delayMs !== 'number' || spec.delayMs < 0 || spec.delayMs > 120_000)) throw new FaultSpecError('fault.delayMs must be 0..120000');
  if (spec.status === undefined && !spec.cut && spec.delayMs === undefined) throw new FaultSpecError('a fault needs status, cut or delayMs');
}

/** What a matched fault does to one request: the answer-shaping part of its spec. */
export type FaultAction = { id: string } & Pick<FaultSpec, 'status' | 'retryAfter' | 'body' | 'headers' | 'delayMs' | 'cut'>;

export class FaultInjector {
  private queue: Fault[] = [];
  private seq = 0;
  private randomSpec?: RandomFaultSpec;
  private rng: () => number = Math.random;
  randomHits = 0;

  add(spec: FaultSpec): Fault {
    checkSpec(spec);
    const count = spec.count ?? 1;
    const fault: Fault = { ...spec, id: `f${++this.seq}`, remaining: count, hits: 0 };
    this.queue.push(fault);
    return fault;
  }

  list(): { faults: Fault[]; random?: RandomFaultSpec & { hits: number } } {
    return { faults: this.queue.map((f) => ({ ...f })), random: this.randomSpec ? { ...this.randomSpec, hits: this.randomHits } : undefined };
  }

  remove(id: string): boolean {
    const before = this.queue.length;
    this.queue = this.queue.filter((f) => f.id !== id);
    return this.queue.length !== before;
  }

  random(spec: RandomFaultSpec | null): void {
    if (spec === null) {
      this.randomSpec = undefined;
      return;
    }
    if (typeof spec.ratio !== 'number' || spec.ratio < 0 || spec.ratio > 1) throw new FaultSpecError('random.ratio must be between 0 and 1');
    if (spec.api !== undefined && !APIS.has(spec.api)) throw new FaultSpecError('random.api must be one of cdn, eventApi, rest, odp');
    this.randomSpec = spec;
    this.randomHits = 0;
    this.rng = mulberry32(spec.seed ?? 1);
  }

  /** Drop every fault (ids restart at f1). */
  clear(): void {
    this.queue = [];
    this.seq = 0;
    this.randomSpec = undefined;
  }

  /** The action for this request, consuming one use of the first matching fault. */
  match(api: SandboxApi | 'unknown', method: string, path: string): FaultAction | undefined {
    if (api === 'control') return undefined;
    const i = this.queue.findIndex(
      (f) => (f.api === undefined || f.api === api) && (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)) && (f.method === undefined || f.method.toUpperCase() === method),
    );
    if (i >= 0) {
      const f = this.queue[i]!;
      f.remaining--;
      f.hits++;
      if (f.remaining <= 0) this.queue.splice(i, 1);
      return { id: f.id, status: f.status, retryAfter: f.retryAfter, body: f.body, headers: f.headers, delayMs: f.delayMs, cut: f.cut };
    }
    const r = this.randomSpec;
    if (r && (r.api === undefined || r.api === api) && this.rng() < r.ratio) {
      this.randomHits++;
      return { id: 'random', status: r.cut ? undefined : (r.status ?? 503), retryAfter: r.retryAfter, cut: r.cut };
    }
    return undefined;
  }
}
