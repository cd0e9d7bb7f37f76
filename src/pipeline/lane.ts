/**
 * One lane (`<destinationId>:<action>`): its own loop, batch, limiter key and heartbeat, so a lane that is slow,
 * paused or failing never delays another. The loop:
 *   wait for work → wait until the limiter would let a request through → claim a batch (linger for a fuller one)
 *   → resolve + validate + prepare each item (a bad item fails alone) → split by bytes → for each request:
 *   acquire the limiter, performBatch, map per-item outcomes / thrown errors to DeliveryOutcomes
 *   → completeDeliveries in one transaction.
 * Up to `concurrency` batches of a lane are in flight at once: the next batch is claimed and prepared while the
 * previous one is on the wire (memory stays bounded: concurrency × batchSize deliveries per lane).
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { JsonObject, SegmentEvent } from '../core/event.js';
import { RetryableError } from '../core/errors.js';
import { redactString, redactValue } from '../core/redact.js';
import type { AttemptRecord, ClaimedDelivery, DeliveryOutcome, Store } from '../store/types.js';
import type { BatchItem, BatchResult, Exchange } from '../destinations/kit.js';
import type { DestinationRuntimes, LaneSettings, LiveDestination } from '../destinations/runtime.js';
import { collectBatch, payloadBytes, splitByBytes } from './batcher.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './rate-limiter.js';
import { MIN_RATE_LIMIT_PAUSE_MS, backoffDelay, classifyError, decide, failureFromOutcome, type Failure } from './retry-policy.js';
import { Waker, sleep } from './sleep.js';

export type ResolveResult = { ok: true; payload: Record<string, unknown> } | { ok: false; errors: { field: string; message: string }[] };

/** What the deliverer needs of the router (src/pipeline/router.ts). */
export interface PayloadResolver<M = unknown> {
  getMapping(destinationId: string, mappingId: string): M | undefined;
  resolvePayload(m: M, event: SegmentEvent): ResolveResult;
}

export interface LaneDeps {
  store: Store;
  router: PayloadResolver;
  destinations: DestinationRuntimes;
  limiter: RateLimiter;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  owner: string;
  random: () => number;
  signal: AbortSignal;
}

/** Statuses a whole-batch rejection is worth bisecting for (one bad item may have spoiled the request). */
const BISECT_STATUSES = new Set([400, 413, 422]);
/** Longest limiter wait we sit out while holding claimed deliveries; longer, and they go back to pending. */
const MAX_HOLD_MS = 2000;
/** Keep stored response bodies of failed batch attempts short: every item of the batch stores a copy. */
const MAX_STORED_RESPONSE = 4096;

interface Prepared {
  d: ClaimedDelivery;
  item: BatchItem;
  bytes: number;
}

export class Lane {
  readonly waker = new Waker();
  /** Deliveries claimed and not yet completed (heartbeats extend them; stop() releases the unsent ones). */
  private readonly held = new Map<number, ClaimedDelivery>();
  private loopDone: Promise<void> | undefined;
  /** Batches being sent (at most settings.concurrency). */
  private readonly inflight = new Set<Promise<void>>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** True while the loop is doing something (not parked waiting for work). */
  busy = false;
  /** True while the loop waits for the limiter (paused by a 429 or paced), holding nothing. */
  limited = false;
  /** Batches completed (for tests and stats). */
  batches = 0;
  private readonly log: Logger;

  constructor(
    readonly settings: LaneSettings,
    private readonly deps: LaneDeps,
  ) {
    this.log = deps.logger.child({ lane: settings.lane });
    deps.limiter.configure(settings.lane, settings.rateLimit);
  }

  get key(): string {
    return this.settings.lane;
  }

  get idle(): boolean {
    return !this.busy && this.held.size === 0;
  }

  /** Nothing held and nothing to do right now (idle, or waiting for the limiter). */
  get quiet(): boolean {
    return this.held.size === 0 && (!this.busy || this.limited);
  }

