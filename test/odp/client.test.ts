import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, RateLimitedError, RetryableError } from '../../src/core/errors.js';
import { DEFAULT_RETRY_AFTER_MS, ODP_FORBIDDEN_MESSAGE, OdpClient, invalidsByIndex, type OdpEvent } from '../../src/optimizely/odp-client.js';
import { API_KEY, http, startOdpSandbox, type OdpSandbox } from './helpers.js';

let odp: OdpSandbox;
let client: OdpClient;

const event = (email: string): OdpEvent => ({ type: 'product', action: 'add_to_cart', identifiers: { email }, data: { product_id: '123', ts: 1709316687 } });

async function caught(p: Promise<unknown>): Promise<Error & { exchange?: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { exchange?: unknown };
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  odp = await startOdpSandbox();
  client = new OdpClient({ baseUrl: `${odp.base()}/`, apiKey: API_KEY, http });
});
afterAll(() => odp.close());
beforeEach(() => odp.reset());

describe('OdpClient against the sandbox', () => {
  it('posts events as an array with x-api-key and reads 202 as success', async () => {
    const r = await client.postEvents([event('a@example.com'), event('b@example.com')]);
    expect(r.status).toBe(202);
    expect(r.failures).toEqual([]);
    expect(odp.posted('/events')).toEqual([[event('a@example.com'), event('b@example.com')]]);
    expect(odp.sandbox.odpEvents('US').map((e) => e.identifiers.email)).toEqual(['a@example.com', 'b@example.com']);
    // The recorded exchange never holds the key.
    expect(JSON.stringify(r.exchange)).not.toContain(API_KEY);
    expect(r.exchange.request.headers['x-api-key']).toBe('[redacted]');
  });

  it('upserts profiles and reads them back; a missing profile is null', async () => {
    const r = await client.upsertProfiles([{ attributes: { email: 'p@example.com', first_name: 'P' } }]);
    expect(r.status).toBe(202);
    expect(await client.getProfile('email', 'p@example.com')).toMatchObject({ email: 'p@example.com', first_name: 'P' });
    expect(await client.getProfile('email', 'nobody@example.com')).toBeNull();
  });

  it('checkAuth accepts a valid key (404 for the probe profile)', async () => {
    expect(await client.checkAuth()).toMatchObject({ ok: true, status: 404 });
  });

  it('maps a 400 detail.invalids to per-index failures', async () => {
    const bad = { ...event('b@example.com'), action: '' };
    const r = await client.postEvents([event('ok1@example.com'), bad, event('ok2@example.com')]);
    expect(r.status).toBe(400);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ index: 1 });
    expect(r.failures[0]!.reason).toMatch(/action is required/);
  });

  it('maps profile invalids {field, reason} to indexes by the field path', async () => {
    const r = await client.upsertProfiles([{ attributes: { email: 'x@example.com' } }, { attributes: { first_name: 'no id' } }]);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ index: 1 });
    expect(r.failures[0]!.reason).toMatch(/^\[1\]\.attributes: needs at least one identifier/);
    expect(invalidsByIndex({ detail: { invalids: [{ field: 'email', reason: 'bad' }] } }, 1)).toEqual([{ index: 0, reason: 'email: bad' }]);
    // Not tied to an item in a batch of two: the whole batch fails with ODP's reason.
    expect(invalidsByIndex({ detail: { invalids: [{ field: 'email', reason: 'bad' }] } }, 2)).toBeUndefined();
    odp.fault({ status: 400, body: { title: 'Bad Request', status: 400, detail: { invalids: [{ field: 'email', reason: 'unknown field' }] } } });
    const err = await caught(client.upsertProfiles([{ attributes: { email: 'a@example.com' } }, { attributes: { email: 'b@example.com' } }]));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain('email: unknown field');
  });

  it('403 is a PermanentError telling the user to check the key and region, with no key in it', async () => {
    const bad = new OdpClient({ baseUrl: odp.base(), apiKey: 'wrong-key-123456', http });
    const err = await caught(bad.postEvents([event('a@example.com')]));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).not.toBeInstanceOf(RetryableError);
    expect(err.message).toBe(ODP_FORBIDDEN_MESSAGE);
    expect((err as PermanentError).statusCode).toBe(403);
    expect(JSON.stringify(err.exchange)).not.toContain('wrong-key-123456');
    expect(JSON.stringify({ message: err.message, details: (err as PermanentError).details })).not.toContain('wrong-key-123456');
    await expect(bad.checkAuth()).rejects.toBeInstanceOf(PermanentError);
    // What the sandbox recorded is masked too.
    expect(JSON.stringify(odp.sandbox.received('odp'))).not.toContain('wrong-key-123456');
  });

  it('401 is permanent too', async () => {
    odp.fault({ status: 401, body: { message: 'Unauthorized' } });
    const err = await caught(client.postEvents([event('a@example.com')]));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/401 Unauthorized.*settings\.apiKey.*settings\.region/);
  });

  it('429 is a RateLimitedError using Retry-After, else the default pause', async () => {
    odp.fault({ status: 429, retryAfter: 7 });
    const withHeader = await caught(client.postEvents([event('a@example.com')]));
    expect(withHeader).toBeInstanceOf(RateLimitedError);
    expect((withHeader as RateLimitedError).retryAfterMs).toBe(7000);
    odp.fault({ status: 429 });
    const without = await caught(client.postEvents([event('a@example.com')]));
    expect((without as RateLimitedError).retryAfterMs).toBe(DEFAULT_RETRY_AFTER_MS);
  });

  it('5xx and 408 are RetryableErrors carrying the exchange', async () => {
    for (const status of [500, 502, 503, 504, 408]) {
      odp.fault({ status, body: { title: 'Service Unavailable' } });
      const err = await caught(client.postEvents([event('a@example.com')]));
      expect(err).toBeInstanceOf(RetryableError);
      expect(err).not.toBeInstanceOf(RateLimitedError);
      expect((err as RetryableError).statusCode).toBe(status);
      expect(err.exchange).toBeDefined();
    }
    expect(odp.sandbox.odpEvents()).toHaveLength(0);
  });

  it('a connection failure is retryable and names no key', async () => {
    const down = new OdpClient({ baseUrl: 'http://127.0.0.1:9/v3', apiKey: API_KEY, http });
    const err = await caught(down.postEvents([event('a@example.com')]));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).not.toContain(API_KEY);
  });

  it('other 4xx are permanent with ODP reason; 404 points at endpoints.odpApi', async () => {
    odp.fault({ status: 413, body: { message: 'Payload Too Large' } });
    const big = await caught(client.postEvents([event('a@example.com')]));
    expect(big).toBeInstanceOf(PermanentError);
    expect(big.message).toContain('Payload Too Large');
    const wrongBase = new OdpClient({ baseUrl: `${odp.sandbox.url}/nope`, apiKey: API_KEY, http });
    const nf = await caught(wrongBase.postEvents([event('a@example.com')]));
    expect(nf).toBeInstanceOf(PermanentError);
    expect(nf.message).toContain('endpoints.odpApi');
  });
});
