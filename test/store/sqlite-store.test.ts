import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../src/core/event.js';
import { openStore } from '../../src/store/open.js';
import { openConnection } from '../../src/store/sqlite/db.js';
import { migrate, schemaVersion } from '../../src/store/sqlite/migrate.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { AppendInput } from '../../src/store/types.js';

const T = 1_700_000_000_000;
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'optirelay-sqlite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function input(ids: string[], now = T): AppendInput {
  const ts = new Date(now).toISOString();
  return {
    sourceId: 'web',
    now,
    dedupWindowMs: 60_000,
    events: ids.map((messageId) => ({
      event: { type: 'track', event: 'E', messageId, userId: 'u', timestamp: ts, originalTimestamp: ts, receivedAt: ts } as SegmentEvent,
      deliveries: [{ destinationId: 'fx', mappingId: 'm', action: 'trackEvent' }],
    })),
    rejected: [],
    suppressed: 0,
  };
}

describe('openStore', () => {
  it('creates the parent directory and sets the durable pragmas', async () => {
    const file = join(dir, 'a', 'b', 'x.db');
    const store = (await openStore(`sqlite:${file}`)) as SqliteStore;
    expect(existsSync(file)).toBe(true);
    expect(store.db.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.raw.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(store.db.raw.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(store.db.raw.pragma('foreign_keys', { simple: true })).toBe(1);
    await store.close();
  });

  it('accepts sqlite:///abs, sqlite: (dataDir) and :memory:', async () => {
    const abs = await openStore(`sqlite://${join(dir, 'abs.db')}`);
    await abs.close();
    expect(existsSync(join(dir, 'abs.db'))).toBe(true);
    const dd = await openStore('sqlite:', { dataDir: join(dir, 'data') });
    await dd.close();
    expect(existsSync(join(dir, 'data', 'optirelay.db'))).toBe(true);
    const mem = await openStore('sqlite::memory:');
    expect(mem.kind).toBe('sqlite');
    await mem.close();
  });

  it('refuses unknown schemes with the accepted forms, without echoing a password', async () => {
    await expect(openStore('mysql://root:hunter2@db/x')).rejects.toThrow(/unsupported URL.*sqlite:\.\/data\/optirelay\.db/);
    await expect(openStore('mysql://root:hunter2@db/x')).rejects.not.toThrow(/hunter2/);
    await expect(openStore('./data/x.db')).rejects.toMatchObject({ code: 'OR_STORE_URL' });
  });

  it.skipIf(existsSync(new URL('../../src/store/postgres/index.ts', import.meta.url)))(
    'explains that the PostgreSQL store is missing from this build',
    async () => {
      await expect(openStore('postgres://u@127.0.0.1:1/db')).rejects.toThrow(/PostgreSQL store is not available/);
    },
  );
});

describe('migrations', () => {
  it('records applied versions and is a no-op the second time', async () => {
    const db = openConnection(join(dir, 'm.db'));
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(migrate(db)).toEqual([]);
    expect(schemaVersion(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    const rows = db.raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    db.raw.close();
  });

  it('applies a later migration added to the list', async () => {
    const db = openConnection(join(dir, 'm.db'));
    migrate(db);
    const next = { version: 999, name: 'test', sql: 'CREATE TABLE test_999 (x INTEGER);' };
    expect(migrate(db, [...MIGRATIONS, next])).toEqual([999]);
    expect(db.raw.prepare("SELECT name FROM sqlite_master WHERE name = 'test_999'").get()).toBeTruthy();
    db.raw.close();
  });

  it('refuses a database whose schema is newer than the code, naming the version needed', async () => {
    const file = join(dir, 'new.db');
    const db = openConnection(file);
    migrate(db, [...MIGRATIONS, { version: 57, name: 'future', sql: 'SELECT 1;' }]);
    db.raw.close();
    await expect(openStore(`sqlite:${file}`)).rejects.toMatchObject({
      code: 'OR_STORE_SCHEMA_TOO_NEW',
      message: expect.stringMatching(/version 57.*supports schema version 57/),
    });
  });

  it('two stores migrating the same new file at once both succeed', async () => {
    const file = join(dir, 'race.db');
    const [a, b] = await Promise.all([openStore(`sqlite:${file}`), openStore(`sqlite:${file}`)]);
    await a.appendEvents(input(['one']));
    expect(await b.listEvents({})).toHaveLength(1);
    await a.close();
    await b.close();
  });
});

describe('durability and maintenance', () => {
  it('keeps everything acknowledged across close and reopen', async () => {
    const file = join(dir, 'r.db');
    const s1 = await openStore(`sqlite:${file}`);
    await Promise.all([s1.appendEvents(input(['a', 'b'])), s1.appendEvents(input(['c']))]);
    await s1.close();
    const s2 = await openStore(`sqlite:${file}`);
    expect((await s2.listEvents({})).map((e) => e.messageId).sort()).toEqual(['a', 'b', 'c']);
    expect((await s2.appendEvents(input(['a']))).outcomes).toEqual(['duplicate']);
    await s2.close();
  });

  it('close() commits appends still waiting for their group', async () => {
    const file = join(dir, 'c.db');
    const s1 = new SqliteStore(file, { commitWindowMs: 60_000 });
    await s1.migrate();
    const pending = s1.appendEvents(input(['late']));
    await s1.close();
    await expect(pending).resolves.toMatchObject({ outcomes: ['accepted'] });
    const s2 = await openStore(`sqlite:${file}`);
    expect(await s2.listEvents({})).toHaveLength(1);
    await s2.close();
  });

  it('checkpoints and truncates the WAL once it passes the threshold', async () => {
    const file = join(dir, 'w.db');
    const store = new SqliteStore(file, { walCheckpointBytes: 64 * 1024, walCheckIntervalMs: 5 });
    await store.migrate();
    store.db.raw.pragma('wal_autocheckpoint = 0'); // only our timer checkpoints in this test
    for (let i = 0; i < 10; i++) await store.appendEvents(input(Array.from({ length: 50 }, (_, j) => `w${i}-${j}`)));
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(64 * 1024);
    await expect.poll(() => statSync(`${file}-wal`).size, { timeout: 10_000 }).toBeLessThan(64 * 1024);
    await store.close();
  });

  it('keeps lane_counts equal to a full count through a mixed workload', async () => {
    const store = (await openStore(`sqlite:${join(dir, 'mix.db')}`)) as SqliteStore;
    let rnd = 42;
    const next = (n: number): number => {
      rnd = (rnd * 1103515245 + 12345) % 2 ** 31;
      return rnd % n;
    };
    let now = T;
    for (let round = 0; round < 40; round++) {
      now += 100;
      await store.appendEvents({ ...input(Array.from({ length: 5 }, (_, i) => `mix-${round}-${i}`), now) });
      const lane = 'fx:trackEvent';
      const claimed = await store.claimDeliveries({ lane, limit: next(6), owner: `w${next(3)}`, leaseMs: 250, now });
      const statuses = ['delivered', 'retry_wait', 'dead', 'pending'] as const;
      await store.completeDeliveries(
        claimed
          .filter(() => next(4) > 0)
          .map((d) => ({ id: d.id, owner: d.leaseOwner!, status: statuses[next(4)]!, nextAttemptAt: now + next(500), countsAsAttempt: true })),
        now,
      );
      await store.releaseExpiredLeases(now);
      if (round % 7 === 0) await store.replayDead({ ids: [next(200)] }, now);
      if (round % 9 === 0) await store.purgeDead({ ids: [next(200)] });
      if (round % 5 === 0) await store.retryNow(next(200), now);
    }
    const actual = store.db.raw
      .prepare('SELECT lane, status, count(*) AS n FROM deliveries GROUP BY lane, status ORDER BY lane, status')
      .all();
    const counted = store.db.raw
      .prepare('SELECT lane, status, n FROM lane_counts WHERE n <> 0 ORDER BY lane, status')
      .all();
    expect(counted).toEqual(actual);
    expect(new Set((actual as { status: string }[]).map((r) => r.status)).size).toBeGreaterThanOrEqual(3);
    await store.close();
  });

  it('keeps lane counts exact through retention-style deletes', async () => {
    const store = (await openStore(`sqlite:${join(dir, 'l.db')}`)) as SqliteStore;
    await store.appendEvents(input(['x', 'y']));
    store.db.raw.prepare('DELETE FROM deliveries WHERE message_id = ?').run('x');
    expect((await store.laneStats(T))[0]).toMatchObject({ pending: 1 });
    await store.close();
  });
});