  start(): void {
    if (this.loopDone) return;
    const every = Math.max(200, Math.floor(this.settings.leaseMs / 3));
    this.heartbeat = setInterval(() => void this.extendHeld(), every);
    this.heartbeat.unref();
    this.busy = true; // look for work once at start
    this.loopDone = this.loop().catch((err: unknown) => this.log.error({ err }, 'lane loop crashed'));
  }

  /** Resolves when the loop has finished its in-flight batches and released unsent claims. */
  async stopped(): Promise<void> {
    this.waker.wake();
    await this.loopDone;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.releaseHeld();
  }

  wake(): void {
    this.waker.wake();
  }

  private get aborted(): boolean {
    return this.deps.signal.aborted;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.aborted) {
      if (!this.busy) {
        await this.waker.wait(Number.POSITIVE_INFINITY, this.deps.signal);
        if (this.aborted) break;
        this.busy = true;
      }
      try {
        // Pick work up only when a request could go out (rudder's lesson): a paused lane holds no claims.
        const wait = await this.deps.limiter.peek(this.key);
        if (wait > 0) {
          // A wake() (e.g. an operator's retry) re-checks early; the limiter decides again.
          this.limited = true;
          await this.waker.wait(wait, this.deps.signal);
          this.limited = false;
          continue;
        }
        this.waker.clear();
        const batch = await collectBatch({
          batchSize: this.settings.batchSize,
          lingerMs: this.settings.lingerMs,
          claim: (limit) =>
            this.deps.store.claimDeliveries({ lane: this.key, limit, owner: this.deps.owner, leaseMs: this.settings.leaseMs, now: this.deps.clock.now() }),
          waker: this.waker,
          signal: this.deps.signal,
          onClaim: (ds) => ds.forEach((d) => this.held.set(d.id, d)),
        });
        if (batch.length === 0) {
          // Nothing more to claim: let an in-flight batch finish before looking again, else park.
          if (this.inflight.size > 0) await Promise.race(this.inflight);
          else this.busy = false;
          continue;
        }
        if (this.aborted) break; // stopped() releases them
        failures = 0;
        // Pipelining: claim the next batch while this one is on the wire (at most `concurrency` per lane).
        const p: Promise<void> = this.process(batch)
          .then(
            () => {
              this.batches++;
            },
            (err: unknown) => this.log.error({ err: redactError(err) }, 'batch failed; its leases will expire and it is retried'),
          )
          .finally(() => this.inflight.delete(p));
        this.inflight.add(p);
        if (this.inflight.size >= this.settings.concurrency) await Promise.race(this.inflight);
      } catch (err) {
        // A store error: back off (leases of what we hold expire and return the work to pending).
        failures++;
        this.log.error({ err: redactError(err) }, 'lane iteration failed');
        await sleep(Math.min(30_000, 100 * 2 ** Math.min(failures, 9)), this.deps.signal);
      }
    }
    await Promise.all(this.inflight);
  }

  private async extendHeld(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.deps.store.extendLeases([...this.held.keys()], this.deps.owner, this.deps.clock.now() + this.settings.leaseMs);
    } catch (err) {
      this.log.warn({ err: redactError(err) }, 'extending leases failed');
    }
  }

  private async releaseHeld(): Promise<void> {
    if (this.held.size === 0) return;
    const outcomes: DeliveryOutcome[] = [...this.held.keys()].map((id) => ({ id, owner: this.deps.owner, status: 'pending', countsAsAttempt: false }));
    this.held.clear();
    try {
      await this.deps.store.completeDeliveries(outcomes, this.deps.clock.now());
    } catch (err) {
      this.log.warn({ err: redactError(err), count: outcomes.length }, 'releasing claims failed; their leases will expire');
    }
  }

  /** Process one claimed batch to completion (every item gets an outcome). */
  async process(batch: ClaimedDelivery[]): Promise<void> {
    const live = this.deps.destinations.get(this.settings.destinationId);
    const outcomes: DeliveryOutcome[] = [];
    const sink = (o: DeliveryOutcome): void => {
      outcomes.push(o);
    };
    if (!live) {
      // The destination went away under us (reload): put the work back.
      for (const d of batch) sink({ id: d.id, owner: this.deps.owner, status: 'pending', countsAsAttempt: false });
    } else {
      const prepared = await this.prepare(live, batch, sink);
      const { chunks, oversize } = splitByBytes(prepared, this.settings.maxBytes, (p) => p.bytes);
      for (const o of oversize) {
        this.fail(o.item.d, { kind: 'dead', error: `payload is ${o.bytes} bytes; ${this.key} accepts at most ${this.settings.maxBytes} bytes per request` }, this.preAttempt(), sink);
      }
      for (const chunk of chunks) await this.send(live, chunk, sink);
    }
    await this.complete(outcomes);
  }

  private preAttempt(error?: string): AttemptRecord {
    return { startedAt: this.deps.clock.now(), durationMs: 0, error };
  }

  private async prepare(live: LiveDestination, batch: ClaimedDelivery[], sink: (o: DeliveryOutcome) => void): Promise<Prepared[]> {
    const { router } = this.deps;
    const action = live.type.actions[this.settings.action];
    const out: Prepared[] = [];
    for (const d of batch) {
      if (!action) {
        this.fail(d, { kind: 'dead', error: `action "${this.settings.action}" is not an action of destination type "${live.type.type}"` }, this.preAttempt(), sink);
        continue;
      }
      const mapping = router.getMapping(this.settings.destinationId, d.mappingId);
      if (mapping === undefined) {
        const error = `mapping "${d.mappingId}" no longer exists in destination "${this.settings.destinationId}"`;
        this.fail(d, { kind: 'dead', error }, this.preAttempt(error), sink);
        continue;
      }
      try {
        const r = router.resolvePayload(mapping, d.event);
        if (!r.ok) {
          const error = `payload invalid: ${r.errors.map((e) => (e.field && !e.message.includes(e.field) ? `${e.field}: ${e.message}` : e.message)).join('; ')}`;
          this.fail(d, { kind: 'dead', error }, this.preAttempt(error), sink);
          continue;
        }
        let payload = r.payload;
        if (action.prepare) payload = await action.prepare(live.ctx, payload, d.event, live.runtime);
        out.push({ d, item: { deliveryId: d.id, payload, event: d.event }, bytes: payloadBytes(payload) });
      } catch (err) {
        const f = classifyError(err);
        this.fail(d, f, this.preAttempt(f.error), sink);
      }
    }
    return out;
  }

  /** Send one request's worth of items; on a whole-request 400/413/422 for several items, bisect to find the bad one. */
  private async send(live: LiveDestination, chunk: Prepared[], sink: (o: DeliveryOutcome) => void): Promise<void> {
    const { limiter, clock, metrics } = this.deps;
    const wait = await limiter.peek(this.key);
    if (wait > MAX_HOLD_MS || this.aborted) {
      // Paused (429) mid-batch: don't sit on leases; the loop picks them up again when the pause ends.
      for (const p of chunk) sink({ id: p.d.id, owner: this.deps.owner, status: 'pending', countsAsAttempt: false });
      return;
    }
    await limiter.acquire(this.key, 1, this.deps.signal);
    const action = live.type.actions[this.settings.action]!;
    const startedAt = clock.now();
    const t0 = performance.now();
    let result: BatchResult | undefined;
    let thrown: unknown;
    try {
      result = await action.performBatch(
        live.ctx,
        chunk.map((p) => p.item),
        live.runtime,
      );
    } catch (err) {
      thrown = err;
    }
    const durationMs = performance.now() - t0;
    const labels = { destination: this.settings.destinationId, action: this.settings.action };

    if (result && result.outcomes.length !== chunk.length) {
      thrown = new RetryableError(`destination returned ${result.outcomes.length} outcomes for ${chunk.length} items`, 'OR_DESTINATION_BUG', 500);
      result = undefined;
    }
    if (thrown !== undefined || !result) {
      const f = classifyError(thrown);
      if (f.kind === 'dead' && chunk.length > 1 && f.statusCode !== undefined && BISECT_STATUSES.has(f.statusCode)) {
        metrics.requestDuration.observe({ ...labels, outcome: 'dead' }, durationMs / 1000);
        const mid = Math.ceil(chunk.length / 2);
        this.log.debug({ size: chunk.length, status: f.statusCode }, 'whole batch rejected; bisecting to isolate the bad item');
        await this.send(live, chunk.slice(0, mid), sink);
        await this.send(live, chunk.slice(mid), sink);
        return;
      }
      metrics.requestDuration.observe({ ...labels, outcome: f.kind === 'dead' ? 'dead' : 'retry' }, durationMs / 1000);
      const ex = (thrown as { exchange?: Exchange } | undefined)?.exchange;
      const exchanges = ex ? [ex] : [];
      for (const p of chunk) this.fail(p.d, f, this.attempt(startedAt, durationMs, p, exchanges, f.statusCode, f.error, chunk.length), sink);
      await this.afterFailures([f]);
      return;
    }

    const failures: Failure[] = [];
    let delivered = 0;
    result.outcomes.forEach((o, i) => {
      const p = chunk[i]!;
      if (o.status === 'delivered') {
        delivered++;
        const flags = mergeFlags(p.d.flags, o.flags);
        sink({
          id: p.d.id,
          owner: this.deps.owner,
          status: 'delivered',
          countsAsAttempt: true,
          flags,
          statusCode: statusOf(result!.exchanges),
          // First-try successes write no attempt row (the delivery row has status, time and HTTP status): one
          // INSERT less per delivered event, ~1.5x drain throughput. After failures the success is logged too.
          attempt: p.d.attempts > 0 ? this.attempt(startedAt, durationMs, p, result!.exchanges, statusOf(result!.exchanges), undefined, chunk.length, true) : undefined,
        });
        metrics.delivered.inc(labels);
      } else {
        const f = failureFromOutcome(o, o.status === 'dead');
        failures.push(f);
        this.fail(p.d, f, this.attempt(startedAt, durationMs, p, result!.exchanges, o.statusCode, o.error, chunk.length), sink);
      }
    });
    const outcome = failures.length === 0 ? 'ok' : delivered === 0 ? (failures.some((f) => f.kind !== 'dead') ? 'retry' : 'dead') : 'partial';
    metrics.requestDuration.observe({ ...labels, outcome }, durationMs / 1000);
    await this.afterFailures(failures);
  }

  /** 429 → pause + AIMD slow-down; any Retry-After → pause the lane until then. */
  private async afterFailures(failures: Failure[]): Promise<void> {
    const now = this.deps.clock.now();
    let pauseMs = 0;
    let throttled = false;
    for (const f of failures) {
      if (f.kind === 'rate_limited') {
        throttled = true;
        pauseMs = Math.max(pauseMs, f.retryAfterMs ?? Math.max(MIN_RATE_LIMIT_PAUSE_MS, backoffDelay(1, this.settings.backoffBaseMs, this.settings.backoffMaxMs, this.deps.random)));
      } else if (f.kind === 'retry' && f.retryAfterMs) {
        pauseMs = Math.max(pauseMs, f.retryAfterMs);
      }
    }
    if (throttled) {
      await this.deps.limiter.throttled(this.key, now + pauseMs);
      this.log.warn({ pauseMs }, 'rate limited (429): lane paused and slowed down');
    } else if (pauseMs > 0) {
      await this.deps.limiter.pause(this.key, now + pauseMs);
    }
  }

  private fail(d: ClaimedDelivery, f: Failure, attempt: AttemptRecord, sink: (o: DeliveryOutcome) => void): void {
    const now = this.deps.clock.now();
    const s = this.settings;
    const prevRl = Math.min(numberFlag(d.flags, 'rateLimitedAttempts'), d.attempts);
    const decision = decide(
      { ...f, error: redactString(f.error) },
      { attempts: d.attempts, rateLimitedAttempts: prevRl, createdAt: d.createdAt },
      { maxAttempts: s.maxAttempts, maxAgeMs: s.maxAgeMs, backoffBaseMs: s.backoffBaseMs, backoffMaxMs: s.backoffMaxMs },
      now,
      this.deps.random,
    );
    const flags = f.kind === 'rate_limited' ? mergeFlags(d.flags, { rateLimitedAttempts: prevRl + 1 }) : (d.flags ?? undefined);
    const labels = { destination: s.destinationId, action: s.action };
    if (decision.status === 'dead') {
      this.deps.metrics.dead.inc(labels);
      sink({ id: d.id, owner: this.deps.owner, status: 'dead', error: decision.error, statusCode: f.statusCode, flags, countsAsAttempt: true, attempt });
    } else {
      this.deps.metrics.retried.inc(labels);
      sink({ id: d.id, owner: this.deps.owner, status: 'retry_wait', nextAttemptAt: decision.nextAttemptAt, error: redactString(f.error), statusCode: f.statusCode, flags, countsAsAttempt: true, attempt });
    }
  }

  /**
   * The attempt record kept in the delivery log. Delivered items keep a summary (method, url, status) — storing
   * every request body for every delivered event would multiply the store's write volume. Failed items keep the
   * request line and headers, THEIR OWN payload as the body, and the response (body clipped), all redacted.
   */
  private attempt(startedAt: number, durationMs: number, p: Prepared, exchanges: Exchange[], statusCode: number | undefined, error: string | undefined, batchSize: number, ok = false): AttemptRecord {
    const rec: AttemptRecord = { startedAt, durationMs: Math.round(durationMs), statusCode, error: error === undefined ? undefined : redactString(error) };
    const ex = exchanges[0];
    if (ok) {
      if (ex) {
        rec.request = { method: ex.request.method, url: ex.request.url, batchSize, requests: exchanges.length };
        if (ex.response) rec.response = { status: ex.response.status };
      }
      return rec;
    }
    rec.request = {
      ...(ex ? { method: ex.request.method, url: ex.request.url, headers: ex.request.headers } : {}),
      body: redactValue(p.item.payload),
      batchSize,
      ...(exchanges.length > 1 ? { requests: exchanges.length } : {}),
    };
    if (ex?.response) rec.response = { status: ex.response.status, headers: ex.response.headers, body: clipBody(ex.response.body) };
    else if (ex?.error) rec.response = { error: ex.error };
    return rec;
  }

  private async complete(outcomes: DeliveryOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    for (let tries = 1; ; tries++) {
      try {
        await this.deps.store.completeDeliveries(outcomes, this.deps.clock.now());
        break;
      } catch (err) {
        if (tries >= 3) {
          // Leases run out and the work is redelivered: at-least-once, never lost.
          this.log.error({ err: redactError(err), count: outcomes.length }, 'recording outcomes failed; the deliveries will be retried when their leases expire');
          break;
        }
        await sleep(50 * tries);
      }
    }
    for (const o of outcomes) this.held.delete(o.id);
  }
}

function statusOf(exchanges: Exchange[]): number | undefined {
  return exchanges.find((e) => e.response)?.response?.status;
}

function numberFlag(flags: JsonObject | null | undefined, key: string): number {
  const v = flags?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function mergeFlags(a: JsonObject | null | undefined, b: JsonObject | undefined): JsonObject | undefined {
  if (!a && !b) return undefined;
  return { ...(a ?? {}), ...(b ?? {}) };
}

function clipBody(body: unknown): unknown {
  if (body === undefined) return undefined;
  const s = typeof body === 'string' ? body : JSON.stringify(body);
  if (s.length <= MAX_STORED_RESPONSE) return body;
  return `${s.slice(0, MAX_STORED_RESPONSE)}… [${s.length - MAX_STORED_RESPONSE} more bytes]`;
}

function redactError(err: unknown): unknown {
  if (err instanceof Error) return { type: err.name, message: redactString(err.message), code: (err as { code?: unknown }).code };
  return err;
}

