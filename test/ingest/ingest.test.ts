/** Ingest on its own (real SQLite store, fixed clock): validation rules, normalisation, timestamps, suppression seam. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { Ingest, type IngestDeps } from '../../src/pipeline/ingest.js';
import type { SegmentEvent } from '../../src/core/event.js';
import { RequestError } from '../../src/core/errors.js';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const clock = { now: () => NOW };
const config = { ingest: { dedupWindowMs: 86_400_000, commitWindowMs: 0 } };
const routed: SegmentEvent[] = [];
// A recording router: the real one is exercised in test/pipeline; here only what ingest hands it matters.
const router = { route: (e: SegmentEvent) => (routed.push(e), []) };

let store: Store;
let ingest: Ingest;

beforeAll(async () => {
  store = await openStore('sqlite::memory:');
  ingest = new Ingest({ store, router, config, clock });
});
afterAll(async () => {
  await store.close();
});

async function stored(messageId: string): Promise<SegmentEvent | undefined> {
  return (await store.listEvents({ messageId }))[0]?.body;
}

describe('timestamps (receivedAt − (sentAt − originalTimestamp))', () => {
  it.each([
    ['no timestamps at all', {}, undefined, { originalTimestamp: NOW, timestamp: NOW }],
    ['timestamp only, no sentAt', { timestamp: '2025-06-01T11:00:00Z' }, undefined, { originalTimestamp: NOW - 3_600_000, timestamp: NOW - 3_600_000 }],
    ['device clock 1 h ahead', { timestamp: '2025-06-01T13:00:00.000Z' }, '2025-06-01T13:00:02.000Z', { originalTimestamp: NOW + 3_600_000, timestamp: NOW - 2_000 }],
    ['originalTimestamp wins over timestamp', { originalTimestamp: '2025-06-01T11:59:00Z', timestamp: '2020-01-01T00:00:00Z' }, '2025-06-01T11:59:30Z', { originalTimestamp: NOW - 60_000, timestamp: NOW - 30_000 }],
    ['historical import', { timestamp: '2024-01-01T00:00:00Z' }, '2025-06-01T12:00:00Z', { originalTimestamp: Date.parse('2024-01-01T00:00:00Z'), timestamp: Date.parse('2024-01-01T00:00:00Z') }],
  ])('%s', async (_name, fields, sentAt, want) => {
    const messageId = `ts-${_name}`;
    const r = await ingest.accept('src', [{ type: 'track', userId: 'u', event: 'E', messageId, ...fields }], { sentAt });
    expect(r.rejected).toEqual([]);
    const e = (await stored(messageId)) as SegmentEvent;
    expect(e.receivedAt).toBe('2025-06-01T12:00:00.000Z');
    expect(e.originalTimestamp).toBe(new Date(want.originalTimestamp).toISOString());
    expect(e.timestamp).toBe(new Date(want.timestamp).toISOString());
    if (sentAt) expect(e.sentAt).toBe(new Date(sentAt).toISOString());
  });

  it('a message-level sentAt (browser) beats the batch one', async () => {
    await ingest.accept('src', [{ type: 'track', userId: 'u', event: 'E', messageId: 'own-sent', timestamp: '2025-06-01T12:10:00Z', sentAt: '2025-06-01T12:10:01Z' }], { sentAt: '2025-06-01T15:00:00Z' });
    expect((await stored('own-sent'))?.timestamp).toBe('2025-06-01T11:59:59.000Z');
  });

  it('an unparseable date is a field error', async () => {
    const r = await ingest.accept('src', [{ type: 'track', userId: 'u', event: 'E', originalTimestamp: 'nope' }, { type: 'track', userId: 'u', event: 'E', sentAt: 12 }]);
    expect(r.rejected.map((x) => [x.code, x.field])).toEqual([['invalid_timestamp', 'originalTimestamp'], ['invalid_timestamp', 'sentAt']]);
  });
});

describe('validation', () => {
  it.each([
    [{ type: 'identify', userId: 'u' }, undefined],
    [{ type: 'identify', anonymousId: 'a', userId: null }, undefined],
    [{ type: 'identify', userId: '' }, 'no_user_anon_id:userId'],
    [{ type: 'identify', anonymousId: ['a'] }, 'invalid_field:anonymousId'],
    [{ type: 'track', userId: 'u', event: 7 }, 'invalid_field:event'],
    [{ type: 'group', anonymousId: 'a', groupId: 'g' }, undefined],
    [{ type: 'alias', previousId: 'p', anonymousId: 'a' }, 'missing_field:userId'],
    [{ type: 'alias', previousId: 'p', userId: 'u' }, undefined],
    [{ type: 'identify', userId: 'u', traits: 'x' }, 'invalid_field:traits'],
    [{ type: 'identify', userId: 'u', context: [] }, 'invalid_field:context'],
    [{ type: 'identify', userId: 'u', integrations: 1 }, 'invalid_field:integrations'],
    [{ type: 'identify', userId: 'u', messageId: 5 }, 'invalid_field:messageId'],
    [{ type: 'identify', userId: 'u', messageId: 'm'.repeat(99) }, undefined],
    [{ type: 'identify', userId: 'u', messageId: 'm'.repeat(100) }, 'invalid_field:messageId'],
    [{ userId: 'u' }, 'invalid_type:type'],
    [null, 'invalid_message:'],
  ])('%j → %s', async (msg, want) => {
    const r = await ingest.accept('src', [msg]);
    expect(r.rejected.map((x) => `${x.code}:${x.field}`)[0]).toBe(want);
  });

  it('measures the 32 KB event limit in UTF-8 bytes, not characters', async () => {
    const base = { type: 'track', userId: 'u', event: 'E' };
    const fits = await ingest.accept('src', [{ ...base, properties: { s: 'a'.repeat(32_000) } }]);
    expect(fits.rejected).toEqual([]);
    const tooBig = await ingest.accept('src', [{ ...base, messageId: 'utf8-big', properties: { s: '€'.repeat(11_000) } }]); // 11k chars, 33 kB
    expect(tooBig.rejected[0]).toMatchObject({ code: 'event_too_large', messageId: 'utf8-big' });
  });

  it('the implied type of a single-message endpoint overrides the body', async () => {
    await ingest.accept('src', [{ type: 'identify', userId: 'u', event: 'E', messageId: 'implied' }], {}, { impliedType: 'track' });
    expect((await stored('implied'))?.type).toBe('track');
  });

  it('refuses more than 2,500 messages before touching the store', async () => {
    await expect(ingest.accept('src', new Array(2501).fill({ type: 'identify', userId: 'u' }))).rejects.toBeInstanceOf(RequestError);
  });
});

describe('normalisation, routing, dedup, suppression', () => {
  it('strips the write key, merges batch context and integrations, and routes each valid event once', async () => {
    routed.length = 0;
    await ingest.accept('src', [
      { type: 'track', userId: 'u', event: 'E', messageId: 'norm-1', writeKey: 'secret-key', context: { page: { path: '/a' } } },
      { type: 'track', userId: 'u', messageId: 'norm-bad' },
    ], { context: { ip: '1.2.3.4', page: { path: '/batch' } }, integrations: { All: false } });
    expect(routed.map((e) => e.messageId)).toEqual(['norm-1']);
    const e = (await stored('norm-1')) as SegmentEvent;
    expect(e.writeKey).toBeUndefined();
    expect(e.context).toEqual({ ip: '1.2.3.4', page: { path: '/a' } });
    expect(e.integrations).toEqual({ All: false });
  });

  it('counts duplicates (within the request and across requests)', async () => {
    const msg = { type: 'identify', userId: 'u', messageId: 'dedup-x' };
    const r1 = await ingest.accept('src', [msg, msg]);
    const r2 = await ingest.accept('src', [msg]);
    expect([r1.accepted, r1.duplicates, r2.accepted, r2.duplicates]).toEqual([1, 1, 0, 1]);
  });

  it('suppressed users are counted, not stored (privacy seam)', async () => {
    const deps: IngestDeps = { store, router, config, clock, isSuppressed: (userId) => userId === 'gone' };
    const withSuppression = new Ingest(deps);
    const r = await withSuppression.accept('src', [
      { type: 'identify', userId: 'gone', messageId: 'sup-1' },
      { type: 'identify', userId: 'kept', messageId: 'sup-2' },
    ]);
    expect([r.accepted, r.suppressed]).toEqual([1, 1]);
    expect(await stored('sup-1')).toBeUndefined();
    expect((await store.ingestStats()).perSource.src.suppressed).toBe(1);
  });
});
