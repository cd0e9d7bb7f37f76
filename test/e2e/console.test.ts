/**
 * The web console end to end: a real optirelay (in-process createApp + startApp on port 0, SQLite in a temp dir)
 * against the sandbox, driven by Debian's Chromium through playwright-core. Screenshots go to test-results/console/.
 * `npm test` builds the console first (`npm run build`); run alone, this test builds it when console/dist is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { request } from 'undici';
import { startSandbox, DEMO, type Sandbox } from '../../src/sandbox/index.js';
import { loadAndValidate } from '../../src/cli/load-config.js';
import { createApp, startApp, stopApp, type App } from '../../src/server/app-context.js';
import { createLogger } from '../../src/logger.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results', 'console');
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'e2e-console-admin-token-0123456789';
const WRITE_KEY = 'e2e_write_key_123';

let sandbox: Sandbox;
let app: App;
let browser: Browser;
let page: Page;
let dir: string;
let shot = 0;

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

async function admin<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await request(`${app.url}/admin/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as T };
}

async function track(event: Record<string, unknown>): Promise<void> {
  const res = await request(`${app.url}/v1/track`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  expect(res.statusCode).toBe(200);
  await res.body.dump();
}

/** Polls the admin API until `check` holds (no timing assertions: vitest's timeout bounds it). */
async function until<T>(path: string, check: (body: T) => boolean): Promise<T> {
  for (;;) {
    const { body } = await admin<T>(path);
    if (check(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'console', 'dist', 'index.html'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'console/vite.config.ts'], { cwd: ROOT, stdio: 'ignore' });
  }
  mkdirSync(SHOTS, { recursive: true });
  sandbox = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'optirelay-e2e-'));
  const file = join(dir, 'optirelay.yaml');
  writeFileSync(
    file,
    `store: sqlite:${join(dir, 'optirelay.db')}
dataDir: ${dir}
admin: { token: ${TOKEN} }
sources:
  - { id: web, writeKey: ${WRITE_KEY} }
destinations:
  - id: fx
    type: optimizely-feature-experimentation
    settings: { accountId: "${DEMO.accountId}", dataFileUrl: ${sandbox.endpoints.datafile(DEMO.sdkKey)}, accessToken: ${DEMO.personalAccessToken} }
    endpoints: { eventApi: ${sandbox.endpoints.eventApi}, restApi: ${sandbox.endpoints.restApi} }
    mappings:
      - { id: conversions, action: trackEvent }
  - id: rest
    type: optimizely-rest
    settings: { accessToken: ${DEMO.personalAccessToken}, projectId: "${DEMO.projectId}" }
    endpoints: { restApi: ${sandbox.endpoints.restApi} }
syncs:
  - id: custom-events
    source: { type: sqlite, path: ${join(ROOT, 'examples', 'warehouse', 'warehouse.db')}, query: "select key, name, description, category from custom_events" }
    primaryKey: key
    destination: rest
    object: customEvent
    mode: upsert
`,
  );
  const { config } = await loadAndValidate({ file, cwd: dir });
  app = await createApp({ config, logger: createLogger({ level: 'warn' }) });
  await startApp(app, { port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  if (app) await stopApp(app);
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('web console', () => {
  it('serves the console at / and keeps API 404s as JSON', async () => {
    const html = await request(`${app.url}/deliveries/deep-link`, { headers: { accept: 'text/html' } });
    expect(html.statusCode).toBe(200);
    expect(await html.body.text()).toContain('<div id="root">');
    const api404 = await request(`${app.url}/admin/v1/nope`, { headers: { accept: 'text/html', authorization: `Bearer ${TOKEN}` } });
    expect(api404.statusCode).toBe(404);
    expect(((await api404.body.json()) as { code: string }).code).toBe('not_found');
    const doc = (await (await request(`${app.url}/admin/v1/openapi.json`)).body.json()) as { paths: Record<string, unknown> };
    for (const p of ['/admin/v1/timeseries', '/admin/v1/destinations', '/admin/v1/destinations/{id}/mappings/preview', '/admin/v1/destinations/{id}/mappings/test-send']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const bad = await admin<{ code: string; field: string }>('/destinations/fx/mappings/preview', { method: 'POST', body: { action: 'trackEvent', trigger: 'type = ', event: {} } });
    expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_param', field: 'trigger' } });
  });

  it('signs in with the admin token (a wrong one is refused)', async () => {
    await page.goto(app.url!);
    await page.getByLabel('Admin token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('optirelay.adminToken'))).toBe(TOKEN);
  });

  it('shows an event arriving in the source debugger', async () => {
    await page.getByRole('link', { name: 'Source debugger' }).click();
    await page.getByText('Waiting for events').waitFor();
    await track({ userId: 'e2e-user-1', event: 'purchase', properties: { revenue: 4200, currency: 'USD' } });
    const row = page.locator('table.events tbody tr').filter({ hasText: 'e2e-user-1' });
    await row.waitFor();
    await row.getByRole('button').click();
    await page.locator('tr.expanded pre').filter({ hasText: '"revenue": 4200' }).waitFor();
    await screenshot('debugger');
  });

  it('tests a mapping: match, payload and the request that would be sent (not sent)', async () => {
    await page.goto(`${app.url}/#/destinations/fx`);
    await page.getByRole('heading', { name: 'Mapping tester' }).waitFor();
    await page.getByLabel('Pick a recent event').selectOption({ index: 1 });
    await expectTextarea(page, 'Event JSON', 'e2e-user-1');
    await page.getByRole('button', { name: 'Test mapping' }).click();
    await page.getByText('trigger matches').waitFor();
    await page.getByText('HTTP request that would be sent (not sent)').waitFor();
    const request = await page.locator('.result pre').nth(1).textContent();
    expect(request).toContain(`POST ${sandbox.endpoints.eventApi}`);
    expect(request).toContain('"key": "purchase"');
    await page.getByText('- id: conversions').waitFor();
    await screenshot('mapping-tester');

    // A pasted event: previews never send.
    await page.getByLabel('Event JSON').fill(JSON.stringify({ type: 'track', event: 'purchase', userId: 'e2e-preview', messageId: 'e2e-preview-only', properties: { revenue: 100 } }));
    await page.getByRole('button', { name: 'Test mapping' }).click();
    await page.locator('.result pre').filter({ hasText: 'e2e-preview-only' }).first().waitFor();
    expect(sandbox.events().some((e) => e.uuid === 'e2e-preview-only')).toBe(false);

    // A draft trigger that does not match says why.
    await page.getByLabel(/^Trigger \(FQL\)/).fill('event = "signup"');
    await page.getByRole('button', { name: 'Test mapping' }).click();
    await page.getByText(/trigger does not match/).waitFor();
  });

  it('sends a test event for real', async () => {
    await page.getByLabel(/^Trigger \(FQL\)/).fill('');
    await page.getByLabel('Event JSON').fill(JSON.stringify({ type: 'track', event: 'purchase', userId: 'e2e-sent', messageId: 'e2e-test-send', properties: { revenue: 700 } }));
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent:' }).filter({ hasText: 'delivered' }).waitFor();
    await page.getByText('Request sent').waitFor();
    expect(sandbox.events().filter((e) => e.uuid === 'e2e-test-send')).toHaveLength(1);
    await screenshot('test-event-sent');
  });

  it('replays a dead delivery', async () => {
    await track({ userId: 'e2e-user-dead', event: 'no_such_event_key' });
    await until<{ deliveries: { status: string }[] }>('/deliveries?userId=e2e-user-dead', (b) => b.deliveries[0]?.status === 'dead');
    await page.goto(`${app.url}/#/deliveries?status=dead`);
    const row = page.locator('tr').filter({ hasText: 'no_such_event_key' });
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: /^Delivery #/ }).waitFor();
    await page.locator('dd.bad').filter({ hasText: 'not defined in the datafile' }).waitFor();
    await screenshot('dead-delivery');
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '1 replayed' }).waitFor();
    // Still unknown in the datafile: the replayed delivery goes back to pending and dies again with the same reason.
    const after = await until<{ attemptLog: unknown[]; status: string }>(`/deliveries/${await deadId()}`, (b) => b.status === 'dead' && b.attemptLog.length >= 2);
    expect(after.attemptLog.length).toBeGreaterThanOrEqual(2);

    await page.getByRole('link', { name: 'Conversion health' }).click();
    await page.getByRole('heading', { name: 'fx (Optimizely Feature Experimentation)' }).waitFor();
    await page.locator('td.reason').filter({ hasText: 'no_such_event_key' }).first().waitFor();
    await screenshot('conversion-health');
  });

  it('shows the overview with lanes and charts', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('cell', { name: 'trackEvent' }).waitFor();
    await page.locator('figure.chart svg rect').first().waitFor();
    await page.getByRole('button', { name: 'Last day' }).click();
    await page.getByRole('heading', { name: 'Activity over the last day' }).waitFor();
    await screenshot('overview');
  });

  it('plans and runs a sync with live progress', async () => {
    await page.getByRole('link', { name: 'Syncs' }).click();
    await page.getByRole('heading', { name: 'Sync custom-events' }).waitFor();
    await page.getByRole('button', { name: 'Plan (dry run)' }).click();
    await page.getByText('Plan (nothing was written)').waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.locator('.run-detail').filter({ hasText: 'completed' }).waitFor();
    const runs = await admin<{ runs: { status: string; counts: { added: { succeeded: number } } }[] }>('/syncs/custom-events/runs');
    expect(runs.body.runs[0]!.status).toBe('completed');
    expect(runs.body.runs[0]!.counts.added.succeeded).toBeGreaterThan(0);
    await screenshot('sync-run');
  });

  it('never sends secrets to the browser', async () => {
    const { body } = await admin<Record<string, unknown>>('/config');
    const text = JSON.stringify(body) + JSON.stringify((await admin('/destinations')).body);
    expect(text).not.toContain(DEMO.personalAccessToken);
    expect(text).not.toContain(WRITE_KEY);
    expect(text).not.toContain(TOKEN);
  });
});

async function deadId(): Promise<number> {
  const { body } = await admin<{ deliveries: { id: number }[] }>('/deliveries?userId=e2e-user-dead');
  return body.deliveries[0]!.id;
}

async function expectTextarea(p: Page, label: string, text: string): Promise<void> {
  for (;;) {
    if ((await p.getByLabel(label).inputValue()).includes(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
