/**
 * Maintenance conformance (retention purges, stats): every backend implementing MaintenanceStore runs it.
 *   runMaintenanceConformance('sqlite (file)', async () => ({ store, cleanup }))
 * Times are explicit epoch-ms values; nothing sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../src/core/event.js';
import type { MaintenanceStore, PurgeInput, PurgeResult } from '../../src/store/maintenance-types.js';
import type { AppendInput, DeliveryOutcome, NewDelivery, Store } from '../../src/store/types.js';

export interface MaintenanceHarness {
  store: Store & MaintenanceStore;
  cleanup(): Promise<void>;
}

const T = 1_700_000_000_000;
const H = 3_600_000;
const DAY = 24 * H;
const FX: NewDelivery = { destinationId: 'fx', mappingId: 'conversions', action: 'trackEvent' };
const ODP: NewDelivery = { destinationId: 'odp', mappingId: 'events', action: 'sendEvent' };

let seq = 0;
function ev(name: string): SegmentEvent {
  seq++;
  const ts = new Date(T).toISOString();
  return { type: 'track', event: name, messageId: `${name}-${seq}`, userId: `u-${seq}`, properties: {}, timestamp: ts, originalTimestamp: ts, receivedAt: ts };
}

/** Purge until done, like the retention worker (cursor carried between calls). Returns totals per table. */
export async function purgeAll(fn: (i: PurgeInput) => Promise<PurgeResult>, before: number, limit: number, between?: () => Promise<void>): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  let cursor: number | undefined;
  for (let calls = 0; calls < 10_000; calls++) {
    const r = await fn({ before, limit, cursor });
    for (const [k, v] of Object.entries(r.deleted)) totals[k] = (totals[k] ?? 0) + (v ?? 0);
    if (!r.more) return totals;
    cursor = r.cursor;
    if (between) await between();
  }
  throw new Error('purge did not finish');
}

