/**
 * After a deletion no table of the SQLite store holds the user: events received over HTTP, delivered to the sandbox
 * (FX conversions, ODP contacts), a batch the Event API refused (dead deliveries whose attempt log holds the batched
 * request with another user in it), a rejected record and an alias event, then a deletion through the admin API.
 * Every table is read row by row for the identifiers; the other user's data stays.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { admin, loadTestConfig, postBatch, removeDir, startTestApp, tableNames, tablesMentioning, tempDir, waitFor, writeConfig, type TestApp } from './helpers.js';

let sandbox: Sandbox;
let dir: string;
let app: TestApp;

beforeAll(async () => {
  sandbox = await startSandbox({ rateLimits: { fx: { perSecond: 1000, perMinute: 100_000 } } });
  dir = tempDir();
  app = await startTestApp(await loadTestConfig(writeConfig(dir, sandbox)), { workers: true });
});
afterAll(async () => {
  await app?.stop();
  await sandbox?.close();
  removeDir(dir);
});

const USER = 'user-5f3a9';
const ANON = 'anon-7c21e';
const OTHER = 'other-4d8b1';

describe('deletion purges the store', () => {
  it('leaves no row mentioning the user in any table, and keeps the other user', async () => {
    const t = new Date().toISOString();
    // The Event API refuses the first FX batch (400) and, after the destination bisects it, each half: the deliveries go
    // dead with the batched request (both users' visitors) in their attempt logs.
    sandbox.faults.add({ api: 'eventApi', status: 400, count: 3 });
    const first = await postBatch(app.url, [
      { type: 'track', event: 'purchase', userId: USER, anonymousId: ANON, messageId: 'p-1', timestamp: t, properties: { revenue: 42 } },
      { type: 'track', event: 'purchase', userId: OTHER, messageId: 'o-1', timestamp: t, properties: { revenue: 7 } },
    ]);
    expect(first.status).toBe(200);
    const second = await postBatch(app.url, [
      { type: 'track', event: 'signup', anonymousId: ANON, messageId: 'p-2', timestamp: t },
      { type: 'identify', userId: USER, messageId: 'p-3', timestamp: t, traits: { email: 'someone@example.com' } },
      { type: 'alias', userId: OTHER, previousId: USER, messageId: 'p-4', timestamp: t },
      { type: 'track', userId: USER, messageId: 'p-5', timestamp: t }, // no event name: rejected, kept as a record
      { type: 'track', event: 'signup', userId: OTHER, messageId: 'o-2', timestamp: t },
    ]);
    expect(second.status).toBe(200);

    const store = app.app.store;
    const settled = await waitFor(
      'deliveries to settle',
      () => store.laneStats(Date.now()),
      (lanes) => lanes.length > 0 && lanes.every((l) => l.pending + l.inFlight + l.retryWait === 0),
    );
    expect(settled.reduce((n, l) => n + l.dead, 0)).toBeGreaterThan(0);
    sandbox.faults.clear();
    const dbFile = join(dir, 'optirelay.db');
    const before = tablesMentioning(dbFile, [USER, ANON]);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['events', 'deliveries', 'attempts', 'rejected']));

    const res = await admin(app.url, 'POST', '/privacy/deletions', { userId: USER, anonymousId: ANON, requestedBy: 'dpo@example.com' });
    expect(res.status).toBe(201);
    expect(res.body['status']).toBe('completed');
    const purged = res.body['purged'] as Record<string, number>;
    expect(purged).toMatchObject({ events: 4, rejected: 1 }); // p-1..p-4 (alias by previousId); p-5 was rejected
    expect(purged['deliveries']).toBeGreaterThanOrEqual(3);
    expect(purged['attempts']).toBeGreaterThanOrEqual(1);

    // Every table of the store, read row by row: only the privacy tables (request + audit) know the identifiers.
    expect(tablesMentioning(dbFile, [USER, ANON])).toEqual({});
    const privacyOnly = tablesMentioning(dbFile, [USER, ANON], new Set());
    expect(Object.keys(privacyOnly).sort()).toEqual(['privacy_audit', 'privacy_requests']);
    expect(tableNames(dbFile)).toEqual(expect.arrayContaining(['events', 'deliveries', 'attempts', 'rejected', 'lane_counts', 'ingest_counters']));

    // The other user is intact: events, deliveries, and the dead delivery's log (its batched body redacted if shared).
    const others = await store.listEvents({ userId: OTHER });
    expect(others.map((e) => e.messageId).sort()).toEqual(['o-1', 'o-2']);
    const otherDeliveries = await store.listDeliveries({ userId: OTHER });
    expect(otherDeliveries.length).toBeGreaterThanOrEqual(2);
    const dead = otherDeliveries.find((d) => d.status === 'dead');
    expect(dead).toBeDefined();
    expect((await store.getDelivery(dead!.id))!.attemptLog.length).toBeGreaterThan(0);

    // Lane counts still match the rows (deletes go through the count trigger).
    const db = new Database(dbFile, { readonly: true });
    const actual = db.prepare('SELECT lane, status, count(*) AS n FROM deliveries GROUP BY lane, status').all() as { lane: string; status: string; n: number }[];
    db.close();
    const lanes = await store.laneStats(Date.now());
    for (const row of actual) {
      const l = lanes.find((x) => x.lane === row.lane)!;
      const key = { pending: 'pending', in_flight: 'inFlight', retry_wait: 'retryWait', delivered: 'delivered', dead: 'dead' }[row.status] as 'dead';
      expect(l[key]).toBe(row.n);
    }
    const deadTotal = lanes.reduce((n, l) => n + l.dead, 0);
    expect(deadTotal).toBe(actual.filter((r) => r.status === 'dead').reduce((n, r) => n + r.n, 0));

    // The request is readable through the admin API, with its audit trail.
    const got = await admin(app.url, 'GET', `/privacy/requests/${String(res.body['id'])}`);
    expect(got.status).toBe(200);
    const audit = await admin(app.url, 'GET', `/privacy/audit?requestId=${String(res.body['id'])}`);
    const actions = (audit.body['entries'] as { action: string; actor: string; via: string }[]).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['delete.requested', 'delete.purged', 'delete.submitted', 'delete.not_supported']));
    const requested = (audit.body['entries'] as { action: string; actor: string; via: string }[]).find((a) => a.action === 'delete.requested')!;
    expect(requested.actor).toBe('dpo@example.com');
    expect(requested.via).toMatch(/^admin-api \(token sha256:[0-9a-f]{12}\)$/);
  });
});
