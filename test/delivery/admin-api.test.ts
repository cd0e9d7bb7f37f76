/** The delivery admin API, /metrics and the dlq CLI against a real app (server, SQLite store, deliverer worker). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, startApp, stopApp, type App } from '../../src/server/app-context.js';
import { createLogger } from '../../src/logger.js';
import { registerDatafileAge } from '../../src/pipeline/metrics.js';
import { dlqList, dlqPurge, dlqReplay, dlqShow, DlqUsageError } from '../../src/cli/commands/dlq.js';
import { ScriptedServer } from './scripted-server.js';
import { makeConfig, testDest, until } from './harness.js';

const TOKEN = 'admin-token-for-tests';
let server: ScriptedServer;
let app: App;
let url: string;
let dir: string;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads arbitrary JSON
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function track(ids: string[]): Promise<void> {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('wk_test_delivery:').toString('base64')}` },
    body: JSON.stringify({ batch: ids.map((id) => ({ type: 'track', event: 'Signed Up', userId: `user-${id}`, messageId: id, properties: { value: 3 } })) }),
  });
  expect(res.status).toBe(200);
}

async function deliveryOf(messageId: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads arbitrary JSON
  const r = await api('GET', `/admin/v1/deliveries?messageId=${messageId}`);
  return r.json.deliveries[0];
}

beforeAll(async () => {
  server = await new ScriptedServer().start();
  dir = mkdtempSync(join(tmpdir(), 'optirelay-delivery-admin-'));
  const config = makeConfig(dir, [testDest('a', server.url)]);
  const logger = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  app = await createApp({ config, logger });
  url = await startApp(app, { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await stopApp(app);
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('delivery admin API', () => {
  it('events sent to the Tracking API are delivered; rejected ones are dead letters with their exchange', async () => {
    server.rejectIds.add('bad-1');
    server.rejectIds.add('bad-2');
    await track(['ok-1', 'ok-2', 'bad-1', 'bad-2']);
    await until(async () => (await api('GET', '/admin/v1/deliveries?status=dead')).json.deliveries.length === 2);
    expect(server.delivered.sort()).toEqual(['ok-1', 'ok-2']);

    const dead = (await api('GET', '/admin/v1/deliveries?status=dead&destinationId=a&error=rejected')).json.deliveries;
    expect(dead.map((d: { messageId: string }) => d.messageId).sort()).toEqual(['bad-1', 'bad-2']);
    expect(dead[0]).toMatchObject({ status: 'dead', lane: 'a:send', attempts: 1, lastStatusCode: 400 });

    const one = await api('GET', `/admin/v1/deliveries/${dead[0].id}`);
    expect(one.status).toBe(200);
    expect(one.json.event.messageId).toBe(dead[0].messageId);
    const attempt = one.json.attemptLog[0];
    expect(attempt).toMatchObject({ attempt: 1, outcome: 'dead', statusCode: 400 });
    expect(attempt.request.headers.authorization).toBe('[redacted]');
    expect(attempt.request.body).toMatchObject({ id: dead[0].messageId, value: 3 });
    expect(JSON.stringify(one.json)).not.toContain('test-secret-token');

    expect((await api('GET', '/admin/v1/deliveries/999999')).status).toBe(404);
    expect((await api('GET', '/admin/v1/deliveries?status=nope')).status).toBe(400);
  });

  it('replay needs a selection; replaying by id and by filter delivers again', async () => {
    const r0 = await api('POST', '/admin/v1/dlq/replay', {});
    expect(r0.status).toBe(400);
    expect(r0.json.message).toMatch(/ids.*filter.*all/);
    server.rejectIds.clear();
    const bad1 = await deliveryOf('bad-1');
    expect((await api('POST', '/admin/v1/dlq/replay', { ids: [bad1.id] })).json).toEqual({ replayed: 1 });
    await until(async () => (await deliveryOf('bad-1')).status === 'delivered');
    expect((await api('POST', '/admin/v1/dlq/replay', { destinationId: 'a', event: 'Signed Up' })).json).toEqual({ replayed: 1 });
    await until(async () => (await deliveryOf('bad-2')).status === 'delivered');
    expect(server.delivered.sort()).toEqual(['bad-1', 'bad-2', 'ok-1', 'ok-2']);
  });

  it('retry one delivery now, and purge dead letters', async () => {
    server.rejectIds.add('bad-3');
    await track(['bad-3', 'bad-4']);
    server.rejectIds.add('bad-4');
    await until(async () => (await deliveryOf('bad-3'))?.status === 'dead');
    server.rejectIds.delete('bad-3');
    const d3 = await deliveryOf('bad-3');
    const r = await api('POST', `/admin/v1/deliveries/${d3.id}/retry`);
    expect(r.status).toBe(200);
    await until(async () => (await deliveryOf('bad-3')).status === 'delivered');
    const again = await api('POST', `/admin/v1/deliveries/${d3.id}/retry`);
    expect(again.status).toBe(409);
    await until(async () => (await deliveryOf('bad-4'))?.status === 'dead');
    expect((await api('POST', '/admin/v1/dlq/purge', { error: 'bad-4 rejected' })).json).toEqual({ purged: 1 });
    expect(await deliveryOf('bad-4')).toBeUndefined();
    server.rejectIds.clear();
  });

  it('lanes, destination health and connection test', async () => {
    const lanes = (await api('GET', '/admin/v1/lanes')).json.lanes;
    const lane = lanes.find((l: { lane: string }) => l.lane === 'a:send');
    expect(lane).toMatchObject({ destinationId: 'a', action: 'send', running: true, pending: 0, rateFactor: 1, pausedUntil: null });
    expect(lane.delivered).toBeGreaterThanOrEqual(5);
    expect(lane.settings).toMatchObject({ batchSize: 50, maxAttempts: 5 });

    const health = await api('GET', '/admin/v1/destinations/a/health');
    expect(health.json).toMatchObject({ destinationId: 'a', running: true, enabled: true });
    expect(health.json.byStatus.delivered).toBeGreaterThanOrEqual(5);
    expect((await api('GET', '/admin/v1/destinations/nope/health')).status).toBe(404);

    const test = await api('POST', '/admin/v1/destinations/a/test');
    expect(test.json).toEqual({ ok: true, message: 'ping answered 200' });
  });

  it('the OpenAPI document lists the delivery routes', async () => {
    const doc = (await api('GET', '/admin/v1/openapi.json')).json;
    for (const p of ['/admin/v1/deliveries', '/admin/v1/deliveries/{id}', '/admin/v1/deliveries/{id}/retry', '/admin/v1/dlq/replay', '/admin/v1/dlq/purge', '/admin/v1/lanes', '/admin/v1/destinations/{id}/health', '/admin/v1/destinations/{id}/test']) {
      expect(doc.paths[p], p).toBeDefined();
    }
  });

  it('/metrics exposes delivery, lane and datafile series without auth', async () => {
    const off = registerDatafileAge('a', () => 42);
    const res = await fetch(`${url}/metrics`);
    off();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/optirelay_deliveries_delivered_total\{destination="a",action="send"\} \d+/);
    expect(text).toMatch(/optirelay_deliveries_dead_total\{destination="a",action="send"\} \d+/);
    expect(text).toMatch(/optirelay_delivery_request_duration_seconds_bucket\{.*destination="a".*\}/);
    expect(text).toMatch(/optirelay_lane_queue_depth\{lane="a:send",destination="a",action="send",status="pending"\} 0/);
    expect(text).toMatch(/optirelay_lane_oldest_pending_age_seconds\{lane="a:send",destination="a",action="send"\} 0/);
    expect(text).toMatch(/optirelay_lane_rate_factor\{lane="a:send"\} 1/);
    expect(text).toContain('optirelay_datafile_age_seconds{destination="a"} 42');
    expect(text).toMatch(/optirelay_events_received_total\{source="web"\} [1-9]\d*/);
    expect(text).toMatch(/optirelay_events_accepted_total\{source="web"\} [1-9]\d*/);
  });
});

