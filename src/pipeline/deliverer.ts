/**
 * The deliverer: runs one Lane loop per (destination, action) and a scheduler that wakes idle lanes when work is
 * ready (after an ingest commit via `wake()`, when a retry falls due via `nextDueAt`, or on a slow safety poll),
 * returns expired leases to pending (crash recovery), and dead-letters deliveries whose destination or action no
 * longer exists. Memory is bounded: a lane holds at most `concurrency` batches (lane.ts).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../core/clock.js';
import type { OptirelayConfig } from '../config/types.js';
import type { DeliveryOutcome, Store } from '../store/types.js';
import { hasLimiterState } from '../store/limiter-types.js';
import type { DestinationRuntimes } from '../destinations/runtime.js';
import { Lane, type PayloadResolver } from './lane.js';
import { metrics as defaultMetrics, type Metrics } from './metrics.js';
import { RateLimiter } from './rate-limiter.js';
import { Waker, sleep } from './sleep.js';

export type { PayloadResolver, ResolveResult } from './lane.js';

export interface DelivererOptions {
  store: Store;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the router's CompiledMapping type is opaque to the deliverer.
  router: PayloadResolver<any>;
  destinations: DestinationRuntimes;
  config: OptirelayConfig;
  logger: Logger;
  clock?: Clock;
  metrics?: Metrics;
  /** Lease owner id; default `<hostname>:<pid>:<random>`. */
  owner?: string;
  /** Shared limiter (default: one over the store's limiter state if it has one, else in memory). */
  limiter?: RateLimiter;
  /** Jitter source (tests pass a fixed one). */
  random?: () => number;
  /** Scheduler idle poll: starts at pollMinMs after activity and doubles up to pollMaxMs. Defaults 50ms / 1s. */
  pollMinMs?: number;
  pollMaxMs?: number;
}

export interface DrainOptions {
  /** Also wait for retry_wait deliveries to be delivered or dead (not just for nothing to be ready). */
  settled?: boolean;
  /** Give up (throw) after this long. Default 30s. */
  timeoutMs?: number;
}

/** Minimum gap between two scheduler scans, so a stream of wake() calls costs at most ~1 scan per gap. */
const SCAN_GAP_MS = 10;

export class Deliverer {
  readonly owner: string;
  readonly limiter: RateLimiter;
  private readonly clock: Clock;
  private readonly metrics: Metrics;
  private readonly lanes = new Map<string, Lane>();
  private readonly scheduler = new Waker();
  private abort = new AbortController();
  private running = false;
  private schedulerDone: Promise<void> | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private unregister: (() => void) | undefined;
  private readonly log: Logger;
  private readonly warnedOrphans = new Set<string>();

  constructor(private readonly opts: DelivererOptions) {
    this.clock = opts.clock ?? systemClock;
    this.metrics = opts.metrics ?? defaultMetrics;
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.limiter =
      opts.limiter ?? new RateLimiter({ clock: this.clock, state: hasLimiterState(opts.store) ? opts.store.limiterState() : undefined });
    this.log = opts.logger.child({ component: 'deliverer' });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    const released = await this.opts.store.releaseExpiredLeases(this.clock.now());
    if (released) this.log.info({ released }, 'returned deliveries with expired leases to pending');
    for (const s of this.opts.destinations.lanes()) this.ensureLane(s.lane);
    const leaseMs = this.opts.config.delivery.leaseMs;
    this.reaper = setInterval(() => void this.reap(), Math.max(1000, Math.floor(leaseMs / 2)));
    this.reaper.unref();
    this.unregister = this.metrics.setLimiterStatsSource(async () => {
      const now = this.clock.now();
      const out: { lane: string; factor: number; paused: boolean }[] = [];
      for (const key of this.lanes.keys()) {
        const s = await this.limiter.snapshot(key);
        out.push({ lane: key, factor: s.factor, paused: s.pausedUntil > now });
      }
      return out;
    });
    this.schedulerDone = this.schedule().catch((err: unknown) => this.log.error({ err }, 'scheduler crashed'));
  }

  /**
   * Stop: in-flight batches finish and record their outcomes; claimed-but-unsent deliveries go back to pending.
   * Destination runtimes are not stopped here (their owner, the App, does that).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    this.scheduler.wake();
    if (this.reaper) clearInterval(this.reaper);
    this.unregister?.();
    await this.schedulerDone;
    await Promise.all([...this.lanes.values()].map((l) => l.stopped()));
    this.lanes.clear();
  }

  /**
   * New work may be ready (ingest calls this after a commit). With lane keys, those lanes are woken directly;
   * without, the scheduler looks (coalesced: at most one store scan per ~10 ms however often this is called).
   */
  wake(lanes?: string[]): void {
    if (!this.running) return;
    if (lanes) {
      for (const key of lanes) {
        const lane = this.ensureLane(key);
        if (lane) {
          lane.busy = true;
          lane.wake();
        } else this.scheduler.wake();
      }
      return;
    }
    this.scheduler.wake();
  }