export function runMaintenanceConformance(name: string, factory: () => Promise<MaintenanceHarness>): void {
  describe(`Maintenance conformance: ${name}`, () => {
    let h: MaintenanceHarness;
    let store: Store & MaintenanceStore;
    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    async function append(now: number, items: { event: SegmentEvent; deliveries: NewDelivery[] }[], rejected = 0): Promise<void> {
      const input: AppendInput = {
        sourceId: 'web',
        now,
        dedupWindowMs: DAY,
        events: items,
        rejected: Array.from({ length: rejected }, (_, i) => ({ sourceId: 'web', reason: 'bad', body: { i }, index: i })),
        suppressed: 0,
      };
      await store.appendEvents(input);
    }

    /** Claim every ready delivery of a lane at `now` and give each the outcome `pick` chooses. */
    async function finish(lane: string, now: number, pick: (messageId: string) => DeliveryOutcome['status'] | undefined): Promise<void> {
      const claimed = await store.claimDeliveries({ lane, limit: 1000, owner: 'w', leaseMs: 30_000, now });
      const outcomes: DeliveryOutcome[] = claimed.map((d) => {
        const status = pick(d.messageId) ?? 'pending';
        return {
          id: d.id,
          owner: 'w',
          status,
          countsAsAttempt: status !== 'pending',
          error: status === 'dead' ? 'HTTP 400' : undefined,
          attempt: status === 'pending' ? undefined : { startedAt: now, durationMs: 3, statusCode: status === 'dead' ? 400 : 204 },
        };
      });
      await store.completeDeliveries(outcomes, now);
    }

    async function messageIds(): Promise<string[]> {
      return (await store.listEvents({ limit: 1000 })).map((e) => e.messageId).sort();
    }

    it('purges exactly the events whose deliveries are all delivered and old, with their deliveries and attempts', async () => {
      const a = ev('a'); // delivered early: due
      const b = ev('b'); // fx delivered, odp dead: stays (dead letter)
      const c = ev('c'); // matched no mapping: due
      const d = ev('d'); // never delivered: stays
      const e = ev('e'); // delivered recently: stays
      await append(T, [
        { event: a, deliveries: [FX] },
        { event: b, deliveries: [FX, ODP] },
        { event: c, deliveries: [] },
        { event: d, deliveries: [ODP] },
        { event: e, deliveries: [FX] },
      ]);
      await finish('fx:trackEvent', T + H, (m) => (m === e.messageId ? undefined : 'delivered'));
      await finish('odp:sendEvent', T + H, (m) => (m === b.messageId ? 'dead' : undefined));
      await finish('fx:trackEvent', T + 6 * DAY, () => 'delivered'); // e
      const f = ev('f'); // received after the cutoff
      await append(T + 7 * DAY, [{ event: f, deliveries: [FX] }]);
      await finish('fx:trackEvent', T + 7 * DAY, () => 'delivered');

      const now = T + 7 * DAY + 2 * H;
      const totals = await purgeAll((i) => store.purgeDeliveredEvents(i), now - 7 * DAY, 2);
      expect(totals.events).toBe(2);
      expect(totals.deliveries).toBe(1);
      expect(totals.attempts).toBe(1);
      expect(await messageIds()).toEqual([b, d, e, f].map((x) => x.messageId).sort());
      const fx = (await store.laneStats(now)).find((l) => l.lane === 'fx:trackEvent')!;
      expect(fx.delivered).toBe(3); // b, e, f
      const odp = (await store.laneStats(now)).find((l) => l.lane === 'odp:sendEvent')!;
      expect([odp.pending, odp.dead]).toEqual([1, 1]);
      // Idempotent: nothing more is due.
      expect((await purgeAll((i) => store.purgeDeliveredEvents(i), now - 7 * DAY, 2)).events ?? 0).toBe(0);
    });

    it('purges dead letters after their own age, never a replayed one, and then their events', async () => {
      const old = ev('old');
      const replayed = ev('replayed');
      const young = ev('young');
      await append(T, [
        { event: old, deliveries: [FX] },
        { event: replayed, deliveries: [FX] },
        { event: young, deliveries: [FX] },
      ]);
      await finish('fx:trackEvent', T + H, (m) => (m === young.messageId ? undefined : 'dead'));
      await finish('fx:trackEvent', T + 20 * DAY, () => 'dead'); // young dies at day 20
      const deadReplayed = (await store.listDeliveries({ status: 'dead', messageId: replayed.messageId }))[0]!;
      expect(await store.replayDead({ ids: [deadReplayed.id] }, T + 29 * DAY)).toBe(1);

      const now = T + 31 * DAY;
      const totals = await purgeAll((i) => store.purgeDeadLetters(i), now - 30 * DAY, 1);
      expect(totals.deliveries).toBe(1);
      expect(totals.attempts).toBe(1);
      const left = await store.listDeliveries({ limit: 100 });
      expect(left.map((x) => [x.messageId, x.status]).sort()).toEqual([
        [replayed.messageId, 'pending'],
        [young.messageId, 'dead'],
      ]);
      // The event of the purged dead letter has no deliveries left: the delivered rule takes it.
      const events = await purgeAll((i) => store.purgeDeliveredEvents(i), now - 7 * DAY, 100);
      expect(events.events).toBe(1);
      expect(await messageIds()).toEqual([replayed.messageId, young.messageId].sort());
      const lane = (await store.laneStats(now)).find((l) => l.lane === 'fx:trackEvent')!;
      expect([lane.pending, lane.dead]).toEqual([1, 1]);
    });

    it('purges rejected records after their age', async () => {
      await append(T, [], 3);
      await append(T + 20 * DAY, [], 2);
      const now = T + 31 * DAY;
      const totals = await purgeAll((i) => store.purgeRejected(i), now - 30 * DAY, 2);
      expect(totals.rejected).toBe(3);
      const left = await store.listRejected({ limit: 100 });
      expect(left.map((r) => r.receivedAt)).toEqual([T + 20 * DAY, T + 20 * DAY]);
    });

    it('purges exactly what is due while new events keep arriving between batches', async () => {
      const oldOnes = Array.from({ length: 50 }, () => ev('old'));
      await append(T, oldOnes.map((event) => ({ event, deliveries: [FX] })));
      await finish('fx:trackEvent', T + H, () => 'delivered');
      const now = T + 8 * DAY;
      const arrived: SegmentEvent[] = [];
      const totals = await purgeAll(
        (i) => store.purgeDeliveredEvents(i),
        now - 7 * DAY,
        7,
        async () => {
          const batch = [ev('new'), ev('new')];
          arrived.push(...batch);
          await append(now, batch.map((event) => ({ event, deliveries: [FX] })));
        },
      );
      expect(totals.events).toBe(50);
      expect(arrived.length).toBeGreaterThan(0);
      expect(await messageIds()).toEqual(arrived.map((x) => x.messageId).sort());
      const lane = (await store.laneStats(now)).find((l) => l.lane === 'fx:trackEvent')!;
      expect([lane.pending, lane.delivered]).toEqual([arrived.length, 0]);
    });

    it('reports rows per table, the oldest row and the size', async () => {
      const empty = await store.storeStats(T);
      expect(empty.oldest).toBeNull();
      expect(empty.schemaVersion).toBeGreaterThan(0);
      await append(T, [{ event: ev('s'), deliveries: [FX, ODP] }], 1);
      await append(T + H, [{ event: ev('s'), deliveries: [FX] }]);
      const s = await store.storeStats(T + H);
      const rows = Object.fromEntries(s.tables.map((t) => [t.table, t.rows]));
      expect(rows).toMatchObject({ events: 2, deliveries: 3, rejected: 1 });
      expect(s.tables.find((t) => t.table === 'events')!.oldestAt).toBe(T);
      expect(s.oldest?.at).toBe(T);
      expect(s.sizeBytes).toBeGreaterThan(0);
      expect(s.kind).toBe(store.kind);
    });

    it('reclaims space after a purge', async () => {
      const many = Array.from({ length: 400 }, () => ({ ...ev('big'), properties: { blob: 'x'.repeat(2000) } }));
      await append(T, many.map((event) => ({ event, deliveries: [] })));
      await purgeAll((i) => store.purgeDeliveredEvents(i), T + 8 * DAY, 100);
      const r = await store.reclaimSpace();
      expect(r.freedBytes).toBeGreaterThanOrEqual(0);
      expect((await store.storeStats(T)).tables.find((t) => t.table === 'events')!.rows).toBe(0);
    });
  });
}