describe('dlq CLI', () => {
  it('lists, shows, replays and purges dead letters from the store', async () => {
    server.rejectIds.add('cli-1');
    server.rejectIds.add('cli-2');
    await track(['cli-1', 'cli-2']);
    await until(async () => (await api('GET', '/admin/v1/deliveries?status=dead')).json.deliveries.length === 2);
    const lines: string[] = [];
    const out = (l: string): void => void lines.push(l);
    expect(await dlqList(app.store, { destination: 'a' }, out)).toBe(2);
    expect(lines[0]).toMatch(/^ID\tLANE/);
    expect(lines.join('\n')).toContain('item cli-1 rejected');
    const id = Number(lines[1]!.split('\t')[0]);
    lines.length = 0;
    expect(await dlqShow(app.store, id, false, out)).toBe(true);
    expect(lines.join('\n')).toMatch(/attempt 1 · dead .* HTTP 400/);
    expect(lines.join('\n')).not.toContain('test-secret-token');
    await expect(dlqReplay(app.store, {}, Date.now())).rejects.toThrow(DlqUsageError);
    await expect(dlqPurge(app.store, { all: true, destination: 'a' })).rejects.toThrow(/--all cannot be combined/);
    server.rejectIds.delete('cli-1');
    expect(await dlqReplay(app.store, { error: 'cli-1' }, Date.now())).toBe(1);
    await until(async () => (await deliveryOf('cli-1')).status === 'delivered');
    expect(await dlqPurge(app.store, { all: true })).toBe(1);
    expect(await deliveryOf('cli-2')).toBeUndefined();
    server.rejectIds.clear();
  });

  it('runs as a command with --config', async () => {
    const file = join(dir, 'cli.yaml');
    writeFileSync(file, `store: sqlite:${join(dir, 'optirelay.db')}\ndataDir: ${dir}\nsources: [{ id: web, writeKey: wk_x_12345 }]\n`);
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'dlq', '--config', file, 'list', '--status', 'delivered', '--limit', '3'], { cwd: process.cwd() });
    expect(stdout.split('\n')[0]).toMatch(/^ID\tLANE\tEVENT/);
    expect(stdout).toContain('a:send');
  });
});