  /**
   * For tests: resolve when nothing of ours is ready or in flight (with `settled`, also nothing waiting to retry).
   * A lane waiting for its rate limiter (paused by a 429) counts as quiet.
   */
  async drain(opts: DrainOptions = {}): Promise<void> {
    const deadline = performance.now() + (opts.timeoutMs ?? 30_000);
    let quietRounds = 0;
    for (;;) {
      if (performance.now() > deadline) throw new Error(`drain: deliveries still outstanding after ${opts.timeoutMs ?? 30_000}ms`);
      const now = this.clock.now();
      const ours = new Set(this.lanes.keys());
      const limited = new Set([...this.lanes.values()].filter((l) => l.limited).map((l) => l.key));
      let outstanding = [...this.lanes.values()].some((l) => !l.quiet);
      if (!outstanding) {
        // Work of a lane paused by its limiter is not "ready" for drain's purpose: it waits for time to pass.
        const ready = (await this.opts.store.readyLanes(now)).filter((l) => ours.has(l) && !limited.has(l));
        outstanding = ready.length > 0;
        if (!outstanding) {
          const stats = (await this.opts.store.laneStats(now)).filter((s) => ours.has(s.lane));
          outstanding = stats.some((s) => s.inFlight > 0 || (opts.settled === true && (s.pending > 0 || s.retryWait > 0)));
        }
      }
      if (outstanding) {
        quietRounds = 0;
        this.scheduler.wake();
      } else if (++quietRounds >= 2) {
        return;
      }
      await sleep(10);
    }
  }

  /** The lane objects (for stats and tests). */
  laneList(): Lane[] {
    return [...this.lanes.values()];
  }

  private ensureLane(key: string): Lane | undefined {
    let lane = this.lanes.get(key);
    if (lane) return lane;
    const settings = this.opts.destinations.lane(key);
    if (!settings || !this.running) return undefined;
    lane = new Lane(settings, {
      store: this.opts.store,
      router: this.opts.router,
      destinations: this.opts.destinations,
      limiter: this.limiter,
      metrics: this.metrics,
      clock: this.clock,
      logger: this.opts.logger,
      owner: this.owner,
      random: this.opts.random ?? Math.random,
      signal: this.abort.signal,
    });
    this.lanes.set(key, lane);
    lane.start();
    return lane;
  }

  private async reap(): Promise<void> {
    try {
      const n = await this.opts.store.releaseExpiredLeases(this.clock.now());
      if (n > 0) {
        this.log.warn({ released: n }, 'returned deliveries with expired leases to pending (a worker stopped or stalled)');
        this.scheduler.wake();
      }
    } catch (err) {
      this.log.warn({ err }, 'releasing expired leases failed');
    }
  }

  private async schedule(): Promise<void> {
    const min = this.opts.pollMinMs ?? 50;
    const max = this.opts.pollMaxMs ?? 1000;
    let backoff = min;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let woke = 0;
      let sleepMs = backoff;
      try {
        this.scheduler.clear();
        const now = this.clock.now();
        const ready = await this.opts.store.readyLanes(now);
        for (const key of ready) {
          const lane = this.ensureLane(key);
          if (lane) {
            if (!lane.busy) {
              lane.busy = true;
              lane.wake();
              woke++;
            }
          } else {
            await this.orphan(key);
          }
        }
        const due = await this.opts.store.nextDueAt();
        backoff = woke > 0 ? min : Math.min(max, backoff * 2);
        sleepMs = due !== undefined && due > now ? Math.min(max, due - now) : backoff;
      } catch (err) {
        this.log.error({ err }, 'scheduler scan failed');
        backoff = Math.min(max, backoff * 2);
        sleepMs = backoff;
      }
      await sleep(SCAN_GAP_MS, signal);
      await this.scheduler.wait(Math.max(0, sleepMs - SCAN_GAP_MS), signal);
    }
  }

  /** Ready deliveries of a lane we don't run: dead-letter them when their destination or action is gone. */
  private async orphan(key: string): Promise<void> {
    const [destinationId, action] = splitLane(key);
    const dest = this.opts.config.destinations.find((d) => d.id === destinationId);
    let reason: string | undefined;
    if (!dest) reason = `destination "${destinationId}" no longer exists in the config`;
    else if (dest.enabled === false) return; // disabled: its deliveries wait until it is enabled again
    else if (this.opts.destinations.get(destinationId)) reason = `action "${action}" is not an action of destination "${destinationId}" (type ${dest.type})`;
    if (!reason) {
      if (!this.warnedOrphans.has(key)) {
        this.warnedOrphans.add(key);
        this.log.warn({ lane: key }, 'deliveries are waiting for a destination whose runtime is not running');
      }
      return;
    }
    const now = this.clock.now();
    const claimed = await this.opts.store.claimDeliveries({ lane: key, limit: 500, owner: this.owner, leaseMs: this.opts.config.delivery.leaseMs, now });
    if (claimed.length === 0) return;
    const outcomes: DeliveryOutcome[] = claimed.map((d) => ({
      id: d.id,
      owner: this.owner,
      status: 'dead',
      error: reason,
      countsAsAttempt: false,
      attempt: { startedAt: now, durationMs: 0, error: reason },
    }));
    await this.opts.store.completeDeliveries(outcomes, now);
    this.metrics.dead.inc({ destination: destinationId, action }, claimed.length);
    this.log.warn({ lane: key, count: claimed.length, reason }, 'dead-lettered deliveries of a lane that no longer exists');
    this.scheduler.wake();
  }
}

function splitLane(lane: string): [string, string] {
  const i = lane.lastIndexOf(':');
  return i < 0 ? [lane, ''] : [lane.slice(0, i), lane.slice(i + 1)];
}
