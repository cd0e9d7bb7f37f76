/**
 * `optirelay serve --no-workers` (an ingest process of a fleet) routes events with the mappings, so it must reload
 * them like any server: SIGHUP and POST /admin/v1/config/reload work (before, SIGHUP ended the process — Node's
 * default action — and the admin route answered 501), and a reload there never starts a sync scheduler.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { runServe, type RunningServe } from '../../src/cli/commands/serve.js';
import { createLogger } from '../../src/logger.js';

const TOKEN = 'ingest-only-admin-token-0123456789';
const KEY = 'ingest_only_key_1';

function config(dir: string, trigger: string, withSync: boolean): string {
  return `store: sqlite:${join(dir, 'optirelay.db')}
dataDir: ${dir}
admin: { token: ${TOKEN} }
sources:
  - { id: web, writeKey: ${KEY} }
destinations:
  - id: fx
    type: optimizely-feature-experimentation
    settings: { accountId: "1", dataFileUrl: "http://127.0.0.1:9/datafiles/k.json" }
    mappings:
      - { id: conversions, action: trackEvent, trigger: '${trigger}' }
  - id: rest
    type: optimizely-rest
    settings: { accessToken: t, projectId: "2" }
${withSync ? `syncs:\n  - { id: s, source: { type: csv, path: ${join(dir, 'rows.csv')} }, primaryKey: key, destination: rest, object: customEvent, schedule: "* * * * *" }\n` : ''}`;
}

async function track(url: string, event: string): Promise<void> {
  const res = await request(`${url}/v1/track`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'u1', event }),
  });
  expect(res.statusCode).toBe(200);
  await res.body.dump();
}

async function deliveryEvents(url: string): Promise<string[]> {
  const res = await request(`${url}/admin/v1/deliveries?limit=50`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.body.json()) as { deliveries: { eventName: string }[] };
  return body.deliveries.map((d) => d.eventName).sort();
}

async function syncIds(url: string): Promise<string[]> {
  const res = await request(`${url}/admin/v1/syncs`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await res.body.json()) as { syncs: { id: string }[] }).syncs.map((s) => s.id);
}

let running: RunningServe | undefined;
let dir: string | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('serve --no-workers', () => {
  it('reloads on SIGHUP and through the admin API, and never starts a sync scheduler', async () => {
    dir = mkdtempSync(join(tmpdir(), 'optirelay-ingest-only-'));
    writeFileSync(join(dir, 'rows.csv'), 'key,name\nk1,K1\n');
    const file = join(dir, 'optirelay.yaml');
    writeFileSync(file, config(dir, 'type = "track" and event = "purchase"', false));
    running = await runServe({ config: file, port: 0, host: '127.0.0.1', workers: false, env: {}, logger: createLogger({ level: 'silent' }), out: () => undefined });
    const { app, url } = running;
    expect(app.workers.map((w) => w.name)).toEqual(['config-reload']);
    expect(process.listenerCount('SIGHUP')).toBeGreaterThan(0); // so a SIGHUP does not end the process

    await track(url, 'purchase');
    await track(url, 'signup');
    expect(await deliveryEvents(url)).toEqual(['purchase']);

    // SIGHUP: the new trigger routes the next events (the listener is what `kill -HUP` runs).
    writeFileSync(file, config(dir, 'type = "track" and event = "signup"', false));
    const before = app.reloader!.reloads;
    process.emit('SIGHUP', 'SIGHUP');
    while (app.reloader!.reloads === before) await new Promise((r) => setTimeout(r, 20));
    await track(url, 'signup');
    expect(await deliveryEvents(url)).toEqual(['purchase', 'signup']);

    // The admin route, with a sync added: applied, and still no scheduler in this process.
    expect(await syncIds(url)).toEqual([]); // the sync admin routes have read the old config
    writeFileSync(file, config(dir, 'type = "track" and event = "signup"', true));
    const res = await request(`${url}/admin/v1/config/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { changed: string[] }).changed).toContain('syncs');
    expect(app.workers.map((w) => w.name)).toEqual(['config-reload']);
    expect(app.config.syncs.map((s) => s.id)).toEqual(['s']);
    expect(await syncIds(url)).toEqual(['s']); // …and now see the new one
  });
});
