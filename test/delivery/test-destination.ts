/**
 * A test-only destination type, `test-http`: action `send` posts `{ items: [{ id, value }] }` to
 * `<endpoints.api><settings.path>` and reads per-item results from a 200, or classifies the status
 * (429 → RateLimitedError with Retry-After, 408/5xx → RetryableError, other 4xx → PermanentError).
 */
import { PermanentError, RateLimitedError, RetryableError } from '../../src/core/errors.js';
import { defineDestination, type ItemOutcome } from '../../src/destinations/kit.js';
import { parseRetryAfterMs } from '../../src/optimizely/retry-after.js';
import { classifyStatus } from '../../src/pipeline/retry-policy.js';

export const TEST_TYPE = 'test-http';

interface Settings {
  path?: string;
}

export const testDestination = defineDestination<Settings, { started: number }>({
  type: TEST_TYPE,
  title: 'Test HTTP',
  description: 'posts batches to a scripted local server',
  settings: { path: { label: 'Path', description: 'request path', type: 'string' } },
  endpoints: { api: { description: 'base URL', default: 'http://127.0.0.1:9' } },
  createRuntime: () => ({ started: Date.now() }),
  testConnection: async (ctx) => {
    const { response } = await ctx.http.send({ method: 'GET', url: `${ctx.endpoints.api}/ping` });
    return { ok: response.status < 300, message: `ping answered ${response.status}` };
  },
  actions: {
    send: {
      title: 'Send',
      description: 'send one item per event',
      defaultTrigger: 'type = "track"',
      fields: {
        id: { label: 'ID', description: 'item id', type: 'string', required: true, default: { '@path': '$.messageId' } },
        value: { label: 'Value', description: 'a number', type: 'number', default: { '@path': '$.properties.value' } },
      },
      batching: { maxItems: 50, lingerMs: 0 },
      async performBatch(ctx, items) {
        const path = ctx.settings.path ?? '/batch';
        const { response, exchange } = await ctx.http.send({
          method: 'POST',
          url: `${ctx.endpoints.api}${path}`,
          headers: { authorization: 'Bearer test-secret-token' },
          body: { items: items.map((i) => i.payload) },
        });
        const kind = classifyStatus(response.status);
        const details = { statusCode: response.status };
        if (kind === 'rate_limited') {
          throw Object.assign(new RateLimitedError(`rate limited (429)`, parseRetryAfterMs(response.headers as Record<string, string>, ctx.clock.now()) ?? 0, details), { exchange });
        }
        if (kind === 'retry') throw Object.assign(new RetryableError(`server error ${response.status}`, 'OR_TEST', response.status, details), { exchange });
        if (kind === 'dead') throw Object.assign(new PermanentError(`refused ${response.status}`, 'OR_TEST', response.status, details), { exchange });
        const results = (response.body as { results: { ok: boolean; status?: number; error?: string }[] }).results;
        const outcomes: ItemOutcome[] = results.map((r) =>
          r.ok ? { status: 'delivered' } : { status: classifyStatus(r.status ?? 400) === 'dead' ? 'dead' : 'retry', error: r.error ?? 'rejected', statusCode: r.status },
        );
        return { outcomes, exchanges: [exchange] };
      },
    },
  },
});
