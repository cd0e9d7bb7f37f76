/** DatafileManager against the sandbox's datafile CDN: caching, 304 refresh, auth, backoff, bad content. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, DEMO, type Sandbox } from '../../src/sandbox/index.js';
import { systemClock } from '../../src/core/clock.js';
import { createHttpClient } from '../../src/optimizely/http.js';
import { DatafileManager, DatafileUnavailableError } from '../../src/optimizely/datafile-manager.js';

let sandbox: Sandbox;
const http = createHttpClient({ timeoutMs: 5_000 });

function manager(url: string, extra: Partial<ConstructorParameters<typeof DatafileManager>[0]> = {}): DatafileManager {
  return new DatafileManager({ url, http, clock: systemClock, autoRefresh: false, ...extra });
}

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
});

describe('DatafileManager', () => {
  it('fetches once for thousands of get() calls, before and after the first datafile arrives', async () => {
    const dm = manager(sandbox.endpoints.datafile(DEMO.sdkKey));
    dm.start();
    const early = await Promise.all(Array.from({ length: 2000 }, () => dm.get()));
    const later = await Promise.all(Array.from({ length: 5000 }, () => dm.get()));
    expect(new Set([...early, ...later]).size).toBe(1);
    expect(later[0]!.projectId).toBe(DEMO.projectId);
    expect(later[0]!.events.get('purchase')?.id).toBe(DEMO.events[0].id);
    expect(later[0]!.attributes.get('plan')).toBe(DEMO.attributes[0].id);
    expect(sandbox.received('cdn')).toHaveLength(1);
    expect(dm.ageMs()).toBeGreaterThanOrEqual(0);
    dm.stop();
  });

  it('refreshes with If-Modified-Since: 304 keeps the datafile, a change replaces it', async () => {
    const dm = manager(sandbox.endpoints.datafile(DEMO.sdkKey));
    const first = await dm.ready();
    await dm.refresh();
    const cdn = sandbox.received('cdn');
    expect(cdn).toHaveLength(2);
    expect(dm.status().lastModified).toBeTruthy();
    expect(cdn[1]!.headers['if-modified-since']).toBe(dm.status().lastModified);
    expect(cdn[1]!.status).toBe(304);
    expect(dm.current()).toBe(first);

    sandbox.updateProject(DEMO.projectId, { botFiltering: true });
    await dm.refresh();
    expect(sandbox.received('cdn')[2]!.status).toBe(200);
    const second = dm.current()!;
    expect(Number(second.revision)).toBeGreaterThan(Number(first.revision));
    expect(second.botFiltering).toBe(true);
    dm.stop();
  });

  it('authenticated datafiles send the datafile access token as a bearer token', async () => {
    const dm = manager(sandbox.endpoints.authDatafile(DEMO.sdkKey), { accessToken: DEMO.datafileToken });
    const config = await dm.ready();
    expect(config.projectId).toBe(DEMO.projectId);
    const [req] = sandbox.received('cdn');
    expect(req!.headers['authorization']).toBe('[redacted]');

    const wrong = manager(sandbox.endpoints.authDatafile(DEMO.sdkKey), { accessToken: 'not-the-token' });
    wrong.start();
    const err = await wrong.get().catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(DatafileUnavailableError);
    expect((err as Error).message).toMatch(/answered 403/);
    expect((err as Error).message).toMatch(/settings\.datafileAccessToken/);
    expect((err as Error).message).not.toContain('not-the-token');

    const none = manager(sandbox.endpoints.authDatafile(DEMO.sdkKey));
    none.start();
    await expect(none.get()).rejects.toThrow(/needs settings\.datafileAccessToken/);
  });

  it('on failure keeps the last good datafile and backs off exponentially from 1 s up to the interval', async () => {
    const dm = manager(sandbox.endpoints.datafile(DEMO.sdkKey), { refreshIntervalMs: 10_000 });
    const good = await dm.ready();
    expect(dm.status().nextDelayMs).toBe(10_000);
    sandbox.faults.add({ api: 'cdn', status: 500, count: 6 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await dm.refresh();
      expect(await dm.get()).toBe(good);
      delays.push(dm.status().nextDelayMs!);
    }
    expect(dm.status().consecutiveFailures).toBe(6);
    expect(dm.status().lastError).toMatch(/answered 500/);
    // 1 s, 2 s, 4 s, 8 s, then capped at the 10 s interval; each plus < 500 ms of jitter.
    const floors = [1000, 2000, 4000, 8000, 10_000, 10_000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(floors[i]!);
      expect(d).toBeLessThan(floors[i]! + 500);
    });
    await dm.refresh();
    expect(dm.status().consecutiveFailures).toBe(0);
    expect(dm.status().nextDelayMs).toBe(10_000);
  });

  it('a first fetch that fails leaves get() rejecting with the reason until a good datafile arrives', async () => {
    sandbox.faults.add({ api: 'cdn', status: 503, count: 1 });
    const dm = manager(sandbox.endpoints.datafile(DEMO.sdkKey));
    dm.start();
    const ready = dm.ready();
    await expect(dm.get()).rejects.toThrow(/is not available yet: .*answered 503/);
    await expect(dm.ready(1)).rejects.toBeInstanceOf(DatafileUnavailableError);
    await dm.refresh();
    expect((await ready).projectId).toBe(DEMO.projectId);
    expect((await dm.get()).projectId).toBe(DEMO.projectId);
  });

  it('a URL answering non-JSON (a deactivated project) is a clear error naming the URL without its query', async () => {
    sandbox.faults.add({ api: 'cdn', status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Project deactivated</body></html>' });
    const url = `${sandbox.endpoints.datafile(DEMO.sdkKey)}?signature=s3cr3t-query-value`;
    const dm = manager(url);
    dm.start();
    const err = (await dm.get().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DatafileUnavailableError);
    expect(err.message).toContain(`${sandbox.url}/datafiles/${DEMO.sdkKey}.json`);
    expect(err.message).toMatch(/not JSON \(text\/html/);
    expect(err.message).toMatch(/deactivated/);
    expect(err.message).not.toContain('s3cr3t');
  });

  it('JSON that is not a datafile is refused with the missing fields named', async () => {
    sandbox.faults.add({ api: 'cdn', status: 200, headers: { 'content-type': 'application/json' }, body: { hello: 'world' } });
    const dm = manager(sandbox.endpoints.datafile(DEMO.sdkKey));
    dm.start();
    await expect(dm.get()).rejects.toThrow(/is invalid: the datafile has no accountId, projectId, revision, version/);
  });

  it('an unknown SDK key names the setting to fix', async () => {
    const dm = manager(sandbox.endpoints.datafile('no-such-key'));
    dm.start();
    await expect(dm.get()).rejects.toThrow(/answered 403: unknown SDK key/);
  });
});
