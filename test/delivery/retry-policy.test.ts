import { describe, expect, it } from 'vitest';
import { PayloadValidationError, PermanentError, RateLimitedError, RetryableError } from '../../src/core/errors.js';
import { backoffDelay, classifyError, classifyStatus, decide, parseRetryAfter, type RetryPolicyConfig } from '../../src/pipeline/retry-policy.js';

const policy: RetryPolicyConfig = { maxAttempts: 10, maxAgeMs: 86_400_000, backoffBaseMs: 1000, backoffMaxMs: 600_000 };
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('classifyStatus', () => {
  it.each([
    [200, 'ok'], [204, 'ok'], [302, 'ok'],
    [500, 'retry'], [502, 'retry'], [503, 'retry'], [504, 'retry'], [599, 'retry'],
    [501, 'dead'], [505, 'dead'],
    [408, 'retry'], [429, 'rate_limited'],
    [400, 'dead'], [401, 'dead'], [403, 'dead'], [404, 'dead'], [413, 'dead'], [422, 'dead'], [423, 'dead'],
  ])('%i → %s', (status, kind) => expect(classifyStatus(status)).toBe(kind));
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => expect(parseRetryAfter({ 'retry-after': '7' }, NOW)).toBe(7000));
  it('reads an HTTP-date', () => expect(parseRetryAfter({ 'retry-after': new Date(NOW + 30_000).toUTCString() }, NOW)).toBe(30_000));
  it('a past date is 0', () => expect(parseRetryAfter({ 'retry-after': new Date(NOW - 30_000).toUTCString() }, NOW)).toBe(0));
  it('reads X-RateLimit-Reset as epoch seconds', () => expect(parseRetryAfter({ 'x-ratelimit-reset': String(NOW / 1000 + 12) }, NOW)).toBe(12_000));
  it('is undefined without usable headers', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
  it('clamps absurd waits to an hour', () => expect(parseRetryAfter({ 'retry-after': '999999' }, NOW)).toBe(3_600_000));
});

describe('backoffDelay (full jitter)', () => {
  it('is random(0, min(cap, base·2^(n-1)))', () => {
    expect(backoffDelay(1, 1000, 600_000, () => 0.999999)).toBe(999);
    expect(backoffDelay(4, 1000, 600_000, () => 0.5)).toBe(4000);
    expect(backoffDelay(30, 1000, 600_000, () => 0.5)).toBe(300_000);
    expect(backoffDelay(3, 1000, 600_000, () => 0)).toBe(0);
  });
});

describe('classifyError', () => {
  it('maps error classes to fates', () => {
    expect(classifyError(new RateLimitedError('slow down', 5000)).kind).toBe('rate_limited');
    expect(classifyError(new RateLimitedError('slow down', 5000)).retryAfterMs).toBe(5000);
    expect(classifyError(new RetryableError('503', 'X', 503)).kind).toBe('retry');
    expect(classifyError(new PermanentError('403', 'X', 403))).toMatchObject({ kind: 'dead', statusCode: 403 });
    expect(classifyError(new PayloadValidationError('bad field', 'revenue')).kind).toBe('dead');
    expect(classifyError(new TypeError('oops')).kind).toBe('retry');
  });
});

describe('decide', () => {
  const fresh = { attempts: 0, rateLimitedAttempts: 0, createdAt: NOW };
  it('retries with backoff and honours Retry-After as a floor', () => {
    const d = decide({ kind: 'retry', error: 'e', retryAfterMs: 60_000 }, fresh, policy, NOW, () => 0.5);
    expect(d).toEqual({ status: 'retry_wait', nextAttemptAt: NOW + 60_000, delayMs: 60_000 });
    const d2 = decide({ kind: 'retry', error: 'e' }, { ...fresh, attempts: 2 }, policy, NOW, () => 0.5);
    expect(d2).toMatchObject({ status: 'retry_wait', delayMs: 2000 });
  });
  it('dead at maxAttempts, naming the limit and the last error', () => {
    const d = decide({ kind: 'retry', error: 'HTTP 503' }, { ...fresh, attempts: 9 }, policy, NOW);
    expect(d.status).toBe('dead');
    expect(d.status === 'dead' && d.error).toMatch(/maxAttempts 10 .*HTTP 503/);
  });
  it('dead when older than maxAge', () => {
    const d = decide({ kind: 'retry', error: 'timeout' }, { ...fresh, createdAt: NOW - 86_400_001 }, policy, NOW);
    expect(d.status === 'dead' && d.error).toMatch(/maxAge 24h .*timeout/);
  });
  it('429s do not spend maxAttempts but have their own budget', () => {
    // 9 attempts so far, 8 of them 429: only 1 real failure.
    const d = decide({ kind: 'rate_limited', error: '429', retryAfterMs: 1000 }, { ...fresh, attempts: 9, rateLimitedAttempts: 8 }, policy, NOW);
    expect(d).toMatchObject({ status: 'retry_wait', nextAttemptAt: NOW + 1000 });
    const d2 = decide({ kind: 'retry', error: '500' }, { ...fresh, attempts: 9, rateLimitedAttempts: 8 }, policy, NOW);
    expect(d2.status).toBe('retry_wait');
    const d3 = decide({ kind: 'rate_limited', error: '429' }, { ...fresh, attempts: 60, rateLimitedAttempts: 49 }, policy, NOW);
    expect(d3.status === 'dead' && d3.error).toMatch(/rate limited \(429\) 50 times/);
  });
  it('a permanent failure is dead at once', () => {
    expect(decide({ kind: 'dead', error: '403 forbidden' }, fresh, policy, NOW)).toEqual({ status: 'dead', error: '403 forbidden' });
  });
});
