/**
 * Optimizely Data Platform end to end: Segment calls sent with the real @segment/analytics-node 3.1.0 client reach a
 * real optirelay server (SQLite in a temp dir), which delivers them to the sandbox's ODP v3 API. The sandbox's
 * recorded profiles and events are compared whole. Then: a wrong API key (dead, with the key/region hint), 503 and
 * 429 answers (everything delivered, each event once by idempotence_id), and an EU destination (EU store only).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { VERSION } from '../../src/version.js';
import { removeDir, tempDir } from '../server/helpers.js';
import { ADMIN_TOKEN, WRITE_KEY, admin, startInProcess, until, type InProcessServer, type LaneRow } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const ACTIONS = ['upsertContact', 'ecommerceEvent', 'emailEvent', 'customEvent'] as const;

interface OdpDestination {
  apiKey?: string;
  region?: 'US' | 'EU' | 'AU';
  /** endpoints.odpApi; default the sandbox's URL for `region`. */
  odpApi?: string;
}

/** One source; one ODP destination with every preset, an upsertContact mapping and a customEvent mapping. */
function writeOdpConfig(dir: string, sandbox: Sandbox, d: OdpDestination = {}): string {
  const region = d.region ?? 'US';
  const file = join(dir, 'optirelay.yaml');
  writeFileSync(
    file,
    `store: sqlite:${dir}/optirelay.db
dataDir: ${dir}
admin: { token: ${ADMIN_TOKEN} }
sources:
  - { id: web, writeKey: ${WRITE_KEY} }
delivery: { backoffBase: 20ms, backoffMax: 200ms }
destinations:
  - id: odp
    type: optimizely-data-platform
    settings: { apiKey: "${d.apiKey ?? DEMO.odpApiKey}", region: ${region} }
    endpoints: { odpApi: ${d.odpApi ?? sandbox.endpoints.odpApi(region)} }
    presets: all
    lanes: { ${ACTIONS.map((a) => `${a}: { linger: 20ms }`).join(', ')} }
    mappings:
      - id: contacts
        action: upsertContact
        fields: { additional_traits: { plan: { "@path": "$.traits.plan" } } }
      - id: signed-up
        action: customEvent
        trigger: 'type = "track" and event = "Signed Up"'
        fields: { event_type: account, event_action: signup }
`,
  );
  return file;
}

const TS = '2024-03-01T18:11:27.649Z';
const TS_SECONDS = Math.floor(Date.parse(TS) / 1000);

type Call = { type: 'identify'; userId: string; traits: Record<string, unknown>; context?: Record<string, unknown> } | { type: 'track'; userId: string; event: string; properties?: Record<string, unknown>; context?: Record<string, unknown> };

/** Sends `calls` in order through analytics-node; resolves with each call's messageId once the client flushed. */
async function send(url: string, calls: Call[]): Promise<string[]> {
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: url, flushAt: 100, flushInterval: 50, maxRetries: 3 });
  const ids = await Promise.all(
    calls.map(
      (c) =>
        new Promise<string>((res, rej) => {
          const cb = (err: unknown, ctx?: { event: { messageId?: string } }): void => {
            const id = ctx?.event.messageId;
            if (err || !id) rej(new Error(`analytics-node did not deliver a ${c.type}: ${String(err)}`));
            else res(id);
          };
          if (c.type === 'identify') analytics.identify({ userId: c.userId, traits: c.traits, context: c.context, timestamp: TS }, cb);
          else analytics.track({ userId: c.userId, event: c.event, properties: c.properties, context: c.context, timestamp: TS }, cb);
        }),
    ),
  );
  await analytics.closeAndFlush();
  return ids;
}

async function odpLanes(url: string): Promise<LaneRow[]> {
  const { lanes } = await admin<{ lanes: LaneRow[] }>(url, '/lanes');
  return lanes.filter((l) => l.lane.startsWith('odp:'));
}

/** Polls until `n` deliveries of the ODP destination reached `status` and none is still on its way. */
async function settled(url: string, n: number, status: 'delivered' | 'dead'): Promise<LaneRow[]> {
  let seen: LaneRow[] = [];
  await until(
    async () => {
      seen = await odpLanes(url);
      const sum = (k: keyof LaneRow): number => seen.reduce((s, l) => s + (l[k] as number), 0);
      return sum(status) === n && sum('pending') + sum('inFlight') + sum('retryWait') === 0;
    },
    `${n} ODP deliveries ${status}`,
    60_000,
    () => seen,
  );
  return seen;
}

async function start(sandboxOpts: OdpDestination = {}): Promise<{ sandbox: Sandbox; server: InProcessServer }> {
  const dir = tempDir('optirelay-e2e-odp-');
  const sandbox = await startSandbox();
  cleanup.push(async () => {
    await sandbox.close();
    removeDir(dir);
  });
  const server = await startInProcess(writeOdpConfig(dir, sandbox, sandboxOpts));
  cleanup.push(() => server.stop());
  return { sandbox, server };
}

