import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/pipeline/rate-limiter.js';

function fakeClock(t = 1_000_000): { now(): number; set(v: number): void; t: number } {
  const c = { t, now: () => c.t, set: (v: number) => (c.t = v) };
  return c;
}

describe('RateLimiter (GCRA)', () => {
  it('lets burst+1 through at once, then one per 1/rate', async () => {
    const clock = fakeClock();
    const l = new RateLimiter({ clock });
    l.configure('k', { perSecond: 10, burst: 2 });
    const waits = [];
    for (let i = 0; i < 5; i++) waits.push(await l.reserve('k'));
    expect(waits).toEqual([0, 0, 0, 100, 200]);
  });

  it('recovers as time passes', async () => {
    const clock = fakeClock();
    const l = new RateLimiter({ clock });
    l.configure('k', { perSecond: 2, burst: 0 });
    expect(await l.reserve('k')).toBe(0);
    expect(await l.peek('k')).toBe(500);
    clock.t += 500;
    expect(await l.peek('k')).toBe(0);
    expect(await l.reserve('k')).toBe(0);
  });

  it('applies a per-minute cap as a second GCRA', async () => {
    const clock = fakeClock();
    const l = new RateLimiter({ clock });
    l.configure('k', { perSecond: 100, burst: 10, perMinute: 60 });
    expect(await l.reserve('k')).toBe(0);
    expect(await l.reserve('k')).toBe(1000); // the minute cap paces at 1/s although the second limit would allow more
  });

  it('keys are independent', async () => {
    const clock = fakeClock();
    const l = new RateLimiter({ clock });
    l.configure('a', { perSecond: 1, burst: 0 });
    l.configure('b', { perSecond: 1, burst: 0 });
    await l.reserve('a');
    expect(await l.reserve('b')).toBe(0);
  });

  it('unlimited keys never wait unless paused', async () => {
    const clock = fakeClock();
    const l = new RateLimiter({ clock });
    for (let i = 0; i < 100; i++) expect(await l.reserve('free')).toBe(0);
    await l.pause('free', clock.t + 3000);
    expect(await l.peek('free')).toBe(3000);
  });

  it('a 429 pauses until Retry-After and slows the rate by 30 %, recovering 10 % per clean window', async () => {
    const clock = fakeClock();
    const l = new RateLimiter({ clock, windowMs: 10_000 });
    l.configure('k', { perSecond: 10, burst: 0 });
    await l.throttled('k', clock.t + 5000);
    let s = await l.snapshot('k');
    expect(s.pausedUntil).toBe(clock.t + 5000);
    expect(s.factor).toBeCloseTo(0.7);
    expect(s.effectivePerSecond).toBeCloseTo(7);
    expect(await l.peek('k')).toBe(5000);
    await l.throttled('k', clock.t + 1000); // never shortens the pause
    s = await l.snapshot('k');
    expect(s.pausedUntil).toBe(clock.t + 5000);
    expect(s.factor).toBeCloseTo(0.49);
    clock.t += 10_000;
    expect((await l.snapshot('k')).factor).toBeCloseTo(0.59);
    clock.t += 60_000;
    expect((await l.snapshot('k')).factor).toBe(1);
  });

  it('the slowed rate spaces requests further apart', async () => {
    const clock = fakeClock();
    const l = new RateLimiter({ clock });
    l.configure('k', { perSecond: 10, burst: 0 });
    await l.throttled('k', clock.t);
    expect(await l.reserve('k')).toBe(0);
    expect(await l.reserve('k')).toBeCloseTo(1000 / 7, 5);
  });
});
