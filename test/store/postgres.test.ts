/**
 * The PostgreSQL store against a real server: the Store conformance suite and the maintenance conformance suite
 * (the same ones SQLite runs), plus what only a shared database has: concurrent migrations, the schema-version
 * guard, several store instances (processes) on one queue, shared limiter state, sync run leases across instances
 * and LISTEN/NOTIFY wake-ups. One schema per file, emptied between tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import type { MaintenanceStore } from '../../src/store/maintenance-types.js';
import type { Store } from '../../src/store/types.js';
import { runMaintenanceConformance } from '../ops/maintenance-conformance.js';
import { runStoreConformance } from './conformance.js';
import { dropSchema, randomSchema, requirePostgres, schemaUrl, truncateSchema } from './fixtures/pg.js';

const run = await requirePostgres('the PostgreSQL store tests');

describe.runIf(run)('PostgreSQL store', () => {
  const schema = randomSchema();
  beforeAll(async () => {
    const s = await openStore(schemaUrl(schema));
    await s.close();
  });
  afterAll(async () => {
    await dropSchema(schema);
  });

  async function fresh(): Promise<Store & MaintenanceStore & PostgresStore> {
    await truncateSchema(schema);
    return (await openStore(schemaUrl(schema))) as Store & MaintenanceStore & PostgresStore;
  }

  runStoreConformance('postgres', async () => {
    const store = await fresh();
    return { store, cleanup: () => store.close() };
  });

  runMaintenanceConformance('postgres', async () => {
    const store = await fresh();
    return { store, cleanup: () => store.close() };
  });
});

describe.runIf(run)('PostgreSQL store: several processes on one database', () => {
  const schema = randomSchema();
  const T = 1_700_000_000_000;
  afterAll(async () => {
    await dropSchema(schema);
  });

  it('migrates once when many processes start at the same time, and refuses a schema newer than the code', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => openStore(schemaUrl(schema))));
    try {
      const pgStore = stores[0] as PostgresStore;
      const rows = await pgStore.db.q<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
      await pgStore.db.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)`);
      await expect(openStore(schemaUrl(schema))).rejects.toThrow(/schema is at version 99 .* supports schema version 99/);
      await pgStore.db.q('DELETE FROM schema_migrations WHERE version = 99');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('shares one queue: two instances claim disjoint batches, dedup holds across them, and a dead claimer is taken over', async () => {
    await truncateSchema(schema);
    const a = await openStore(schemaUrl(schema));
    const b = await openStore(schemaUrl(schema));
    try {
      const ts = new Date(T).toISOString();
      const mk = (i: number) => ({ type: 'track' as const, event: 'E', messageId: `m-${i}`, userId: `u${i}`, timestamp: ts, originalTimestamp: ts, receivedAt: ts });
      const FX = { destinationId: 'fx', mappingId: 'c', action: 'trackEvent' };
      const input = (from: number, n: number) => ({ sourceId: 'web', now: T, dedupWindowMs: 86_400_000, events: Array.from({ length: n }, (_, i) => ({ event: mk(from + i), deliveries: [FX] })), rejected: [], suppressed: 0 });
      // Overlapping requests from two processes: each messageId accepted exactly once.
      const [ra, rb] = await Promise.all([a.appendEvents(input(0, 60)), b.appendEvents(input(30, 60))]);
      const accepted = [...ra.outcomes, ...rb.outcomes].filter((o) => o === 'accepted').length;
      expect(accepted).toBe(90);
      const [ca, cb] = await Promise.all([
        a.claimDeliveries({ lane: 'fx:trackEvent', limit: 50, owner: 'A', leaseMs: 1_000, now: T }),
        b.claimDeliveries({ lane: 'fx:trackEvent', limit: 50, owner: 'B', leaseMs: 30_000, now: T }),
      ]);
      const ids = [...ca, ...cb].map((d) => d.id);
      expect(new Set(ids).size).toBe(90);
      // A "dies": its leases run out and B's sweep hands them back; B claims them.
      expect(await b.releaseExpiredLeases(T + 1_000)).toBe(ca.length);
      const taken = await b.claimDeliveries({ lane: 'fx:trackEvent', limit: 100, owner: 'B', leaseMs: 30_000, now: T + 1_001 });
      expect(taken.map((d) => d.id).sort((x, y) => x - y)).toEqual(ca.map((d) => d.id).sort((x, y) => x - y));
      await b.completeDeliveries([...cb, ...taken].map((d) => ({ id: d.id, owner: 'B', status: 'delivered' as const, countsAsAttempt: true })), T + 2_000);
      // A wakes up late: ignored.
      await a.completeDeliveries(ca.map((d) => ({ id: d.id, owner: 'A', status: 'dead' as const, countsAsAttempt: true })), T + 2_001);
      const [lane] = await a.laneStats(T + 3_000);
      expect(lane).toMatchObject({ pending: 0, inFlight: 0, delivered: 90, dead: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('shares limiter state between instances (compare-and-set per key)', async () => {
    await truncateSchema(schema);
    const a = (await openStore(schemaUrl(schema))) as PostgresStore;
    const b = (await openStore(schemaUrl(schema))) as PostgresStore;
    try {
      const bump = (s: PostgresStore) =>
        s.limiterState().update('lane', (slot) => ({ slot: { tat: (slot?.tat ?? 0) + 1, tatMinute: 0, pausedUntil: 0, factor: 1, factorChangedAt: 0 }, result: undefined }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i % 2 ? a : b)));
      expect((await a.limiterState().get('lane'))?.tat).toBe(20);
      expect(await b.limiterState().get('other')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('starts a sync run once across instances and lets another take over an expired lease', async () => {
    await truncateSchema(schema);
    const a = (await openStore(schemaUrl(schema))) as PostgresStore;
    const b = (await openStore(schemaUrl(schema))) as PostgresStore;
    try {
      const start = (s: PostgresStore, owner: string, now: number) => s.startSyncRun({ syncId: 'users', trigger: 'schedule', owner, leaseMs: 1_000, now });
      const results = await Promise.all([start(a, 'A', T), start(b, 'B', T), start(a, 'A2', T), start(b, 'B2', T)]);
      expect(results.filter((r) => r.started)).toHaveLength(1);
      const winner = results.find((r) => r.started)!;
      expect(winner.started && winner.resumed).toBe(false);
      const resumed = await start(b, 'B3', T + 1_000);
      expect(resumed).toMatchObject({ started: true, resumed: true, run: { resumes: 1, leaseOwner: 'B3' } });
      if (!resumed.started) throw new Error('unreachable');
      await b.finishSyncRun(resumed.run.id, 'B3', { status: 'completed', counts: resumed.run.counts, now: T + 1_500 });
      expect(await a.getSyncRun(resumed.run.id)).toMatchObject({ status: 'completed', leaseOwner: null });
      await a.applySnapshot('users', [{ pk: 'b', hash: '1' }, { pk: 'a', hash: '2' }, { pk: 'c', hash: '3' }, { pk: 'c', hash: null }]);
      const pages: { pk: string; hash: string }[][] = [];
      for await (const p of b.iterateSnapshot('users')) pages.push(p);
      expect(pages.flat()).toEqual([{ pk: 'a', hash: '2' }, { pk: 'b', hash: '1' }]);
      expect(await b.snapshotSize('users')).toBe(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('wakes listeners in other instances after an ingest commit (NOTIFY as a hint)', async () => {
    await truncateSchema(schema);
    const a = (await openStore(schemaUrl(schema))) as PostgresStore;
    const b = (await openStore(schemaUrl(schema))) as PostgresStore;
    try {
      let woke = 0;
      let resolveWoke: () => void = () => undefined;
      const listening = new Promise<void>((r) => (resolveWoke = r));
      b.onWake(() => {
        woke++;
        resolveWoke();
      });
      await listening; // the first wake comes once LISTEN is in place
      const before = woke;
      const gotNotified = new Promise<void>((r) => (resolveWoke = r));
      const ts = new Date(T).toISOString();
      await a.appendEvents({
        sourceId: 'web',
        now: T,
        dedupWindowMs: 1,
        events: [{ event: { type: 'track', event: 'E', messageId: 'n-1', userId: 'u', timestamp: ts, originalTimestamp: ts, receivedAt: ts }, deliveries: [{ destinationId: 'fx', mappingId: 'c', action: 'trackEvent' }] }],
        rejected: [],
        suppressed: 0,
      });
      await gotNotified;
      expect(woke).toBeGreaterThan(before);
      expect(a.wakeups.sent).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.runIf(run)('PostgreSQL store: privacy', () => {
  const schema = randomSchema();
  const T = 1_700_000_000_000;
  afterAll(async () => {
    await dropSchema(schema);
  });

  it('purges one user (events, deliveries, attempts, dedup, rejected, sync rows), redacts batched attempts, and runs requests, targets and suppressions', async () => {
    const s = (await openStore(schemaUrl(schema))) as PostgresStore;
    try {
      const ts = new Date(T).toISOString();
      const FX = { destinationId: 'fx', mappingId: 'c', action: 'trackEvent' };
      const mk = (messageId: string, userId: string, extra: Record<string, unknown> = {}) => ({ type: 'track' as const, event: 'E', messageId, userId, anonymousId: `anon-${userId}`, timestamp: ts, originalTimestamp: ts, receivedAt: ts, ...extra });
      await s.appendEvents({
        sourceId: 'web',
        now: T,
        dedupWindowMs: 86_400_000,
        events: [mk('a1', 'alice'), mk('a2', 'alice'), mk('b1', 'bob')].map((event) => ({ event, deliveries: [FX] })),
        rejected: [{ sourceId: 'web', reason: 'bad', body: { userId: 'alice' } }, { sourceId: 'web', reason: 'bad', body: { userId: 'alice-2' } }],
        suppressed: 0,
      });
      const claimed = await s.claimDeliveries({ lane: 'fx:trackEvent', limit: 10, owner: 'w', leaseMs: 30_000, now: T });
      await s.completeDeliveries(
        claimed.map((d) => ({ id: d.id, owner: 'w', status: 'delivered' as const, countsAsAttempt: true, attempt: { startedAt: T, durationMs: 1, request: { method: 'POST', url: 'https://x/v1/events', body: { visitors: ['alice', 'bob'].map((v) => ({ visitor_id: v })) } }, response: { status: 204 } } })),
        T,
      );
      await s.addSyncRowErrors([{ runId: 1, pk: 'alice', op: 'added', code: 'x', message: 'row "alice" refused', at: T }]);
      await s.applySnapshot('users', [{ pk: 'alice', hash: 'h' }, { pk: 'bob', hash: 'h' }]);
      const counts = await s.purgeUserData({ userId: 'alice' }, { note: 'deleted by request r1' });
      expect(counts).toEqual({ events: 2, deliveries: 2, attempts: 2, attemptsRedacted: 1, rejected: 1, dedup: 2, syncRowErrors: 1, syncSnapshots: 1 });
      const [bobEvent] = await s.listEvents({});
      expect(bobEvent?.userId).toBe('bob');
      const bobDelivery = await s.getDelivery((await s.listDeliveries({}))[0]!.id);
      expect(bobDelivery!.attemptLog[0]!.request).toEqual({ method: 'POST', url: 'https://x/v1/events', redacted: 'deleted by request r1' });
      // Dedup memory gone: alice's messageIds are accepted again.
      const again = await s.appendEvents({ sourceId: 'web', now: T + 1, dedupWindowMs: 86_400_000, events: [{ event: mk('a1', 'alice'), deliveries: [] }], rejected: [], suppressed: 0 });
      expect(again.outcomes).toEqual(['accepted']);
      expect((await s.laneStats(T))[0]).toMatchObject({ delivered: 1 });

      const req = await s.createPrivacyRequest({
        id: 'r1',
        userId: 'alice',
        requestedBy: 'ops',
        via: 'cli',
        now: T,
        targets: [
          { destinationId: 'odp', destinationType: 'optimizely-data-platform', identifierKind: 'userId', status: 'pending' },
          { destinationId: 'fx', destinationType: 'optimizely-feature-experimentation', identifierKind: 'userId', status: 'not_supported', error: 'no API' },
        ],
      });
      expect(req).toMatchObject({ id: 'r1', status: 'pending', targets: [{ destinationId: 'fx', status: 'not_supported' }, { destinationId: 'odp', status: 'pending' }] });
      await s.recordPurge('r1', counts, T, T + 60_000);
      expect(await s.dueRepurges(T + 60_000)).toEqual([{ requestId: 'r1', userId: 'alice' }]);
      const [a, b] = await Promise.all([
        s.claimPrivacyTargets({ owner: 'p1', leaseMs: 10_000, now: T, limit: 5 }),
        s.claimPrivacyTargets({ owner: 'p2', leaseMs: 10_000, now: T, limit: 5 }),
      ]);
      const won = [...a!, ...b!];
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ requestId: 'r1', identifier: 'alice', destinationId: 'odp' });
      const owner = a!.length ? 'p1' : 'p2';
      expect(await s.completePrivacyTarget({ requestId: 'r1', destinationId: 'odp', identifierKind: 'userId', owner: owner === 'p1' ? 'p2' : 'p1', status: 'submitted', now: T })).toBe(false);
      expect(await s.completePrivacyTarget({ requestId: 'r1', destinationId: 'odp', identifierKind: 'userId', owner, status: 'submitted', externalId: 'x-1', now: T + 5 })).toBe(true);
      expect(await s.getPrivacyRequest('r1')).toMatchObject({ status: 'completed', completedAt: T + 5, purged: counts });
      expect((await s.listPrivacyRequests()).map((r) => r.id)).toEqual(['r1']);
      expect((await s.listPrivacyAudit({ requestId: 'r1' })).map((e) => e.action).sort()).toEqual(['delete.not_supported', 'delete.requested']);
      expect(await s.nextPrivacyDueAt()).toBeUndefined();

      const v0 = await s.suppressionVersion();
      expect(await s.addSuppression({ kind: 'userId', identifier: 'alice', createdAt: T, createdBy: 'ops' })).toBe(true);
      expect(await s.addSuppression({ kind: 'userId', identifier: 'alice', createdAt: T, createdBy: 'ops' })).toBe(false);
      expect(await s.listSuppressions()).toEqual([{ kind: 'userId', identifier: 'alice', createdAt: T, createdBy: 'ops' }]);
      expect(await s.suppressionVersion()).toBe(v0 + 1);
      expect(await s.removeSuppression('userId', 'alice')).toBe(true);
      expect(await s.removeSuppression('userId', 'alice')).toBe(false);
      expect(await s.suppressionVersion()).toBe(v0 + 2);
      const series = await s.activitySeries({ since: T - 1, bucketMs: 60_000 });
      expect(series.events.reduce((n, e) => n + e.count, 0)).toBe(2);
    } finally {
      await s.close();
    }
  });
});
