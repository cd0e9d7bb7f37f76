/**
 * The retry policy: what a failed attempt means for its delivery (retry later, or dead) and when to try again.
 *
 * Classification (reference/anchors.md §1.2, §5.6; segment-ecosystem.md §4.4):
 * - 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported), 408, 429, timeouts and connection
 *   errors → retry; any other 4xx → dead at once. (Segment also retries 423; we do not: a locked resource at
 *   Optimizely is not something waiting fixes.)
 * - By error class: RateLimitedError → retry at its retryAfterMs; RetryableError → retry with backoff;
 *   PermanentError / PayloadValidationError → dead. Anything else thrown (a bug, an unexpected shape) retries:
 *   the attempt budget ends it, and a transient cause is not lost.
 *
 * Backoff is exponential with FULL jitter: `random(0, min(cap, base · 2^(n-1)))` (n = failed attempts so far),
 * never below a server-sent Retry-After / X-RateLimit-Reset.
 *
 * Budgets: a delivery goes to dead when it has failed `maxAttempts` times, or when it is older than `maxAgeMs`
 * at a failure. 429s do NOT count toward `maxAttempts` — being told to slow down is not a failure of the event —
 * but they have their own budget (`maxRateLimitedAttempts`, default 5 × maxAttempts) so a destination that
 * answers 429 forever cannot keep a delivery alive forever (rudder retries 429 without end; anchors §5.6).
 * Both are also bounded by maxAgeMs.
 */
import { PermanentError, RateLimitedError, RetryableError } from '../core/errors.js';
import { parseRetryAfterMs, type HeaderBag } from '../optimizely/retry-after.js';

/** A 429 without Retry-After pauses the lane at least this long. */
export const MIN_RATE_LIMIT_PAUSE_MS = 1000;

export interface RetryPolicyConfig {
  maxAttempts: number;
  maxAgeMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Separate budget for 429 answers. Default 5 × maxAttempts. */
  maxRateLimitedAttempts?: number;
}

export type FailureKind = 'retry' | 'rate_limited' | 'dead';

/** One failed attempt, classified. */
export interface Failure {
  kind: FailureKind;
  error: string;
  statusCode?: number;
  /** Server-requested wait (Retry-After / X-RateLimit-Reset / RateLimitedError). */
  retryAfterMs?: number;
}

export type RetryDecision =
  | { status: 'retry_wait'; nextAttemptAt: number; delayMs: number }
  | { status: 'dead'; error: string };

/** Whether an HTTP status is worth retrying. 2xx/3xx are not failures and return 'ok'. */
export function classifyStatus(status: number): 'ok' | 'retry' | 'rate_limited' | 'dead' {
  if (status < 400) return 'ok';
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'retry';
  if (status >= 500) return status === 501 || status === 505 ? 'dead' : 'retry';
  return 'dead';
}

/**
 * The wait a response asks for, in ms from `now`: `Retry-After` (delta-seconds or an HTTP-date), else
 * `X-RateLimit-Reset` (epoch seconds, or delta-seconds when small). Clamped to [0, 1 h]. Undefined when neither
 * header is usable. Destinations import it from src/optimizely/retry-after.ts (a layer below this one); it is
 * re-exported here so the whole retry story reads in one place.
 */
export function parseRetryAfter(headers: HeaderBag | undefined, now: number): number | undefined {
  return headers ? parseRetryAfterMs(headers, now) : undefined;
}

/** Full-jitter exponential backoff for the n-th failure (n ≥ 1). */
export function backoffDelay(failures: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 52)));
  return Math.floor(random() * exp);
}

/** Classify anything a destination threw. */
export function classifyError(err: unknown): Failure {
  if (err instanceof RateLimitedError) {
    // A 503 with Retry-After may arrive as a RateLimitedError too: keep its real status.
    return { kind: 'rate_limited', error: err.message, statusCode: statusOf(err) ?? 429, retryAfterMs: err.retryAfterMs > 0 ? err.retryAfterMs : undefined };
  }
  if (err instanceof RetryableError) {
    const ra = (err.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    return { kind: 'retry', error: err.message, statusCode: statusOf(err), retryAfterMs: typeof ra === 'number' ? ra : undefined };
  }
  if (err instanceof PermanentError) return { kind: 'dead', error: err.message, statusCode: statusOf(err) };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'retry', error: `${e.name}: ${e.message}` };
}

/** Only real HTTP statuses are recorded as the delivery's lastStatusCode; the error classes' defaults are not. */
function statusOf(err: RetryableError | PermanentError): number | undefined {
  const d = err.details as { statusCode?: unknown; status?: unknown } | undefined;
  if (typeof d?.statusCode === 'number') return d.statusCode;
  if (typeof d?.status === 'number') return d.status;
  return err.code === 'OR_HTTP_TRANSPORT' || err.code === 'OR_PAYLOAD_INVALID' ? undefined : err.statusCode;
}

/** Classify an ItemOutcome-style retry with a status into retry vs rate_limited. */
export function failureFromOutcome(o: { error: string; statusCode?: number; retryAfterMs?: number }, dead: boolean): Failure {
  if (dead) return { kind: 'dead', error: o.error, statusCode: o.statusCode };
  const kind: FailureKind = o.statusCode === 429 ? 'rate_limited' : 'retry';
  return { kind, error: o.error, statusCode: o.statusCode, retryAfterMs: o.retryAfterMs };
}

export interface AttemptHistory {
  /** Attempts already recorded on the delivery (before this one). */
  attempts: number;
  /** Of those, how many were answered 429. */
  rateLimitedAttempts: number;
  createdAt: number;
}

/**
 * Decide the fate of a delivery after a failed attempt. `history` is the state BEFORE this attempt; this
 * attempt is counted here.
 */
export function decide(
  failure: Failure,
  history: AttemptHistory,
  policy: RetryPolicyConfig,
  now: number,
  random: () => number = Math.random,
): RetryDecision {
  if (failure.kind === 'dead') return { status: 'dead', error: failure.error };
  const rateLimited = history.rateLimitedAttempts + (failure.kind === 'rate_limited' ? 1 : 0);
  const failures = Math.max(0, history.attempts + 1 - rateLimited);
  const maxRl = policy.maxRateLimitedAttempts ?? policy.maxAttempts * 5;
  const age = now - history.createdAt;
  if (age >= policy.maxAgeMs) {
    return { status: 'dead', error: `gave up: older than maxAge ${fmtMs(policy.maxAgeMs)} (age ${fmtMs(age)}) after ${history.attempts + 1} attempt(s); last error: ${failure.error}` };
  }
  if (failure.kind === 'retry' && failures >= policy.maxAttempts) {
    return { status: 'dead', error: `gave up: maxAttempts ${policy.maxAttempts} reached; last error: ${failure.error}` };
  }
  if (failure.kind === 'rate_limited' && rateLimited >= maxRl) {
    return { status: 'dead', error: `gave up: rate limited (429) ${rateLimited} times (budget ${maxRl}); last error: ${failure.error}` };
  }
  let delayMs: number;
  if (failure.kind === 'rate_limited') {
    delayMs = failure.retryAfterMs ?? Math.max(MIN_RATE_LIMIT_PAUSE_MS, backoffDelay(rateLimited, policy.backoffBaseMs, policy.backoffMaxMs, random));
  } else {
    delayMs = Math.max(backoffDelay(failures, policy.backoffBaseMs, policy.backoffMaxMs, random), failure.retryAfterMs ?? 0);
  }
  return { status: 'retry_wait', nextAttemptAt: now + delayMs, delayMs };
}

export function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${+(ms / 3_600_000).toFixed(1)}h`;
}
