/**
 * Sliding-window rate limiter for the REST API, per bucket (token + project kind). A request at time t is
 * admitted when fewer than `limit` accepted requests lie in the window (t - W, t]; so a client pacing exactly at
 * the limit (2/s: one request every 500 ms) always passes, and no window of W ever holds more than `limit`.
 * Rejected requests do not count. It keeps the figures a test needs to prove no limit was exceeded.
 */
import type { RateBucketStats, RateLimitRule } from './types.js';

const SECOND = 1000;
const MINUTE = 60_000;
const KEEP_TIMESTAMPS = 10_000;

export interface RateDecision {
  allowed: boolean;
  /** Values for the X-RateLimit-* headers. */
  limit: number;
  remaining: number;
  resetUnixSeconds: number;
  /** Seconds to wait, set when rejected. */
  retryAfterSeconds?: number;
}

interface Bucket {
  limits: RateLimitRule;
  recent: number[]; // accepted timestamps within the last minute, ascending
  acceptedAt: number[]; // last KEEP_TIMESTAMPS accepted timestamps
  accepted: number;
  rejected: number;
  maxPerSecond: number;
  maxPerMinute: number;
}

function countSince(ts: number[], after: number): number {
  let n = 0;
  for (let i = ts.length - 1; i >= 0 && ts[i]! > after; i--) n++;
  return n;
}

export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number) {}

  check(name: string, limits: RateLimitRule): RateDecision {
    const t = this.now();
    let b = this.buckets.get(name);
    if (!b) {
      b = { limits, recent: [], acceptedAt: [], accepted: 0, rejected: 0, maxPerSecond: 0, maxPerMinute: 0 };
      this.buckets.set(name, b);
    }
    b.limits = limits;
    while (b.recent.length && b.recent[0]! <= t - MINUTE) b.recent.shift();
    const inSecond = countSince(b.recent, t - SECOND);
    const inMinute = b.recent.length;
    let waitMs = 0;
    if (limits.perSecond !== undefined && inSecond >= limits.perSecond) {
      const windowStart = b.recent.length - inSecond;
      waitMs = Math.max(waitMs, b.recent[windowStart + (inSecond - limits.perSecond)]! + SECOND - t);
    }
    if (limits.perMinute !== undefined && inMinute >= limits.perMinute) {
      waitMs = Math.max(waitMs, b.recent[inMinute - limits.perMinute]! + MINUTE - t);
    }
    const headerLimit = limits.perMinute ?? limits.perSecond ?? 0;
    const headerWindow = limits.perMinute !== undefined ? MINUTE : SECOND;
    const inHeaderWindow = limits.perMinute !== undefined ? inMinute : inSecond;
    if (waitMs > 0) {
      b.rejected++;
      const oldest = b.recent[b.recent.length - inHeaderWindow];
      return {
        allowed: false,
        limit: headerLimit,
        remaining: Math.max(0, headerLimit - inHeaderWindow),
        resetUnixSeconds: Math.ceil(((oldest ?? t) + headerWindow) / 1000),
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      };
    }
    b.recent.push(t);
    b.acceptedAt.push(t);
    if (b.acceptedAt.length > KEEP_TIMESTAMPS) b.acceptedAt.shift();
    b.accepted++;
    b.maxPerSecond = Math.max(b.maxPerSecond, inSecond + 1);
    b.maxPerMinute = Math.max(b.maxPerMinute, inMinute + 1);
    const oldest = b.recent[b.recent.length - (inHeaderWindow + 1)];
    return {
      allowed: true,
      limit: headerLimit,
      remaining: Math.max(0, headerLimit - (inHeaderWindow + 1)),
      resetUnixSeconds: Math.ceil(((oldest ?? t) + headerWindow) / 1000),
    };
  }

  stats(): RateBucketStats[] {
    return [...this.buckets.entries()].map(([bucket, b]) => ({
      bucket,
      limits: b.limits,
      accepted: b.accepted,
      rejected: b.rejected,
      maxPerSecondObserved: b.maxPerSecond,
      maxPerMinuteObserved: b.maxPerMinute,
      acceptedAt: [...b.acceptedAt],
    }));
  }

  reset(): void {
    this.buckets.clear();
  }
}
