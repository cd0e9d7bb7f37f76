/**
 * Every REST request of a sync goes through the gate: it waits for our rate limiter (GCRA, paced below the limit
 * the project kind allows), then sends. A 429 pauses the limiter until Retry-After / X-RateLimit-Reset (and AIMD
 * slows it), then the request is tried again with exponential backoff; 5xx, 408 and transport errors are retried
 * with backoff too. Anything else (4xx) is thrown at once for the caller to classify.
 */
import { PermanentError, RateLimitedError, RetryableError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { RateLimitConfig } from '../config/types.js';
import { RateLimiter } from '../pipeline/rate-limiter.js';
import { backoffDelay } from '../pipeline/retry-policy.js';
import { sleep } from '../pipeline/sleep.js';

export interface RequestGateOptions {
  clock: Clock;
  key: string;
  rate: RateLimitConfig;
  /** Shared limiter (several syncs writing into one destination share its budget). */
  limiter?: RateLimiter;
  /** Attempts for 5xx / transport errors. Default 5. */
  maxAttempts?: number;
  /** Attempts for 429s (they do not count toward maxAttempts). Default 20. */
  maxRateLimited?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  signal?: AbortSignal;
  /** Called once per request actually sent. */
  onRequest?: () => void;
  /** Exact sliding windows over answer times (settings.limitWindows). */
  windows?: { limit: number; windowMs: number }[];
}

/** At most `limit` requests per `windowMs`, counted from when each was answered (a ring of answer times). */
class AnswerWindow {
  private readonly ring: number[] = [];
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}
  /** ms to wait before the next request may leave. */
  wait(now: number): number {
    if (this.ring.length < this.limit) return 0;
    return Math.max(0, this.ring[0]! + this.windowMs - now + 1);
  }
  answered(at: number): void {
    this.ring.push(at);
    if (this.ring.length > this.limit) this.ring.shift();
  }
}

export class RetriesExhaustedError extends RetryableError {
  constructor(message: string) {
    super(message, 'OR_SYNC_RETRIES_EXHAUSTED', 503);
  }
}

export class AbortedError extends Error {
  constructor() {
    super('the run was cancelled');
  }
}

export class RequestGate {
  readonly limiter: RateLimiter;
  readonly stats = { requests: 0, rateLimited: 0, retried: 0 };

  private readonly windows: AnswerWindow[];

  constructor(private readonly opts: RequestGateOptions) {
    this.limiter = opts.limiter ?? new RateLimiter({ clock: opts.clock });
    this.limiter.configure(opts.key, opts.rate);
    this.windows = (opts.windows ?? []).map((w) => new AnswerWindow(w.limit, w.windowMs));
  }

  private async send<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      const wait = Math.max(0, ...this.windows.map((w) => w.wait(this.opts.clock.now())));
      if (wait <= 0) break;
      await sleep(wait, this.opts.signal);
      if (this.opts.signal?.aborted) throw new AbortedError();
    }
    try {
      return await fn();
    } finally {
      const at = this.opts.clock.now();
      for (const w of this.windows) w.answered(at);
    }
  }

  async call<T>(fn: () => Promise<T>): Promise<T> {
    const o = this.opts;
    const base = o.backoffBaseMs ?? 1000;
    const cap = o.backoffMaxMs ?? 30_000;
    let failures = 0;
    let limited = 0;
    for (;;) {
      if (o.signal?.aborted) throw new AbortedError();
      await this.limiter.acquire(o.key, 1, o.signal);
      if (o.signal?.aborted) throw new AbortedError();
      this.stats.requests++;
      o.onRequest?.();
      try {
        return await this.send(fn);
      } catch (err) {
        if (err instanceof RateLimitedError) {
          this.stats.rateLimited++;
          if (++limited > (o.maxRateLimited ?? 20)) throw new RetriesExhaustedError(`still rate limited after ${limited - 1} retries: ${err.message}`);
          const wait = Math.max(err.retryAfterMs, backoffDelay(limited, base, cap));
          await this.limiter.throttled(o.key, o.clock.now() + wait);
          continue;
        }
        if (err instanceof PermanentError) throw err;
        if (err instanceof RetryableError || !(err instanceof Error) || !('statusCode' in err)) {
          if (++failures >= (o.maxAttempts ?? 5)) throw new RetriesExhaustedError(`gave up after ${failures} attempts: ${(err as Error).message}`);
          this.stats.retried++;
          const hinted = err instanceof RetryableError && typeof err.details?.['retryAfterMs'] === 'number' ? (err.details['retryAfterMs'] as number) : 0;
          await sleep(Math.max(hinted, backoffDelay(failures, base, cap)), o.signal);
          continue;
        }
        throw err;
      }
    }
  }
}
