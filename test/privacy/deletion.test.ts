/**
 * Deletion requests against the sandbox's REST v2: the subject-access request's body and auth, per-destination
 * statuses (FX submitted, ODP not_supported, FX without a token failed), transient failures retried with backoff
 * by the privacy worker's pass, and a permanent failure (401) reported. Time is a fake clock: nothing waits.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_FAILED_MESSAGE } from '../../src/optimizely/rest-v2.js';
import { PrivacyInputError, PrivacyService } from '../../src/privacy/service.js';
import { DEMO, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { join } from 'node:path';
import { privacyDelete } from '../../src/cli/commands/privacy.js';
import type { SegmentEvent } from '../../src/core/event.js';
import { loadTestConfig, quietLogger, removeDir, tablesMentioning, tempDir, writeConfig, type ConfigOptions } from './helpers.js';

let sandbox: Sandbox;
let dir: string;
let store: Store;
let t = Date.UTC(2025, 0, 1);
const clock = { now: () => t };

beforeAll(async () => {
  sandbox = await startSandbox({ rateLimits: { fx: { perSecond: 1000, perMinute: 100_000 } } });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
  dir = tempDir();
});
afterEach(async () => {
  await store?.close();
  removeDir(dir);
});

async function service(opts: ConfigOptions = {}): Promise<PrivacyService> {
  const config = await loadTestConfig(writeConfig(dir, sandbox, opts));
  store = await openStore(config.store, { dataDir: dir });
  return new PrivacyService({ config, store, logger: quietLogger(), clock, retry: { baseMs: 1_000, maxMs: 60_000, maxAttempts: 5 } });
}

const sarRequests = () => sandbox.received('rest').filter((r) => r.path === '/v2/subject-access-requests');

describe('deletion request', () => {
  it('submits a visitor delete per identifier with the PAT; ODP reports not_supported', async () => {
    const svc = await service();
    const r = await svc.requestDeletion({ userId: 'user-123', anonymousId: 'anon-456', requestedBy: 'dpo@example.com', via: 'test' });

    const sent = sarRequests();
    expect(sent.map((x) => x.body)).toEqual([
      { data_type: 'visitor', identifier: 'user-123', identifier_type: 'fullstack_id', request_type: 'delete' },
      { data_type: 'visitor', identifier: 'anon-456', identifier_type: 'fullstack_id', request_type: 'delete' },
    ]);
    // The sandbox answers 201 only to `Authorization: Bearer <a known PAT>` (401 otherwise) and records it masked.
    expect(sent.every((x) => x.status === 201 && x.headers['authorization'] === '[redacted]')).toBe(true);
    const sars = sandbox.state().sars;
    expect(sars.map((s) => s.accountId)).toEqual([DEMO.accountId, DEMO.accountId]);

    expect(r.status).toBe('completed');
    expect(r.requestedBy).toBe('dpo@example.com');
    const fx = r.targets.filter((x) => x.destinationId === 'fx');
    const sarId = (identifier: string) => String(sars.find((s) => s.identifier === identifier)!.id);
    expect(fx.map((x) => [x.identifierKind, x.status, x.externalId])).toEqual([
      ['userId', 'submitted', sarId('user-123')],
      ['anonymousId', 'submitted', sarId('anon-456')],
    ]);
    const odp = r.targets.filter((x) => x.destinationId === 'odp');
    expect(odp.map((x) => x.status)).toEqual(['not_supported', 'not_supported']);
    expect(odp[0]!.error).toMatch(/ODP REST v3 documents no API to delete/);

    const audit = await svc.listAudit({ requestId: r.id });
    expect(audit.map((a) => a.action).sort()).toEqual(['delete.not_supported', 'delete.not_supported', 'delete.purged', 'delete.requested', 'delete.requested', 'delete.submitted', 'delete.submitted']);
    expect(audit.find((a) => a.action === 'delete.requested')!.actor).toBe('dpo@example.com');
  });

  it('a destination without a token fails with a clear error for that destination; nothing is sent', async () => {
    const svc = await service({ fxToken: null });
    const r = await svc.requestDeletion({ userId: 'user-1', requestedBy: 'ops', via: 'test' });
    expect(sarRequests()).toHaveLength(0);
    expect(r.status).toBe('failed');
    const fx = r.targets.find((x) => x.destinationId === 'fx')!;
    expect(fx.status).toBe('failed');
    expect(fx.error).toBe('destination fx has no accessToken: add a personal access token to settings.accessToken to submit deletions');
    expect(r.targets.find((x) => x.destinationId === 'odp')!.status).toBe('not_supported');
  });

  it('retries a 500 with backoff, then records the submission', async () => {
    const svc = await service({ odp: false });
    sandbox.faults.add({ api: 'rest', pathPrefix: '/v2/subject-access-requests', status: 500, count: 3 });
    let r = await svc.requestDeletion({ userId: 'user-9', requestedBy: 'ops', via: 'test' });
    expect(r.status).toBe('pending');
    let target = r.targets[0]!;
    expect(target).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: t + 1_000 });
    expect(target.error).toMatch(/answered 500/);

    // Not due yet: nothing is attempted.
    expect((await svc.processDue()).attempted).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 5 && target.status === 'pending'; i++) {
      waits.push(target.nextAttemptAt! - t);
      t = target.nextAttemptAt!;
      await svc.processDue();
      r = await svc.getRequest(r.id);
      target = r.targets[0]!;
    }
    expect(waits).toEqual([1_000, 2_000, 4_000]); // exponential backoff
    expect(target).toMatchObject({ status: 'submitted', attempts: 4, error: null });
    expect(target.externalId).toBe(String(sandbox.state().sars[0]!.id));
    expect(r.status).toBe('completed');
    expect(sarRequests().map((x) => x.status)).toEqual([500, 500, 500, 201]);
    const actions = (await svc.listAudit({ requestId: r.id })).map((a) => a.action).reverse();
    expect(actions.filter((a) => a.startsWith('delete.retry') || a === 'delete.submitted')).toEqual(['delete.retry', 'delete.retry', 'delete.retry', 'delete.submitted']);
  });

  it('gives up after maxAttempts transient failures and reports it', async () => {
    const svc = await service({ odp: false });
    sandbox.faults.add({ api: 'rest', pathPrefix: '/v2/subject-access-requests', status: 503, count: 10 });
    let r = await svc.requestDeletion({ userId: 'user-10', requestedBy: 'ops', via: 'test' });
    for (let i = 0; i < 10 && r.status === 'pending'; i++) {
      t = r.targets[0]!.nextAttemptAt!;
      await svc.processDue();
      r = await svc.getRequest(r.id);
    }
    expect(r.status).toBe('failed');
    expect(r.targets[0]).toMatchObject({ status: 'failed', attempts: 5 });
    expect(r.targets[0]!.error).toMatch(/gave up after 5 attempts/);
  });

  it('a revoked token (401) fails for good at once, without the token in the error', async () => {
    const svc = await service({ fxToken: 'revoked-token-value', odp: false });
    const r = await svc.requestDeletion({ userId: 'user-11', requestedBy: 'ops', via: 'test' });
    expect(r.status).toBe('failed');
    expect(r.targets[0]).toMatchObject({ status: 'failed', attempts: 1, nextAttemptAt: null });
    expect(r.targets[0]!.error).toContain(AUTH_FAILED_MESSAGE);
    expect(JSON.stringify(r)).not.toContain('revoked-token-value');
    expect(JSON.stringify(await svc.listAudit())).not.toContain('revoked-token-value');
    expect(sarRequests().map((x) => x.status)).toEqual([401]);
  });

  it('refuses bad input naming the field', async () => {
    const svc = await service({ odp: false });
    await expect(svc.requestDeletion({ requestedBy: 'ops', via: 'test' })).rejects.toThrow(/give userId, anonymousId, or both/);
    await expect(svc.requestDeletion({ userId: '  ', requestedBy: 'ops', via: 'test' })).rejects.toMatchObject({ field: 'userId' });
    await expect(svc.requestDeletion({ anonymousId: 'x'.repeat(356), requestedBy: 'ops', via: 'test' })).rejects.toBeInstanceOf(PrivacyInputError);
    await expect(svc.requestDeletion({ userId: 'u', requestedBy: '', via: 'test' })).rejects.toMatchObject({ field: 'requestedBy' });
    expect(await svc.listRequests()).toHaveLength(0);
  });

  it('a second purge pass redacts attempt rows written by a batch that was in flight during the first', async () => {
    const svc = await service({ odp: false });
    const ev = (messageId: string, userId: string) => ({ type: 'track', event: 'purchase', messageId, userId, timestamp: new Date(t).toISOString(), receivedAt: new Date(t).toISOString() }) as unknown as SegmentEvent;
    await store.appendEvents({
      sourceId: 'web', now: t, dedupWindowMs: 60_000, rejected: [], suppressed: 0,
      events: [
        { event: ev('u-1', 'late-user'), deliveries: [{ destinationId: 'fx', mappingId: 'conversions', action: 'trackEvent' }] },
        { event: ev('o-1', 'other-user'), deliveries: [{ destinationId: 'fx', mappingId: 'conversions', action: 'trackEvent' }] },
      ],
    });
    const claimed = await store.claimDeliveries({ lane: 'fx:trackEvent', limit: 10, owner: 'w1', leaseMs: 60_000, now: t });
    expect(claimed).toHaveLength(2);

    const r = await svc.requestDeletion({ userId: 'late-user', requestedBy: 'ops', via: 'test' });
    expect(r.purged).toMatchObject({ events: 1, deliveries: 1 });
    // The in-flight batch completes after the purge: the deleted delivery matches nothing; the other one logs the
    // batched request, which names the deleted user.
    const batchBody = { visitors: [{ visitor_id: 'late-user' }, { visitor_id: 'other-user' }] };
    for (const d of claimed) {
      await store.completeDeliveries(
        [{ id: d.id, owner: 'w1', status: 'dead', error: 'rejected', countsAsAttempt: true, attempt: { startedAt: t, durationMs: 5, statusCode: 400, request: { method: 'POST', url: 'http://x/v1/events', body: batchBody }, response: { status: 400, body: {} } } }],
        t,
      );
    }
    const dbFile = join(dir, 'optirelay.db');
    expect(tablesMentioning(dbFile, ['late-user'])).toEqual({ attempts: 1 });

    t += 120_000; // past the delivery lease + 10 s
    const pass = await svc.processDue();
    expect(pass.repurged).toBe(1);
    expect(tablesMentioning(dbFile, ['late-user'])).toEqual({});
    const other = (await store.listDeliveries({ userId: 'other-user' }))[0]!;
    const log = (await store.getDelivery(other.id))!.attemptLog[0]!;
    expect(log.request).toEqual({ method: 'POST', url: 'http://x/v1/events', redacted: `removed by privacy request ${r.id}` });
    expect((await svc.getRequest(r.id)).purged).toMatchObject({ attemptsRedacted: 1 });
    expect((await svc.processDue()).repurged).toBe(0); // once only
  });

  it('the CLI prints each destination\'s status', async () => {
    const svc = await service();
    const out: string[] = [];
    const r = await privacyDelete(svc, { userId: 'cli-user', requestedBy: 'alice' }, (l) => out.push(l));
    expect(out[0]).toBe(`deletion request ${r.id}: completed`);
    expect(out.join('\n')).toMatch(/requested {4}.* by alice \(cli \(os user .+\)\)/);
    expect(out.find((l) => l.includes('fx ') && l.includes('userId'))).toMatch(/submitted \(destination request id \d+\)/);
    expect(out.find((l) => l.includes('odp '))).toMatch(/not_supported: ODP REST v3 documents no API/);
  });
});
