/**
 * Live reload under load: a valid config (new trigger, new lane tuning) applies to new deliveries; an invalid one
 * is refused with located issues and the old one stays; every acknowledged conversion reaches the sandbox exactly
 * once (distinct uuids, no redelivered uuid).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAndValidate } from '../../src/cli/load-config.js';
import { DEMO } from '../../src/sandbox/demo.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { basic, removeDir, startInProcessApp, tempDir, until } from '../server/helpers.js';

const KEY = 'wk_reload_test';
const TOKEN = 'admin-reload-token';

function config(dir: string, sandbox: Sandbox, trigger: string, batchSize: number, extra = ''): string {
  return `store: sqlite:${dir}/optirelay.db
dataDir: ${dir}
admin: { token: ${TOKEN} }
sources:
  - { id: web, writeKey: ${KEY} }
destinations:
  - id: fx
    type: optimizely-feature-experimentation
    settings:
      accountId: "${DEMO.accountId}"
      dataFileUrl: ${sandbox.endpoints.datafile(DEMO.sdkKey)}
      accessToken: ${DEMO.personalAccessToken}
    endpoints: { eventApi: ${sandbox.endpoints.eventApi}, restApi: ${sandbox.endpoints.restApi} }
    lanes: { trackEvent: { batchSize: ${batchSize} } }
    mappings:
      - id: conversions
        action: trackEvent
        trigger: '${trigger}'
${extra}`;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('live config reload', () => {
  it('applies a valid config and refuses an invalid one under load, delivering every event once', async () => {
    const dir = tempDir('optirelay-reload-');
    const sandbox = await startSandbox();
    cleanup.push(async () => {
      await sandbox.close();
      removeDir(dir);
    });
    const file = join(dir, 'optirelay.yaml');
    writeFileSync(file, config(dir, sandbox, 'type = "track" and event = "purchase"', 20));
    const { config: loaded } = await loadAndValidate({ file, env: {} });
    const { app, url, logs, stop: stopServer } = await startInProcessApp(loaded);
    cleanup.push(stopServer);
    expect(app.workers.map((w) => w.name)).toContain('config-reload');

    const acked: Record<string, string[]> = { purchase: [], signup: [] };
    let seq = 0;
    const send = async (event: 'purchase' | 'signup'): Promise<void> => {
      const messageId = `${event}-${seq++}`;
      const res = await fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { authorization: basic(KEY), 'content-type': 'application/json' },
        body: JSON.stringify({ userId: `user-${seq % 17}`, event, messageId, properties: { revenue: 100 } }),
      });
      await res.arrayBuffer();
      if (res.status === 200) acked[event]!.push(messageId);
    };
    const reload = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${url}/admin/v1/config/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    // Steady purchase load for the whole test.
    let stop = false;
    const load = Array.from({ length: 3 }, async () => {
      while (!stop) await send('purchase').catch(() => undefined); // after a failed assertion the server goes away
    });

    // Before: signup matches no mapping.
    for (let i = 0; i < 5; i++) await send('signup');
    await until(() => acked.purchase!.length > 100, 'load');

    // 1. Valid: the trigger now also takes signup; the lane gets a new batch size (destination runtimes swap).
    writeFileSync(file, config(dir, sandbox, 'type = "track" and (event = "purchase" or event = "signup")', 7));
    const ok = await reload();
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ reloaded: true, changed: ['destinations'], restartRequired: [] });
    const signupsAfter = 8;
    for (let i = 0; i < signupsAfter; i++) await send('signup');
    await until(() => acked.purchase!.length > 250, 'load after the reload');

    // 2. Invalid: a broken trigger and a misspelt key. Refused with file:line issues; the running config stays.
    const before = await (await fetch(`${url}/admin/v1/config`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    const badText = config(dir, sandbox, 'type = "track" and (event = ', 7, 'retention: { delivred: 1d }\n');
    writeFileSync(file, badText);
    const badLine = badText.split('\n').findIndex((l) => l.includes('delivred')) + 1;
    const bad = await reload();
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('config_invalid');
    const issues = bad.body.issues as { line?: number; text: string; message: string }[];
    expect(issues.length).toBeGreaterThanOrEqual(1);
    expect(issues, JSON.stringify(issues)).toSatisfy((xs: typeof issues) => xs.some((i) => /delivred/.test(i.message) && i.line === badLine));
    expect(issues.every((i) => i.text.startsWith(file))).toBe(true);
    // A file that parses but whose trigger does not: refused as well, at the trigger's line.
    const badTrigger = config(dir, sandbox, 'type = "track" and (event = ', 7);
    writeFileSync(file, badTrigger);
    const bad2 = await reload();
    expect(bad2.status).toBe(400);
    const triggerLine = badTrigger.split('\n').findIndex((l) => l.includes('trigger:')) + 1;
    expect((bad2.body.issues as { line?: number }[]).map((i) => i.line)).toContain(triggerLine);
    // SIGHUP with an invalid file: refused too, logged, nothing changes.
    process.emit('SIGHUP', 'SIGHUP');
    await until(() => logs.some((l) => l.includes('config reload refused')), 'the SIGHUP refusal in the log');
    const after = await (await fetch(`${url}/admin/v1/config`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(after).toEqual(before);
    for (let i = 0; i < 3; i++) await send('signup'); // still routed by the reloaded (valid) config
    await until(() => acked.purchase!.length > 350, 'load after the refused reload');

    stop = true;
    await Promise.all(load);
    const expectPurchase = acked.purchase!.length;
    const expectSignup = signupsAfter + 3;
    await until(() => sandbox.conversions('purchase').total === expectPurchase && sandbox.conversions('signup').total === expectSignup, 'every conversion at the sandbox');
    // The last batches are at the sandbox; wait for their outcomes to be recorded too.
    const settled = async (): Promise<boolean> => {
      const l = (await app.store.laneStats(Date.now())).find((s) => s.lane === 'fx:trackEvent');
      return l !== undefined && l.pending + l.inFlight + l.retryWait === 0;
    };
    await until(settled, 'every delivery recorded');
    const deliveries = await app.store.listDeliveries({ limit: 1000, status: 'delivered' });
    expect(new Set(deliveries.map((d) => d.messageId)).size).toBe(deliveries.length);
    expect(sandbox.conversions('purchase').duplicates).toBe(0);
    expect(sandbox.conversions('signup').duplicates).toBe(0);
    const uuids = sandbox.events().map((e) => e.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(new Set(uuids)).toEqual(new Set([...acked.purchase!, ...acked.signup!.slice(5)]));
    const stats = await app.store.laneStats(Date.now());
    const lane = stats.find((s) => s.lane === 'fx:trackEvent')!;
    expect([lane.pending, lane.inFlight, lane.retryWait, lane.dead]).toEqual([0, 0, 0, 0]);
  }, 60_000);
});
