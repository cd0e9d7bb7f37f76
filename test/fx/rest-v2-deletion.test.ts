/**
 * RestV2Client and the FX destination's deleteUser against the sandbox's REST v2: subject-access request body and
 * auth, status → error class mapping, Link pagination, and the Retry-After / X-RateLimit-Reset parsing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, DEMO, type Sandbox } from '../../src/sandbox/index.js';
import { PermanentError, RateLimitedError, RetryableError } from '../../src/core/errors.js';
import { createHttpClient } from '../../src/optimizely/http.js';
import { AUTH_FAILED_MESSAGE, parseLinkHeader, RestV2Client } from '../../src/optimizely/rest-v2.js';
import { parseRetryAfterMs } from '../../src/optimizely/retry-after.js';
import { optimizelyFeatureExperimentation as fx, type FxRuntime } from '../../src/destinations/optimizely-feature-experimentation/index.js';
import { fxContext } from './helpers.js';

let sandbox: Sandbox;
const http = createHttpClient({ timeoutMs: 5_000 });
const noRuntime = undefined as unknown as FxRuntime;

beforeAll(async () => {
  // The REST rate limit (2/s) is the sandbox's default; these tests are about other things.
  sandbox = await startSandbox({ rateLimits: { fx: { perSecond: 1000, perMinute: 100_000 } } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
});

function fxCtx(accessToken?: string) {
  return fxContext(
    { accountId: DEMO.accountId, dataFileUrl: sandbox.endpoints.datafile(DEMO.sdkKey), accessToken },
    { overrides: { restApi: sandbox.endpoints.restApi, eventApi: sandbox.endpoints.eventApi } },
  );
}

describe('deleteUser (subject-access request)', () => {
  it('submits one visitor delete per identifier with the personal access token', async () => {
    const res = await fx.deleteUser!(fxCtx(DEMO.personalAccessToken), { userId: 'user-123', anonymousId: 'anon-456' }, noRuntime);
    expect(res.status).toBe('submitted');
    const reqs = sandbox.received('rest').filter((r) => r.path === '/v2/subject-access-requests');
    expect(reqs).toHaveLength(2);
    expect(reqs.map((r) => r.body)).toEqual([
      { data_type: 'visitor', identifier: 'user-123', identifier_type: 'fullstack_id', request_type: 'delete' },
      { data_type: 'visitor', identifier: 'anon-456', identifier_type: 'fullstack_id', request_type: 'delete' },
    ]);
    expect(reqs.every((r) => r.status === 201 && r.headers['authorization'] === '[redacted]')).toBe(true);
    const sars = sandbox.state().sars;
    expect(res.externalId).toBe(sars.map((s) => s.id).join(','));
    expect(sars.map((s) => s.accountId)).toEqual([DEMO.accountId, DEMO.accountId]);
  });

  it('without an access token: a clear failure, nothing sent', async () => {
    const res = await fx.deleteUser!(fxCtx(undefined), { userId: 'u' }, noRuntime);
    expect(res).toEqual({
      status: 'failed',
      error: 'destination fx has no accessToken: add a personal access token to settings.accessToken to submit deletions',
      retryable: false,
    });
    expect(sandbox.received('rest')).toHaveLength(0);
  });

  it('a revoked token fails for good; 5xx and 429 are retryable', async () => {
    const bad = await fx.deleteUser!(fxCtx('revoked-token-value'), { userId: 'u' }, noRuntime);
    expect(bad.status).toBe('failed');
    expect(bad.retryable).toBe(false);
    expect(bad.error).toContain(AUTH_FAILED_MESSAGE);
    expect(bad.error).not.toContain('revoked-token-value');

    sandbox.faults.add({ api: 'rest', status: 503 });
    const down = await fx.deleteUser!(fxCtx(DEMO.personalAccessToken), { userId: 'u' }, noRuntime);
    expect(down).toMatchObject({ status: 'failed', retryable: true });

    sandbox.faults.add({ api: 'rest', status: 429, retryAfter: 3 });
    const slow = await fx.deleteUser!(fxCtx(DEMO.personalAccessToken), { userId: 'u' }, noRuntime);
    expect(slow).toMatchObject({ status: 'failed', retryable: true });
    expect(slow.error).toMatch(/rate limited/);
  });
});

describe('RestV2Client', () => {
  const client = () => new RestV2Client({ baseUrl: sandbox.endpoints.restApi, accessToken: DEMO.personalAccessToken, http });

  it('maps statuses to error classes with the envelope message', async () => {
    await expect(new RestV2Client({ baseUrl: sandbox.endpoints.restApi, accessToken: 'nope', http }).request('GET', '/projects')).rejects.toThrow(
      AUTH_FAILED_MESSAGE,
    );
    const nf = (await client().request('GET', '/projects/1').catch((e: unknown) => e)) as PermanentError;
    expect(nf).toBeInstanceOf(PermanentError);
    expect(nf.code).toBe('OR_REST_NOT_FOUND');
    expect(nf.message).toMatch(/^GET \/projects\/1: not found/);
    expect((nf as PermanentError & { exchange?: unknown }).exchange).toBeDefined();

    sandbox.faults.add({ api: 'rest', status: 429, retryAfter: 2 });
    const rl = (await client().request('GET', '/projects').catch((e: unknown) => e)) as RateLimitedError;
    expect(rl).toBeInstanceOf(RateLimitedError);
    expect(rl.retryAfterMs).toBe(2000);

    sandbox.faults.add({ api: 'rest', status: 502 });
    const down = await client().request('GET', '/projects').catch((e: unknown) => e);
    expect(down).toBeInstanceOf(RetryableError);
    expect(down).not.toBeInstanceOf(RateLimitedError);
  });

  it('follows Link rel=next through every page', async () => {
    const c = client();
    for (let i = 0; i < 7; i++) {
      await c.request('POST', '/subject-access-requests', { data_type: 'visitor', identifier: `v${i}`, identifier_type: 'fullstack_id', request_type: 'access' });
    }
    const pages: number[] = [];
    for await (const page of c.pages<{ identifier: string }>('/subject-access-requests', { perPage: 3 })) pages.push(page.length);
    expect(pages).toEqual([3, 3, 1]);
    const all = await c.listAll<{ identifier: string }>('/subject-access-requests', { perPage: 3 });
    expect(all.map((s) => s.identifier)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('parses Link headers with quoted or unquoted rel', () => {
    expect(parseLinkHeader('<https://a/x?page=2&per_page=25>; rel=next, <https://a/x?page=9>; rel="last"')).toEqual({
      next: 'https://a/x?page=2&per_page=25',
      last: 'https://a/x?page=9',
    });
    expect(parseLinkHeader(undefined)).toBeUndefined();
  });

  it('parses Retry-After seconds and dates, and X-RateLimit-Reset', () => {
    const now = Date.UTC(2024, 0, 1, 0, 0, 0);
    expect(parseRetryAfterMs({ 'retry-after': '5' }, now)).toBe(5000);
    expect(parseRetryAfterMs({ 'retry-after': new Date(now + 9000).toUTCString() }, now)).toBe(9000);
    expect(parseRetryAfterMs({ 'x-ratelimit-reset': String(now / 1000 + 30) }, now)).toBe(30_000);
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
  });
});
