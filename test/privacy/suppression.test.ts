/**
 * Suppression at ingest through the real server: events from a suppressed userId or anonymousId are acknowledged
 * (200) but neither stored nor delivered, and counted as `suppressed`. A change made by another process (the CLI,
 * through its own store connection) reaches the server through the version poll; lifting it lets events through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privacySuppress, privacyUnsuppress } from '../../src/cli/commands/privacy.js';
import { PrivacyService } from '../../src/privacy/service.js';
import { SuppressionSet } from '../../src/privacy/suppression.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { admin, loadTestConfig, postBatch, quietLogger, removeDir, startTestApp, tempDir, writeConfig, type TestApp } from './helpers.js';

let sandbox: Sandbox;
let dir: string;
let app: TestApp;
let t = Date.UTC(2025, 0, 1);
const clock = { now: () => t };

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = tempDir();
  app = await startTestApp(await loadTestConfig(writeConfig(dir, sandbox)), { clock });
});
afterAll(async () => {
  await app?.stop();
  await sandbox?.close();
  removeDir(dir);
});

const track = (messageId: string, ids: { userId?: string; anonymousId?: string }) => ({ type: 'track', event: 'purchase', messageId, ...ids, timestamp: new Date(t).toISOString() });

describe('suppression at ingest', () => {
  it('acknowledges and drops suppressed users, counts them, stores the rest', async () => {
    const s = await admin(app.url, 'POST', '/privacy/suppressions', { userId: 'sup-user', anonymousId: 'sup-anon', requestedBy: 'dpo' });
    expect(s.status).toBe(201);
    expect(s.body['results']).toEqual([
      { kind: 'userId', identifier: 'sup-user', created: true },
      { kind: 'anonymousId', identifier: 'sup-anon', created: true },
    ]);

    const res = await postBatch(app.url, [
      track('s-1', { userId: 'sup-user' }),
      track('s-2', { anonymousId: 'sup-anon' }),
      track('s-3', { userId: 'someone-else', anonymousId: 'sup-anon' }), // the anonymousId alone suppresses
      track('k-1', { userId: 'kept-user' }),
    ]);
    expect(res.status).toBe(200);
    expect(res.body['success']).toBe(true);

    const store = app.app.store;
    expect((await store.listEvents({})).map((e) => e.messageId)).toEqual(['k-1']);
    expect((await store.listDeliveries({})).every((d) => d.messageId === 'k-1')).toBe(true);
    const stats = await store.ingestStats();
    expect(stats.perSource['web']).toMatchObject({ received: 4, accepted: 1, suppressed: 3 });

    const list = await admin(app.url, 'GET', '/privacy/suppressions');
    expect((list.body['suppressions'] as { identifier: string }[]).map((x) => x.identifier).sort()).toEqual(['sup-anon', 'sup-user']);

    const lifted = await admin(app.url, 'DELETE', '/privacy/suppressions/userId/sup-user?requestedBy=dpo');
    expect(lifted).toEqual({ status: 200, body: { removed: true } });
    expect((await admin(app.url, 'DELETE', '/privacy/suppressions/userId/sup-user')).status).toBe(404);
    await postBatch(app.url, [track('s-4', { userId: 'sup-user' })]);
    expect((await store.listEvents({ messageId: 's-4' })).length).toBe(1);
  });

  it('converges on a change made by another process (CLI) at the next check after the refresh interval', async () => {
    const cliStore: Store = await openStore(app.app.config.store, { dataDir: dir });
    const cli = new PrivacyService({ config: app.app.config, store: cliStore, logger: quietLogger(), clock });
    const out: string[] = [];
    try {
      await privacySuppress(cli, { userId: 'cli-user', requestedBy: 'alice' }, (l) => out.push(l));
      expect(out[0]).toMatch(/^suppressed userId "cli-user"/);
      t += 10_000; // past the refresh interval: the next ingest check polls the version
      await postBatch(app.url, [track('c-0', { userId: 'tick' })]);
      await app.app.privacy!.suppression!.refresh(); // let the background refresh the check started finish
      await postBatch(app.url, [track('c-1', { userId: 'cli-user' })]);
      expect(await app.app.store.listEvents({ messageId: 'c-1' })).toHaveLength(0);

      await privacyUnsuppress(cli, { userId: 'cli-user', requestedBy: 'alice' }, (l) => out.push(l));
      await app.app.privacy!.suppression!.refresh();
      await postBatch(app.url, [track('c-2', { userId: 'cli-user' })]);
      expect(await app.app.store.listEvents({ messageId: 'c-2' })).toHaveLength(1);
      const audit = await cli.listAudit();
      expect(audit.filter((a) => a.actor === 'alice').map((a) => [a.action, a.via, a.identifier])).toEqual([
        ['unsuppress', expect.stringMatching(/^cli \(os user .+\)$/), 'cli-user'],
        ['suppress', expect.stringMatching(/^cli \(os user .+\)$/), 'cli-user'],
      ]);
    } finally {
      await cliStore.close();
    }
  });

  it('rejects bad suppression input naming the field', async () => {
    const none = await admin(app.url, 'POST', '/privacy/suppressions', {});
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ code: 'invalid_param', field: 'userId' });
    const long = await admin(app.url, 'POST', '/privacy/suppressions', { anonymousId: 'a'.repeat(356) });
    expect(long.status).toBe(400);
    expect(long.body['field']).toBe('anonymousId');
    const del = await admin(app.url, 'POST', '/privacy/deletions', { requestedBy: 'dpo' });
    expect(del.status).toBe(400);
    expect(del.body).toMatchObject({ code: 'invalid_param', field: 'userId' });
    expect((await admin(app.url, 'GET', '/privacy/requests/del_nope')).status).toBe(404);
  });
});

describe('SuppressionSet', () => {
  it('polls the version from the check once the interval has passed, and reloads only when it moved', async () => {
    let version = 1;
    let versionReads = 0;
    let listReads = 0;
    const source = {
      suppressionVersion: async () => (versionReads++, version),
      listSuppressions: async () => (listReads++, version === 1 ? [] : [{ kind: 'userId' as const, identifier: 'u', createdAt: 0, createdBy: 'x' }]),
    };
    let now = 0;
    const set = new SuppressionSet(source, undefined, { refreshMs: 1000, now: () => now });
    await set.load();
    expect([versionReads, listReads]).toEqual([1, 1]);
    expect(set.has('u', undefined)).toBe(false);
    expect(versionReads).toBe(1); // within the interval: no read
    version = 2;
    now = 1000;
    expect(set.has('u', undefined)).toBe(false); // this check starts the refresh; it does not wait for it
    await set.refresh();
    expect(set.has('u', undefined)).toBe(true);
    expect(listReads).toBe(2);
    expect(await set.refresh()).toBe(false); // version unchanged: the list is not read again
    expect(listReads).toBe(2);
  });
});