const JANE = {
  email: 'jane.doe@example.com',
  first_name: 'Jane',
  last_name: 'Doe',
  birthday: '1990-05-17',
  address: { street: '1 Main St', city: 'Boston', state: 'MA', postalCode: '02101', country: 'USA' },
  plan: 'free',
};

const CALLS: Call[] = [
  { type: 'identify', userId: 'user-1', traits: JANE },
  { type: 'identify', userId: 'user-2', traits: { email: 'max@example.com', first_name: 'Max', plan: 'pro' } },
  {
    type: 'track',
    userId: 'user-1',
    event: 'Order Completed',
    properties: {
      order_id: 'ord-1001',
      total: 49.98,
      currency: 'USD',
      products: [
        { product_id: 'sku-1', name: 'Mug', price: 9.99, quantity: 2 },
        { product_id: 'sku-2', name: 'Poster', price: 30, quantity: 1 },
      ],
    },
  },
  { type: 'track', userId: 'user-2', event: 'Product Viewed', properties: { product_id: 'sku-3', name: 'Lamp', price: 45 } },
  {
    type: 'track',
    userId: 'user-2',
    event: 'Email Opened',
    properties: { campaign_name: 'Spring Sale', campaign_id: 'cmp-7', email_subject: 'Spring is here' },
    context: { traits: { email: 'max@example.com' } },
  },
  { type: 'track', userId: 'user-2', event: 'Signed Up', properties: { method: 'google', referrer: { source: 'newsletter' }, tags: ['a', 'b'] } },
];

/** A later identify of user-1 (sent once CALLS are delivered: the pipeline does not order retried deliveries). */
const UPGRADE: Call = { type: 'identify', userId: 'user-1', traits: { email: JANE.email, plan: 'enterprise' } };

const meta = (idempotenceId: string): Record<string, unknown> => ({
  ts: TS_SECONDS,
  idempotence_id: idempotenceId,
  data_source_type: 'optirelay',
  data_source: 'optirelay',
  data_source_version: VERSION,
});

const byIdempotence = (a: { data: Record<string, unknown> }, b: { data: Record<string, unknown> }): number => String(a.data.idempotence_id).localeCompare(String(b.data.idempotence_id));

