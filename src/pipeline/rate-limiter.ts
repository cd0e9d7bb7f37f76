/**
 * Per-lane rate limiter: GCRA (one theoretical arrival time per key; reference/anchors.md §2.5), an optional second
 * GCRA for a per-minute cap, a pause on 429 until Retry-After, and AIMD: each 429 takes 30 % off the lane's rate
 * (floor 5 %), each clean window (no 429 for `windowMs`) adds back 10 % of the configured rate.
 *
 * GCRA for rate r/s and burst b: T = 1000/r ms, τ = b·T. A request may go at t ≥ TAT − τ; it then sets
 * TAT = max(TAT, t) + T. So b + 1 requests can go at once, then one per T. The per-minute GCRA uses τ = 0:
 * at most perMinute + 1 requests in any rolling minute (configure one less for a strict cap).
 *
 * State sits behind LimiterState (store/limiter-types.ts) so PostgreSQL can share it across processes.
 */
import type { RateLimitConfig } from '../config/types.js';
import type { Clock } from '../core/clock.js';
import type { LimiterSlot, LimiterState } from '../store/limiter-types.js';
import { sleep } from './sleep.js';

export const AIMD_DECREASE = 0.3;
export const AIMD_INCREASE = 0.1;
export const AIMD_FLOOR = 0.05;

export class MemoryLimiterState implements LimiterState {
  private readonly slots = new Map<string, LimiterSlot>();
  async update<T>(key: string, fn: (slot: LimiterSlot | undefined) => { slot: LimiterSlot; result: T }): Promise<T> {
    const { slot, result } = fn(this.slots.get(key));
    this.slots.set(key, slot);
    return result;
  }
  async get(key: string): Promise<LimiterSlot | undefined> {
    return this.slots.get(key);
  }
}

export interface RateLimiterOptions {
  clock: Clock;
  state?: LimiterState;
  /** Length of a clean window for the AIMD increase. Default 10s. */
  windowMs?: number;
}

export interface LimiterSnapshot {
  key: string;
  rate?: RateLimitConfig;
  /** Effective per-second rate after AIMD (undefined when unlimited). */
  effectivePerSecond?: number;
  factor: number;
  pausedUntil: number;
}

function fresh(now: number): LimiterSlot {
  return { tat: 0, tatMinute: 0, pausedUntil: 0, factor: 1, factorChangedAt: now };
}

export class RateLimiter {
  private readonly clock: Clock;
  readonly state: LimiterState;
  private readonly windowMs: number;
  private readonly limits = new Map<string, RateLimitConfig | undefined>();

  constructor(opts: RateLimiterOptions) {
    this.clock = opts.clock;
    this.state = opts.state ?? new MemoryLimiterState();
    this.windowMs = opts.windowMs ?? 10_000;
  }

  /** Declare (or change) a key's limit; undefined = unlimited (pauses still apply). */
  configure(key: string, rate: RateLimitConfig | undefined): void {
    if (rate && !(rate.perSecond > 0)) throw new Error(`rate limit for ${key}: perSecond must be > 0 (got ${rate.perSecond})`);
    this.limits.set(key, rate);
  }

  /** Recover the AIMD factor for clean windows elapsed since the last change. */
  private recover(slot: LimiterSlot, now: number): void {
    if (slot.factor >= 1) return;
    const windows = Math.floor((now - slot.factorChangedAt) / this.windowMs);
    if (windows <= 0) return;
    slot.factor = Math.min(1, slot.factor + windows * AIMD_INCREASE);
    slot.factorChangedAt += windows * this.windowMs;
  }

  private plan(key: string, slot: LimiterSlot, now: number, n: number): { at: number; tat: number; tatMinute: number } {
    const rate = this.limits.get(key);
    let at = Math.max(now, slot.pausedUntil);
    if (!rate) return { at, tat: slot.tat, tatMinute: slot.tatMinute };
    const T = 1000 / (rate.perSecond * slot.factor);
    const tau = Math.max(0, rate.burst) * T;
    at = Math.max(at, slot.tat - tau);
    let Tm = 0;
    if (rate.perMinute && rate.perMinute > 0) {
      Tm = 60_000 / (rate.perMinute * slot.factor);
      at = Math.max(at, slot.tatMinute);
    }
    return {
      at,
      tat: Math.max(slot.tat, at) + n * T,
      tatMinute: Tm ? Math.max(slot.tatMinute, at) + n * Tm : slot.tatMinute,
    };
  }

  /** How long until `key` may send, without reserving. */
  async peek(key: string): Promise<number> {
    const now = this.clock.now();
    const slot = await this.state.get(key);
    if (!slot) return 0;
    const copy = { ...slot };
    this.recover(copy, now);
    return this.plan(key, copy, now, 1).at - now;
  }

  /** Reserve `n` requests; returns the wait in ms before they may be sent (0 = now). */
  async reserve(key: string, n = 1): Promise<number> {
    const now = this.clock.now();
    return this.state.update(key, (s) => {
      const slot = s ? { ...s } : fresh(now);
      this.recover(slot, now);
      const p = this.plan(key, slot, now, n);
      slot.tat = p.tat;
      slot.tatMinute = p.tatMinute;
      return { slot, result: Math.max(0, p.at - now) };
    });
  }

  /** Reserve and wait. Resolves early (without error) if `signal` aborts. */
  async acquire(key: string, n = 1, signal?: AbortSignal): Promise<void> {
    const wait = await this.reserve(key, n);
    if (wait > 0) await sleep(wait, signal);
  }

  /** Pause `key` until `untilMs` (never shortens an existing pause). */
  async pause(key: string, untilMs: number): Promise<void> {
    const now = this.clock.now();
    await this.state.update(key, (s) => {
      const slot = s ? { ...s } : fresh(now);
      slot.pausedUntil = Math.max(slot.pausedUntil, untilMs);
      return { slot, result: undefined };
    });
  }

  /** A 429: pause until `untilMs` and take 30 % off the lane's rate. */
  async throttled(key: string, untilMs: number): Promise<void> {
    const now = this.clock.now();
    await this.state.update(key, (s) => {
      const slot = s ? { ...s } : fresh(now);
      this.recover(slot, now);
      slot.pausedUntil = Math.max(slot.pausedUntil, untilMs);
      slot.factor = Math.max(AIMD_FLOOR, slot.factor * (1 - AIMD_DECREASE));
      slot.factorChangedAt = now;
      return { slot, result: undefined };
    });
  }

  async snapshot(key: string): Promise<LimiterSnapshot> {
    const now = this.clock.now();
    const s = (await this.state.get(key)) ?? fresh(now);
    const slot = { ...s };
    this.recover(slot, now);
    const rate = this.limits.get(key);
    return { key, rate, effectivePerSecond: rate ? rate.perSecond * slot.factor : undefined, factor: slot.factor, pausedUntil: slot.pausedUntil };
  }
}
