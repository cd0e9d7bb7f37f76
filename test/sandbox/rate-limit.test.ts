import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startSandbox, type RateBucketStats, type Sandbox } from '../../src/sandbox/index.js';
import { call, ManualClock, PAT } from './helpers.js';

/** Max accepted requests in any sliding window (t - w, t], computed independently of the sandbox. */
function maxInWindow(ts: number[], w: number): number {
  let max = 0;
  for (let i = 0; i < ts.length; i++) {
    let n = 0;
    for (let j = i; j >= 0 && ts[j]! > ts[i]! - w; j--) n++;
    max = Math.max(max, n);
  }
  return max;
}

describe('sandbox REST rate limits (default: FX 2/s + 120/min, Web 100/min, per token)', () => {
  const clock = new ManualClock();
  let sb: Sandbox;
  const fxGet = () => call(sb.url, 'GET', `/v2/projects/${DEMO.projectId}`, { headers: PAT });
  const webGet = () => call(sb.url, 'GET', `/v2/list_attributes?project_id=${DEMO.webProjectId}`, { headers: PAT });
  const bucket = (name: string): RateBucketStats => sb.rate().find((b) => b.bucket === name)!;
  beforeAll(async () => {
    sb = await startSandbox({ clock });
  });
  beforeEach(() => sb.reset());
  afterAll(() => sb.close());

  it('admits 2 of a burst in the same second and answers 429 with Retry-After and X-RateLimit-*', async () => {
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await fxGet());
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(8);
    const r = limited[0]!;
    expect(r.json).toMatchObject({ code: 'too_many_requests', message: expect.stringMatching(/2\/s and 120\/min/), uuid: expect.any(String) });
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.headers.get('x-ratelimit-limit')).toBe('120');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('118');
    expect(Number(r.headers.get('x-ratelimit-reset'))).toBe(Math.ceil((clock.t + 60_000) / 1000));
    expect(results[0]!.headers.get('x-ratelimit-remaining')).toBe('119');
    clock.advance(1000);
    expect((await fxGet()).status).toBe(200);
    expect(bucket('demo:fx')).toMatchObject({ accepted: 3, rejected: 8, maxPerSecondObserved: 2 });
  });

  it('a client pacing exactly at 2/s is never refused, and no minute holds more than 120', async () => {
    for (let i = 0; i < 150; i++) {
      const r = await fxGet();
      expect(r.status, `request ${i}`).toBe(200);
      clock.advance(500);
    }
    const b = bucket('demo:fx');
    expect(b).toMatchObject({ accepted: 150, rejected: 0, maxPerSecondObserved: 2, maxPerMinuteObserved: 120 });
    expect(maxInWindow(b.acceptedAt, 1000)).toBe(2);
    expect(maxInWindow(b.acceptedAt, 60_000)).toBe(120);
  });

  it('an impatient client (3 tries every 400 ms for 70 s) gets at most 2/s and 120/min', async () => {
    let accepted = 0;
    let refused = 0;
    for (let tick = 0; tick < 175; tick++) {
      for (let k = 0; k < 3; k++) {
        const r = await fxGet();
        if (r.status === 200) accepted++;
        else {
          expect(r.status).toBe(429);
          expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          refused++;
        }
      }
      clock.advance(400);
    }
    const b = bucket('demo:fx');
    expect(b.accepted).toBe(accepted);
    expect(b.rejected).toBe(refused);
    expect(maxInWindow(b.acceptedAt, 1000)).toBeLessThanOrEqual(2);
    expect(maxInWindow(b.acceptedAt, 60_000)).toBeLessThanOrEqual(120);
    expect(b.maxPerSecondObserved).toBeLessThanOrEqual(2);
    expect(b.maxPerMinuteObserved).toBeLessThanOrEqual(120);
    expect(accepted).toBe(118); // 2 per 1.2 s: tries at 0.4 s and 0.8 s still see both in the window
  });

  it('the Web project allows 100/min, counted separately from the FX bucket', async () => {
    let accepted = 0;
    let last;
    for (let i = 0; i < 130; i++) {
      last = await webGet();
      if (last.status === 200) accepted++;
      clock.advance(100);
    }
    expect(accepted).toBe(100);
    expect(last!.status).toBe(429);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('100');
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    // 100 accepted at t0..t0+9.9 s: the first leaves the window at t0+60 s; now is t0+12.9 s.
    expect(Number(last!.headers.get('retry-after'))).toBe(48);
    expect((await fxGet()).status).toBe(200);
    expect(bucket('demo:web')).toMatchObject({ accepted: 100, rejected: 30, maxPerMinuteObserved: 100 });
    clock.advance(48_000);
    expect((await webGet()).status).toBe(200);
  });

  it('limits are configurable per sandbox; /_sandbox/rate exposes the counters', async () => {
    const other = await startSandbox({ clock, rateLimits: { fx: { perSecond: 5 } } });
    try {
      let ok = 0;
      for (let i = 0; i < 8; i++) if ((await call(other.url, 'GET', '/v2/projects', { headers: PAT })).status === 200) ok++;
      expect(ok).toBe(5);
      const r = await call(other.url, 'GET', '/_sandbox/rate');
      expect(r.json).toMatchObject([{ bucket: 'demo:fx', accepted: 5, rejected: 3, maxPerSecondObserved: 5, limits: { perSecond: 5 } }]);
    } finally {
      await other.close();
    }
  });

  it('does not count unauthenticated requests', async () => {
    for (let i = 0; i < 5; i++) expect((await call(sb.url, 'GET', '/v2/projects')).status).toBe(401);
    expect(sb.rate()).toEqual([]);
  });
});
