/** The real @segment/analytics-node client pointed at optirelay with its `host` option. */
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, removeDir, startTestServer, WEB_KEY, type TestServer } from './helpers.js';

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts.stop();
  removeDir(ts.dir);
});

interface Row {
  messageId: string;
  type: string;
  sourceId: string;
  body: Record<string, unknown>;
}

async function eventsOf(userId: string): Promise<Row[]> {
  const r = await admin(ts, `/events?userId=${encodeURIComponent(userId)}&limit=1000`);
  return r.json.events as Row[];
}

describe('@segment/analytics-node 3.1.0', () => {
  it('delivers every call type, batched, and each is stored once with corrected timestamps', async () => {
    const analytics = new Analytics({ writeKey: WEB_KEY, host: ts.url, flushAt: 5, maxRetries: 0 });
    const errors: unknown[] = [];
    const statuses: number[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.on('http_response', (e) => statuses.push(e.status));
    const userId = 'sdk-user-1';
    analytics.identify({ userId, traits: { plan: 'pro', email: 'a@example.com' } });
    analytics.track({ userId, event: 'Order Completed', properties: { revenue: 42, currency: 'USD' } });
    analytics.page({ userId, name: 'Pricing', properties: { path: '/pricing' } });
    analytics.screen({ userId, name: 'Home' });
    analytics.group({ userId, groupId: 'acme', traits: { name: 'Acme' } });
    analytics.alias({ userId, previousId: 'anon-before' });
    for (let i = 0; i < 17; i++) analytics.track({ userId, event: 'Viewed Item', properties: { i } });
    await analytics.closeAndFlush();

    expect(errors).toEqual([]);
    expect(statuses.length).toBeGreaterThanOrEqual(5);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const rows = await eventsOf(userId);
    expect(rows).toHaveLength(23);
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(['identify', 'track', 'page', 'screen', 'group', 'alias']));
    expect(new Set(rows.map((r) => r.messageId)).size).toBe(23);
    for (const r of rows) {
      expect(r.sourceId).toBe('web');
      expect(r.messageId).toMatch(/^node-next-\d+-/); // the SDK's own id is kept
      expect(r.body.sentAt).toBeTypeOf('string');
      expect(r.body.writeKey).toBeUndefined();
      const skew = Date.parse(r.body.sentAt as string) - Date.parse(r.body.originalTimestamp as string);
      expect(Date.parse(r.body.timestamp as string)).toBe(Date.parse(r.body.receivedAt as string) - skew);
    }
    const order = rows.find((r) => r.body.event === 'Order Completed');
    expect(order?.body.properties).toEqual({ revenue: 42, currency: 'USD' });
    expect((order?.body.context as { library?: { name?: string } }).library?.name).toBe('@segment/analytics-node');
  });

  it('a wrong write key gets 401: the SDK reports an error and nothing is stored', async () => {
    const analytics = new Analytics({ writeKey: 'not-a-key', host: ts.url, flushAt: 1, maxRetries: 0 });
    const statuses: number[] = [];
    const errors: unknown[] = [];
    analytics.on('http_response', (e) => statuses.push(e.status));
    analytics.on('error', (e) => errors.push(e));
    analytics.track({ userId: 'sdk-wrong-key', event: 'Nope' });
    await analytics.closeAndFlush();
    expect(statuses).toEqual([401]);
    expect(errors.length).toBe(1);
    expect(await eventsOf('sdk-wrong-key')).toEqual([]);
  });
});
