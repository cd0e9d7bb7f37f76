/**
 * The Store conformance suite: every backend (SQLite now, PostgreSQL later) must pass it unchanged.
 *   runStoreConformance('sqlite (file)', async () => ({ store, cleanup }))
 * Times are explicit epoch-ms values passed to the store; nothing here sleeps or asserts on timing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../src/core/event.js';
import type { AppendInput, ClaimedDelivery, DeliveryOutcome, NewDelivery, Store } from '../../src/store/types.js';

export interface StoreHarness {
  store: Store;
  cleanup(): Promise<void>;
}

const T = 1_700_000_000_000;
const DAY = 86_400_000;
const FX: NewDelivery = { destinationId: 'fx', mappingId: 'conversions', action: 'trackEvent' };
const ODP: NewDelivery = { destinationId: 'odp', mappingId: 'events', action: 'sendEvent' };

let seq = 0;
function ev(over: Partial<SegmentEvent> = {}): SegmentEvent {
  seq++;
  const ts = new Date(T).toISOString();
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: `msg-${seq}-${Math.random().toString(36).slice(2, 8)}`,
    userId: `user-${seq}`,
    anonymousId: `anon-${seq}`,
    properties: { revenue: 1200, nested: { a: [1, 'two', null] } },
    timestamp: ts,
    originalTimestamp: ts,
    receivedAt: ts,
    ...over,
  };
}

function input(events: SegmentEvent[], deliveries: NewDelivery[] = [FX], over: Partial<AppendInput> = {}): AppendInput {
  return {
    sourceId: 'web',
    now: T,
    dedupWindowMs: DAY,
    events: events.map((event) => ({ event, deliveries })),
    rejected: [],
    suppressed: 0,
    ...over,
  };
}

function done(d: ClaimedDelivery, over: Partial<DeliveryOutcome> = {}): DeliveryOutcome {
  return { id: d.id, owner: d.leaseOwner ?? 'w1', status: 'delivered', countsAsAttempt: true, ...over };
}

export function runStoreConformance(name: string, factory: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    async function seed(n: number, deliveries: NewDelivery[] = [FX], over: Partial<AppendInput> = {}) {
      const events = Array.from({ length: n }, () => ev());
      await store.appendEvents(input(events, deliveries, over));
      return events;
    }
    const claim = (lane: string, limit = 100, owner = 'w1', now = T, leaseMs = 30_000) =>
      store.claimDeliveries({ lane, limit, owner, leaseMs, now });

    describe('lifecycle', () => {
      it('migrate is idempotent and ping answers', async () => {
        await store.migrate();
        await store.migrate();
        await expect(store.ping()).resolves.toBeUndefined();
        expect(['sqlite', 'postgres']).toContain(store.kind);
      });
    });

    describe('appendEvents / listEvents / getEvent', () => {
      it('stores accepted events with their columns and body, and reports outcomes', async () => {
        const e = ev({ userId: 'u-1', anonymousId: 'a-1', event: 'Signed Up' });
        const r = await store.appendEvents(input([e], [FX, ODP]));
        expect(r).toEqual({ outcomes: ['accepted'], deliveriesCreated: 2 });
        const [row] = await store.listEvents({});
        expect(row).toMatchObject({
          sourceId: 'web',
          messageId: e.messageId,
          type: 'track',
          userId: 'u-1',
          anonymousId: 'a-1',
          eventName: 'Signed Up',
          receivedAt: T,
        });
        expect(row!.body).toEqual(e);
        expect(await store.getEvent(row!.id)).toEqual(row);
        expect(await store.getEvent(row!.id + 1000)).toBeUndefined();
      });

      it('keeps null user ids and events without a name', async () => {
        const e = ev({ type: 'identify', userId: null, anonymousId: 'anon-x', event: undefined, traits: { plan: 'pro' } });
        delete e.event;
        await store.appendEvents(input([e], []));
        const [row] = await store.listEvents({});
        expect(row).toMatchObject({ type: 'identify', userId: null, anonymousId: 'anon-x', eventName: null });
      });

      it('drops duplicates by messageId within the window and accepts them again after it', async () => {
        const e = ev();
        expect((await store.appendEvents(input([e]))).outcomes).toEqual(['accepted']);
        const dup = await store.appendEvents(input([e], [FX], { now: T + DAY - 1 }));
        expect(dup).toEqual({ outcomes: ['duplicate'], deliveriesCreated: 0 });
        expect(await store.listEvents({ messageId: e.messageId })).toHaveLength(1);
        const again = await store.appendEvents(input([e], [FX], { now: T + DAY + 1 }));
        expect(again.outcomes).toEqual(['accepted']);
        expect(await store.listEvents({ messageId: e.messageId })).toHaveLength(2);
        // The window restarts at the re-acceptance.
        const dup2 = await store.appendEvents(input([e], [FX], { now: T + DAY + 2 }));
        expect(dup2.outcomes).toEqual(['duplicate']);
      });

      it('dedups within one request and scopes messageIds per source', async () => {
        const e = ev();
        const r = await store.appendEvents(input([e, { ...e }]));
        expect(r.outcomes).toEqual(['accepted', 'duplicate']);
        expect(r.deliveriesCreated).toBe(1);
        const other = await store.appendEvents(input([e], [FX], { sourceId: 'ios' }));
        expect(other.outcomes).toEqual(['accepted']);
      });

      it('keeps rejected records and counts received = accepted + duplicates + rejected + suppressed', async () => {
        const e = ev();
        await store.appendEvents(
          input([e, e], [FX], {
            rejected: [
              { sourceId: 'web', reason: 'userId or anonymousId is required', field: 'userId', body: { type: 'track' }, index: 2 },
              { sourceId: 'web', reason: 'event is required', body: 'not even an object' },
            ],
            suppressed: 3,
          }),
        );
        await store.appendEvents(input([ev()], [FX], { sourceId: 'ios' }));
        const stats = await store.ingestStats();
        expect(stats.perSource.web).toEqual({ received: 7, accepted: 1, duplicates: 1, rejected: 2, suppressed: 3 });
        expect(stats.perSource.ios).toEqual({ received: 1, accepted: 1, duplicates: 0, rejected: 0, suppressed: 0 });
        expect(stats.total).toEqual({ received: 8, accepted: 2, duplicates: 1, rejected: 2, suppressed: 3 });
        const rej = await store.listRejected({});
        expect(rej).toHaveLength(2);
        expect(rej[0]).toMatchObject({ sourceId: 'web', reason: 'event is required', field: null, body: 'not even an object', receivedAt: T });
        expect(rej[1]).toMatchObject({ field: 'userId', body: { type: 'track' } });
        expect(await store.listRejected({ before: rej[0]!.id })).toEqual([rej[1]]);
        expect(await store.listRejected({ sourceId: 'ios' })).toEqual([]);
        expect(await store.listRejected({ limit: 1 })).toEqual([rej[0]]);
      });

      it('starts with empty stats', async () => {
        expect(await store.ingestStats()).toEqual({
          total: { received: 0, accepted: 0, duplicates: 0, rejected: 0, suppressed: 0 },
          perSource: {},
        });
      });

      it('pages newest first and filters', async () => {
        await store.appendEvents(input([ev({ userId: 'alice', event: 'A' }), ev({ userId: 'bob', event: 'B' })]));
        await store.appendEvents(input([ev({ type: 'page', event: undefined, name: 'Home', userId: 'alice' })], [], { sourceId: 'ios' }));
        await store.appendEvents(input([ev({ userId: 'alice', event: 'B' })]));
        const all = await store.listEvents({});
        expect(all).toHaveLength(4);
        expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
        const page1 = await store.listEvents({ limit: 2 });
        const page2 = await store.listEvents({ limit: 2, before: page1[1]!.id });
        expect([...page1, ...page2].map((e) => e.id)).toEqual(all.map((e) => e.id));
        expect((await store.listEvents({ userId: 'alice' })).map((e) => e.id)).toEqual([all[0]!.id, all[1]!.id, all[3]!.id]);
        expect((await store.listEvents({ event: 'B' })).map((e) => e.userId)).toEqual(['alice', 'bob']);
        expect((await store.listEvents({ event: 'Home' })).map((e) => e.type)).toEqual(['page']);
        expect((await store.listEvents({ type: 'page' })).map((e) => e.sourceId)).toEqual(['ios']);
        expect(await store.listEvents({ sourceId: 'ios' })).toHaveLength(1);
        expect(await store.listEvents({ userId: 'alice', event: 'B' })).toHaveLength(1);
        expect(await store.listEvents({ messageId: all[2]!.messageId })).toEqual([all[2]]);
        expect(await store.listEvents({ userId: 'nobody' })).toEqual([]);
      });

      it('returns rows after an id oldest first (live tail)', async () => {
        await seed(5, []);
        const all = await store.listEvents({});
        const oldest = all[all.length - 1]!.id;
        const tail = await store.listEvents({ after: oldest, limit: 2 });
        expect(tail.map((e) => e.id)).toEqual([all[3]!.id, all[2]!.id]);
        expect(await store.listEvents({ after: all[0]!.id })).toEqual([]);
      });
    });

    describe('group commit', () => {
      it('commits concurrent appends together and resolves each with its own outcome', async () => {
        const shared = ev();
        const inputs = Array.from({ length: 20 }, (_, i) => input([ev(), ev(), i % 2 ? shared : ev()]));
        const results = await Promise.all(inputs.map((x) => store.appendEvents(x)));
        const sharedOutcomes = results.map((r, i) => (i % 2 ? r.outcomes[2] : undefined)).filter(Boolean);
        expect(sharedOutcomes.filter((o) => o === 'accepted')).toHaveLength(1);
        expect(sharedOutcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
        expect(await store.listEvents({ limit: 1000 })).toHaveLength(20 * 2 + 10 + 1);
        expect((await store.ingestStats()).total).toMatchObject({ received: 60, accepted: 51, duplicates: 9 });
      });

      it('rejects only the bad input when a shared transaction fails', async () => {
        const good1 = input([ev(), ev()]);
        const bad = input([ev()], [{ destinationId: undefined, mappingId: 'm', action: 'a' } as unknown as NewDelivery]);
        const good2 = input([ev()]);
        const settled = await Promise.allSettled([good1, bad, good2].map((x) => store.appendEvents(x)));
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const events = await store.listEvents({});
        expect(events.map((e) => e.messageId).sort()).toEqual(
          [...good1.events, ...good2.events].map((e) => e.event.messageId).sort(),
        );
        // Nothing of the bad input survived: no event, no dedup entry, no counters.
        expect((await store.appendEvents(input([bad.events[0]!.event]))).outcomes).toEqual(['accepted']);
        expect((await store.ingestStats()).total.accepted).toBe(4);
      });
    });

    describe('claimDeliveries', () => {
      it('creates pending deliveries per mapping with denormalised fields', async () => {
        const [e] = await seed(1, [FX, ODP]);
        const list = await store.listDeliveries({});
        expect(list).toHaveLength(2);
        const fx = list.find((d) => d.destinationId === 'fx')!;
        expect(fx).toMatchObject({
          mappingId: 'conversions',
          action: 'trackEvent',
          lane: 'fx:trackEvent',
          status: 'pending',
          attempts: 0,
          createdAt: T,
          updatedAt: T,
          nextAttemptAt: T,
          leaseOwner: null,
          leaseExpiresAt: null,
          lastError: null,
          lastStatusCode: null,
          flags: null,
          messageId: e!.messageId,
          userId: e!.userId,
          eventName: 'Order Completed',
        });
        const [stored] = await store.listEvents({});
        expect(fx.eventId).toBe(stored!.id);
      });

      it('claims oldest first under a lease, with the event, up to the limit, per lane', async () => {
        const events = await seed(5, [FX, ODP]);
        const batch = await claim('fx:trackEvent', 3, 'w1', T + 10, 5_000);
        expect(batch).toHaveLength(3);
        expect(batch.map((d) => d.messageId)).toEqual(events.slice(0, 3).map((e) => e.messageId));
        expect(batch.map((d) => d.id)).toEqual([...batch.map((d) => d.id)].sort((a, b) => a - b));
        for (const d of batch) {
          expect(d).toMatchObject({ status: 'in_flight', leaseOwner: 'w1', leaseExpiresAt: T + 5_010, lane: 'fx:trackEvent' });
          expect(d.event.messageId).toBe(d.messageId);
        }
        expect(batch[0]!.event).toEqual(events[0]);
        const stored = await store.getDelivery(batch[0]!.id);
        expect(stored).toMatchObject({ status: 'in_flight', leaseOwner: 'w1', leaseExpiresAt: T + 5_010, updatedAt: T + 10 });
        const rest = await claim('fx:trackEvent', 10, 'w2', T + 10);
        expect(rest.map((d) => d.messageId)).toEqual(events.slice(3).map((e) => e.messageId));
        expect(await claim('fx:trackEvent', 10, 'w2', T + 10)).toEqual([]);
        expect(await claim('odp:sendEvent', 10, 'w3', T + 10)).toHaveLength(5);
        expect(await claim('nope:x', 10)).toEqual([]);
        expect(await claim('fx:trackEvent', 0)).toEqual([]);
      });

      it('orders by nextAttemptAt then id and skips retry_wait rows not yet due', async () => {
        await seed(3);
        const [a, b, c] = await claim('fx:trackEvent', 3);
        await store.completeDeliveries(
          [
            done(a!, { status: 'retry_wait', nextAttemptAt: T + 2_000, error: 'HTTP 503' }),
            done(b!, { status: 'retry_wait', nextAttemptAt: T + 1_000, error: 'HTTP 503' }),
            done(c!, { status: 'retry_wait', nextAttemptAt: T + 1_000, error: 'HTTP 503' }),
          ],
          T,
        );
        expect(await claim('fx:trackEvent', 10, 'w1', T + 999)).toEqual([]);
        const due1 = await claim('fx:trackEvent', 10, 'w1', T + 1_000);
        expect(due1.map((d) => d.id)).toEqual([b!.id, c!.id]);
        const due2 = await claim('fx:trackEvent', 10, 'w1', T + 5_000);
        expect(due2.map((d) => d.id)).toEqual([a!.id]);
        expect(due2[0]!.attempts).toBe(1);
      });

      it('never gives the same delivery to concurrent claimers', async () => {
        await seed(50);
        const batches = await Promise.all(Array.from({ length: 8 }, (_, i) => claim('fx:trackEvent', 7, `w${i}`)));
        const ids = batches.flat().map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toHaveLength(50);
        batches.forEach((b, i) => b.forEach((d) => expect(d.leaseOwner).toBe(`w${i}`)));
      });
    });

    describe('completeDeliveries', () => {
      it('records delivered with an attempt log entry and clears the lease', async () => {
        await seed(1);
        const [d] = await claim('fx:trackEvent');
        const request = { method: 'POST', url: 'https://logx.example/v1/events', headers: { authorization: '[redacted]' }, body: { a: 1 } };
        const response = { status: 204, headers: {}, body: null };
        await store.completeDeliveries(
          [done(d!, { statusCode: 204, flags: { notInRunningExperiment: true }, attempt: { startedAt: T + 1, durationMs: 12, statusCode: 204, request, response } })],
          T + 20,
        );
        const got = await store.getDelivery(d!.id);
        expect(got).toMatchObject({
          status: 'delivered',
          attempts: 1,
          leaseOwner: null,
          leaseExpiresAt: null,
          updatedAt: T + 20,
          lastStatusCode: 204,
          flags: { notInRunningExperiment: true },
        });
        expect(got!.event).toEqual(d!.event);
        expect(got!.attemptLog).toHaveLength(1);
        expect(got!.attemptLog[0]).toMatchObject({
          deliveryId: d!.id,
          attempt: 1,
          outcome: 'delivered',
          startedAt: T + 1,
          durationMs: 12,
          statusCode: 204,
          request,
          response,
        });
        expect(await store.getDelivery(d!.id + 999)).toBeUndefined();
      });

      it('keeps a growing attempt log across retries and ends dead with the last error', async () => {
        await seed(1);
        let [d] = await claim('fx:trackEvent');
        await store.completeDeliveries(
          [done(d!, { status: 'retry_wait', nextAttemptAt: T + 100, error: 'HTTP 503: busy', statusCode: 503, attempt: { startedAt: T, durationMs: 5, statusCode: 503, error: 'HTTP 503: busy' } })],
          T,
        );
        let got = await store.getDelivery(d!.id);
        expect(got).toMatchObject({ status: 'retry_wait', attempts: 1, nextAttemptAt: T + 100, lastError: 'HTTP 503: busy', lastStatusCode: 503 });
        [d] = await claim('fx:trackEvent', 10, 'w1', T + 100);
        await store.completeDeliveries(
          [done(d!, { status: 'dead', error: 'HTTP 400: invalid event', statusCode: 400, attempt: { startedAt: T + 100, durationMs: 7, statusCode: 400 } })],
          T + 110,
        );
        got = await store.getDelivery(d!.id);
        expect(got).toMatchObject({ status: 'dead', attempts: 2, lastError: 'HTTP 400: invalid event', lastStatusCode: 400 });
        expect(got!.attemptLog.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
          [1, 'retry_wait', 503],
          [2, 'dead', 400],
        ]);
      });

      it('releases to pending without counting an attempt', async () => {
        await seed(1);
        const [d] = await claim('fx:trackEvent');
        await store.completeDeliveries([done(d!, { status: 'pending', countsAsAttempt: false })], T + 5);
        const got = await store.getDelivery(d!.id);
        expect(got).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: T, leaseOwner: null });
        expect(got!.attemptLog).toEqual([]);
        expect(await claim('fx:trackEvent', 10, 'w2', T + 5)).toHaveLength(1);
      });

      it('ignores completions from an owner that lost the lease', async () => {
        await seed(2);
        const [d1, d2] = await claim('fx:trackEvent', 10, 'w1', T, 1_000);
        expect(await store.releaseExpiredLeases(T + 999)).toBe(0);
        expect(await store.releaseExpiredLeases(T + 1_000)).toBe(2);
        const again = await claim('fx:trackEvent', 10, 'w2', T + 1_001);
        expect(again.map((d) => d.id)).toEqual([d1!.id, d2!.id]);
        // w1 wakes up late: ignored. w2's outcome stands.
        await store.completeDeliveries([done(d1!, { owner: 'w1', status: 'dead', error: 'late' })], T + 1_002);
        expect(await store.getDelivery(d1!.id)).toMatchObject({ status: 'in_flight', leaseOwner: 'w2', attempts: 0, lastError: null });
        await store.completeDeliveries([done(again[0]!, { owner: 'w2' })], T + 1_003);
        expect(await store.getDelivery(d1!.id)).toMatchObject({ status: 'delivered', attempts: 1 });
        // A second completion of a finished delivery is ignored too.
        await store.completeDeliveries([done(again[0]!, { owner: 'w2', status: 'dead', error: 'twice' })], T + 1_004);
        expect(await store.getDelivery(d1!.id)).toMatchObject({ status: 'delivered', lastError: null });
        // Attempt rows are written only for applied outcomes.
        expect((await store.getDelivery(d1!.id))!.attemptLog).toEqual([]);
      });

      it('accepts an empty list', async () => {
        await expect(store.completeDeliveries([], T)).resolves.toBeUndefined();
      });
    });

    describe('leases', () => {
      it('extends only the leases the owner still holds', async () => {
        await seed(2);
        const [a] = await claim('fx:trackEvent', 1, 'w1', T, 1_000);
        const [b] = await claim('fx:trackEvent', 1, 'w2', T, 1_000);
        await store.extendLeases([a!.id, b!.id], 'w1', T + 60_000);
        expect((await store.getDelivery(a!.id))!.leaseExpiresAt).toBe(T + 60_000);
        expect((await store.getDelivery(b!.id))!.leaseExpiresAt).toBe(T + 1_000);
        expect(await store.releaseExpiredLeases(T + 2_000)).toBe(1);
        expect((await store.getDelivery(b!.id))!.status).toBe('pending');
        expect((await store.getDelivery(a!.id))!.status).toBe('in_flight');
        await store.extendLeases([], 'w1', T);
      });

      it('returns expired in-flight deliveries to pending, keeping their place', async () => {
        await seed(3);
        const claimed = await claim('fx:trackEvent', 2, 'w1', T, 500);
        expect(await store.releaseExpiredLeases(T + 500)).toBe(2);
        const d = await store.getDelivery(claimed[0]!.id);
        expect(d).toMatchObject({ status: 'pending', leaseOwner: null, leaseExpiresAt: null, nextAttemptAt: T, attempts: 0 });
        expect((await claim('fx:trackEvent', 1, 'w2', T + 600)).map((x) => x.id)).toEqual([claimed[0]!.id]);
        expect(await store.releaseExpiredLeases(T + 600)).toBe(0);
      });
    });

    describe('readyLanes / nextDueAt', () => {
      it('lists lanes with due work and the earliest due time', async () => {
        expect(await store.readyLanes(T)).toEqual([]);
        expect(await store.nextDueAt()).toBeUndefined();
        await seed(1, [FX]);
        await seed(1, [ODP]);
        expect((await store.readyLanes(T)).sort()).toEqual(['fx:trackEvent', 'odp:sendEvent']);
        expect(await store.readyLanes(T - 1)).toEqual([]);
        const [d] = await claim('odp:sendEvent');
        expect(await store.readyLanes(T)).toEqual(['fx:trackEvent']);
        await store.completeDeliveries([done(d!, { status: 'retry_wait', nextAttemptAt: T + 5_000 })], T);
        const [f] = await claim('fx:trackEvent');
        expect(await store.readyLanes(T + 10)).toEqual([]);
        expect(await store.nextDueAt()).toBe(T + 5_000);
        expect(await store.readyLanes(T + 5_000)).toEqual(['odp:sendEvent']);
        await store.completeDeliveries([done(f!, { status: 'retry_wait', nextAttemptAt: T + 3_000 })], T);
        expect(await store.nextDueAt()).toBe(T + 3_000);
      });
    });

    describe('listDeliveries', () => {
      it('pages newest first and filters by every field', async () => {
        await store.appendEvents(input([ev({ userId: 'alice', event: 'Signed Up' })], [FX, ODP]));
        await store.appendEvents(input([ev({ userId: 'bob' })], [FX]));
        const [x] = await claim('fx:trackEvent', 1);
        await store.completeDeliveries([done(x!, { status: 'dead', error: 'HTTP 400: Invalid Event Key' })], T);
        const all = await store.listDeliveries({});
        expect(all).toHaveLength(3);
        expect(all.map((d) => d.id)).toEqual([...all.map((d) => d.id)].sort((a, b) => b - a));
        expect(await store.listDeliveries({ limit: 1, before: all[0]!.id })).toEqual([all[1]]);
        expect((await store.listDeliveries({ status: 'dead' })).map((d) => d.id)).toEqual([x!.id]);
        expect(await store.listDeliveries({ status: 'pending' })).toHaveLength(2);
        expect(await store.listDeliveries({ destinationId: 'odp' })).toHaveLength(1);
        expect(await store.listDeliveries({ lane: 'fx:trackEvent' })).toHaveLength(2);
        expect(await store.listDeliveries({ userId: 'alice' })).toHaveLength(2);
        expect(await store.listDeliveries({ userId: 'alice', destinationId: 'fx' })).toHaveLength(1);
        expect(await store.listDeliveries({ messageId: x!.messageId })).toHaveLength(2);
        expect(await store.listDeliveries({ eventName: 'Signed Up' })).toHaveLength(2);
        expect((await store.listDeliveries({ error: 'invalid event' })).map((d) => d.id)).toEqual([x!.id]);
        expect(await store.listDeliveries({ eventId: x!.eventId })).toHaveLength(2);
        expect(await store.listDeliveries({ userId: 'carol' })).toEqual([]);
      });
    });

    describe('dead letters', () => {
      async function deadSet() {
        await store.appendEvents(input([ev({ userId: 'alice' }), ev({ userId: 'bob', event: 'Refund' })], [FX, ODP]));
        await store.appendEvents(input([ev({ userId: 'carol' })], [FX]));
        const fx = await claim('fx:trackEvent');
        const odp = await claim('odp:sendEvent');
        await store.completeDeliveries(
          [
            done(fx[0]!, { status: 'dead', error: 'HTTP 400: bad key', attempt: { startedAt: T, durationMs: 1 } }),
            done(fx[1]!, { status: 'dead', error: 'HTTP 400: bad key' }),
            done(fx[2]!, { status: 'delivered' }),
            done(odp[0]!, { status: 'dead', error: 'HTTP 401: unauthorized' }),
            done(odp[1]!, { status: 'retry_wait', nextAttemptAt: T + 1_000, error: 'HTTP 503' }),
          ],
          T,
        );
        return { fx, odp };
      }

      it('replays by ids, by filter and all, resetting attempts and keeping the error as history', async () => {
        const { fx, odp } = await deadSet();
        expect(await store.replayDead({ ids: [] }, T + 10)).toBe(0);
        expect(await store.replayDead({ ids: [fx[2]!.id, odp[1]!.id] }, T + 10)).toBe(0); // not dead
        expect(await store.replayDead({ ids: [fx[0]!.id] }, T + 10)).toBe(1);
        const r = await store.getDelivery(fx[0]!.id);
        expect(r).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: T + 10, updatedAt: T + 10, lastError: 'HTTP 400: bad key' });
        expect(r!.attemptLog).toHaveLength(1);
        expect(await store.replayDead({ destinationId: 'odp', error: 'BAD KEY' }, T + 10)).toBe(0);
        expect(await store.replayDead({ error: 'unauthor' }, T + 10)).toBe(1);
        expect(await store.replayDead({ userId: 'nobody' }, T + 10)).toBe(0);
        expect(await store.replayDead({ eventName: 'Refund', lane: 'fx:trackEvent' }, T + 10)).toBe(1);
        expect(await store.listDeliveries({ status: 'dead' })).toEqual([]);
        expect((await claim('fx:trackEvent', 10, 'w9', T + 10)).map((d) => d.id).sort()).toEqual([fx[0]!.id, fx[1]!.id].sort());
      });

      it('replays everything with an empty filter', async () => {
        await deadSet();
        expect(await store.replayDead({}, T + 10)).toBe(3);
        expect(await store.listDeliveries({ status: 'dead' })).toEqual([]);
      });

      it('purges by filter, with their attempt logs, and leaves the rest', async () => {
        const { fx, odp } = await deadSet();
        expect(await store.purgeDead({ ids: [] })).toBe(0);
        expect(await store.purgeDead({ destinationId: 'fx', userId: 'alice' })).toBe(1);
        expect(await store.getDelivery(fx[0]!.id)).toBeUndefined();
        expect(await store.purgeDead({ ids: [fx[2]!.id] })).toBe(0); // delivered, not dead
        expect(await store.purgeDead({})).toBe(2);
        expect(await store.getDelivery(odp[0]!.id)).toBeUndefined();
        expect(await store.getDelivery(odp[1]!.id)).toMatchObject({ status: 'retry_wait' });
        expect(await store.getDelivery(fx[2]!.id)).toMatchObject({ status: 'delivered' });
        const stats = await store.laneStats(T);
        expect(stats.reduce((n, s) => n + s.dead, 0)).toBe(0);
      });

      it('retryNow makes one delivery due now', async () => {
        const { fx, odp } = await deadSet();
        expect(await store.retryNow(odp[1]!.id, T + 1)).toBe(true);
        expect(await store.getDelivery(odp[1]!.id)).toMatchObject({ status: 'retry_wait', nextAttemptAt: T + 1, attempts: 1 });
        expect(await store.retryNow(fx[0]!.id, T + 2)).toBe(true);
        expect(await store.getDelivery(fx[0]!.id)).toMatchObject({ status: 'pending', nextAttemptAt: T + 2, attempts: 0 });
        expect(await store.retryNow(fx[2]!.id, T + 3)).toBe(false); // delivered
        expect(await store.retryNow(999_999, T + 3)).toBe(false);
        const ready = await claim('odp:sendEvent', 10, 'w1', T + 1);
        expect(ready.map((d) => d.id)).toEqual([odp[1]!.id]);
        expect(await store.retryNow(odp[1]!.id, T + 3)).toBe(false); // in flight
      });
    });

    describe('laneStats / deliveryBreakdown', () => {
      it('counts per status per lane with the oldest pending age', async () => {
        expect(await store.laneStats(T)).toEqual([]);
        await seed(3, [FX, ODP]);
        await seed(1, [FX], { now: T + 1_000 });
        const fx = await claim('fx:trackEvent', 3, 'w1', T + 2_000);
        await store.completeDeliveries([done(fx[0]!), done(fx[1]!, { status: 'dead', error: 'x' })], T + 2_000);
        const odp = await claim('odp:sendEvent', 3, 'w1', T + 2_000);
        await store.completeDeliveries(odp.map((d) => done(d)), T + 2_000);
        const stats = (await store.laneStats(T + 5_000)).sort((a, b) => a.lane.localeCompare(b.lane));
        expect(stats).toEqual([
          { lane: 'fx:trackEvent', destinationId: 'fx', action: 'trackEvent', pending: 1, inFlight: 1, retryWait: 0, delivered: 1, dead: 1, oldestPendingAgeMs: 5_000 },
          { lane: 'odp:sendEvent', destinationId: 'odp', action: 'sendEvent', pending: 0, inFlight: 0, retryWait: 0, delivered: 3, dead: 0, oldestPendingAgeMs: 0 },
        ]);
        await store.completeDeliveries([done(fx[2]!, { status: 'retry_wait', nextAttemptAt: T + 9_000 })], T + 5_000);
        const fxStats = (await store.laneStats(T + 5_000)).find((s) => s.lane === 'fx:trackEvent')!;
        expect(fxStats).toMatchObject({ pending: 1, inFlight: 0, retryWait: 1, oldestPendingAgeMs: 5_000 });
      });

      it('breaks a destination down by status, dead reason and flag', async () => {
        await seed(6, [FX, ODP]);
        const fx = await claim('fx:trackEvent', 6);
        await store.completeDeliveries(
          [
            done(fx[0]!, { flags: { notInRunningExperiment: true, droppedAttributes: ['color', 'size'] } }),
            done(fx[1]!, { flags: { notInRunningExperiment: true, droppedAttributes: ['color'], ignored: false } }),
            done(fx[2]!),
            done(fx[3]!, { status: 'dead', error: 'event key "x" is not defined in the datafile' }),
            done(fx[4]!, { status: 'dead', error: 'event key "x" is not defined in the datafile' }),
            done(fx[5]!, { status: 'dead', error: 'HTTP 400' }),
          ],
          T,
        );
        const b = await store.deliveryBreakdown('fx');
        expect(b.byStatus).toEqual({ pending: 0, in_flight: 0, delivered: 3, retry_wait: 0, dead: 3 });
        expect(b.deadReasons).toEqual([
          { reason: 'event key "x" is not defined in the datafile', count: 2 },
          { reason: 'HTTP 400', count: 1 },
        ]);
        expect(b.flags).toEqual({ notInRunningExperiment: 2, 'droppedAttributes:color': 2, 'droppedAttributes:size': 1 });
        const o = await store.deliveryBreakdown('odp');
        expect(o).toEqual({ byStatus: { pending: 6, in_flight: 0, delivered: 0, retry_wait: 0, dead: 0 }, deadReasons: [], flags: {} });
        expect((await store.deliveryBreakdown('none')).byStatus.pending).toBe(0);
      });
    });
  });
}