describe('ODP end to end (analytics-node → optirelay → sandbox ODP v3)', () => {
  it('identify, Order Completed, Product Viewed, Email Opened and a mapped custom event land as ODP profiles and events', async () => {
    const { sandbox, server } = await start();
    const ids = await send(server.url, CALLS);
    const [, , order, viewed, opened, signedUp] = ids as [string, string, string, string, string, string];
    await settled(server.url, CALLS.length, 'delivered');
    // The plan changes on the same profile.
    await send(server.url, [UPGRADE]);
    await settled(server.url, CALLS.length + 1, 'delivered');

    const events = sandbox
      .odpEvents('US')
      .map(({ type, action, identifiers, data }) => ({ type, action, identifiers, data }))
      .sort(byIdempotence);
    const user1 = { fs_user_id: 'user-1', web_user_id: 'user-1' };
    const user2 = { fs_user_id: 'user-2', web_user_id: 'user-2' };
    const expected = [
      // Order Completed with two products: one ODP event per product, idempotence_id <messageId>:<n>.
      { type: 'order', action: 'purchase', identifiers: user1, data: { product_id: 'sku-1', qty: 2, order_id: 'ord-1001', total: 49.98, ...meta(`${order}:0`) } },
      { type: 'order', action: 'purchase', identifiers: user1, data: { product_id: 'sku-2', qty: 1, order_id: 'ord-1001', total: 49.98, ...meta(`${order}:1`) } },
      { type: 'product', action: 'detail', identifiers: user2, data: { product_id: 'sku-3', ...meta(viewed) } },
      {
        type: 'email',
        action: 'open',
        identifiers: { email: 'max@example.com', ...user2 },
        data: { campaign: 'Spring Sale', campaign_id: 'cmp-7', ...meta(opened) },
      },
      {
        type: 'account',
        action: 'signup',
        identifiers: user2,
        data: { method: 'google', referrer_source: 'newsletter', tags: '["a","b"]', ...meta(signedUp) },
      },
    ].sort(byIdempotence);
    expect(events).toEqual(expected);
    expect(sandbox.odpEvents()).toHaveLength(expected.length);

    // Profiles: upserted from identify, merged with the identifiers the events carried (the sandbox, like ODP,
    // creates or finds the customer of each event's identifiers).
    const profiles = sandbox
      .profiles()
      .map((p) => ({ region: p.region, attributes: p.attributes }))
      .sort((a, b) => String(a.attributes.fs_user_id).localeCompare(String(b.attributes.fs_user_id)));
    expect(profiles).toEqual([
      {
        region: 'US',
        attributes: {
          ...user1,
          email: JANE.email,
          first_name: 'Jane',
          last_name: 'Doe',
          dob_year: 1990,
          dob_month: 5,
          dob_day: 17,
          street1: '1 Main St',
          city: 'Boston',
          state: 'MA',
          zip: '02101',
          country: 'USA',
          plan: 'enterprise',
        },
      },
      { region: 'US', attributes: { ...user2, email: 'max@example.com', first_name: 'Max', plan: 'pro' } },
    ]);

    // Each action's lane delivered its own: 3 identify, 2 ecommerce (Order Completed, Product Viewed), 1 email, 1 custom.
    const lanes = Object.fromEntries((await odpLanes(server.url)).map((l) => [l.lane, l.delivered]));
    expect(lanes).toEqual({ 'odp:upsertContact': 3, 'odp:ecommerceEvent': 2, 'odp:emailEvent': 1, 'odp:customEvent': 1 });
  }, 60_000);

  it('a wrong API key: every delivery is dead, and the reason tells the user to check the API key and region', async () => {
    const wrongKey = 'not-a-real-odp-key-123';
    const { sandbox, server } = await start({ apiKey: wrongKey });
    await send(server.url, CALLS.slice(0, 1).concat(CALLS.slice(3, 5)));
    await settled(server.url, 3, 'dead');

    const { deliveries } = await admin<{ deliveries: { lane: string; lastError: string | null; lastStatusCode: number | null; attempts: number }[] }>(server.url, '/deliveries?status=dead');
    expect(deliveries.map((d) => d.lane).sort()).toEqual(['odp:ecommerceEvent', 'odp:emailEvent', 'odp:upsertContact']);
    for (const d of deliveries) {
      expect(d.lastStatusCode).toBe(403);
      expect(d.lastError).toMatch(/check settings\.apiKey and that settings\.region/);
      expect(d.lastError).not.toContain(wrongKey);
      // A refused key is permanent: not retried.
      expect(d.attempts).toBe(1);
    }
    expect(sandbox.profiles()).toEqual([]);
    expect(sandbox.odpEvents()).toEqual([]);

    // The connection test says the same.
    const res = await fetch(`${server.url}/admin/v1/destinations/odp/test`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const test = (await res.json()) as { ok: boolean; message: string };
    expect(test.ok).toBe(false);
    expect(test.message).toMatch(/403.*check settings\.apiKey and that settings\.region/);
  }, 60_000);

  it('503 then 429 from ODP: everything is still delivered, each event once', async () => {
    const { sandbox, server } = await start();
    sandbox.faults.add({ api: 'odp', status: 503, count: 2 });
    sandbox.faults.add({ api: 'odp', status: 429, retryAfter: 1, count: 2 });
    const more: Call[] = Array.from({ length: 20 }, (_, i) => ({ type: 'track', userId: `user-${i % 4}`, event: 'Signed Up', properties: { n: i } }));
    const ids = await send(server.url, [...CALLS, ...more]);
    await settled(server.url, CALLS.length + more.length, 'delivered');

    expect(sandbox.faults.list().faults).toEqual([]);
    const faulted = sandbox.received('odp').filter((r) => r.fault !== undefined);
    expect(faulted).toHaveLength(4);

    // Each event exactly once: every idempotence_id the pipeline should have sent, no more, none twice.
    const counts = new Map<string, number>();
    for (const e of sandbox.odpEvents()) counts.set(String(e.data.idempotence_id), (counts.get(String(e.data.idempotence_id)) ?? 0) + 1);
    const order = ids[2]!;
    const expectedIds = [`${order}:0`, `${order}:1`, ...ids.slice(3)];
    expect([...counts.keys()].sort()).toEqual(expectedIds.sort());
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(sandbox.profiles().map((p) => p.attributes.fs_user_id).sort()).toEqual(['user-0', 'user-1', 'user-2', 'user-3']);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const retried = metrics
      .split('\n')
      .filter((l) => l.startsWith('optirelay_deliveries_retried_total{') && l.includes('destination="odp"'))
      .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    expect(retried).toBeGreaterThan(0);
  }, 60_000);

  it('an EU destination (region EU, EU key) lands in the EU store only', async () => {
    const { sandbox, server } = await start({ region: 'EU', apiKey: DEMO.odpApiKeyEu });
    const ids = await send(server.url, [CALLS[1]!, CALLS[3]!]);
    await settled(server.url, 2, 'delivered');

    expect(sandbox.profiles('EU').map((p) => p.attributes)).toEqual([
      { fs_user_id: 'user-2', web_user_id: 'user-2', email: 'max@example.com', first_name: 'Max', plan: 'pro' },
    ]);
    expect(sandbox.odpEvents('EU').map(({ type, action, data }) => ({ type, action, id: data.idempotence_id }))).toEqual([{ type: 'product', action: 'detail', id: ids[1] }]);
    expect(sandbox.profiles('US')).toEqual([]);
    expect(sandbox.odpEvents('US')).toEqual([]);
    expect(sandbox.received('odp').every((r) => r.path.startsWith('/eu1/v3/'))).toBe(true);
  }, 60_000);
});
