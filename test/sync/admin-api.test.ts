/** The sync routes of the admin API: list, plan, run (202 / 409), run detail with row errors, reset. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { createApp, type App } from '../../src/server/app-context.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { configYaml, fastSandbox, loadYaml, tmp, warehouse } from './helpers.js';

let sb: Sandbox;
let app: App;
const t = tmp();
const auth = { authorization: 'Bearer admin-token-for-sync-tests-123456' };

beforeAll(async () => {
  sb = await fastSandbox();
  const wh = warehouse(t.dir, `CREATE TABLE ev (key TEXT, name TEXT); INSERT INTO ev VALUES ('api_one','One'), ('bad key!','x');`, 'api.db');
  const yaml = configYaml(
    sb,
    `  - id: ev
    source: { type: sqlite, path: ${wh.file}, query: "select key, name from ev" }
    primaryKey: key
    destination: rest
    object: customEvent`,
  ).replace('sources: []', 'sources: []\nadmin: { token: admin-token-for-sync-tests-123456 }');
  const config = await loadYaml(t.dir, yaml);
  const store = new SqliteStore(':memory:');
  await store.migrate();
  app = await createApp({ config, store, workers: false });
});
afterAll(async () => {
  await app.server.close();
  await app.store.close();
  await sb.close();
  t.cleanup();
});

it('lists, plans, runs, shows a run with row errors, resets', async () => {
  const list = await app.server.inject({ method: 'GET', url: '/admin/v1/syncs', headers: auth });
  expect(list.statusCode).toBe(200);
  expect(list.json().syncs[0]).toMatchObject({ id: 'ev', object: 'customEvent', mode: 'upsert', lastRun: null });

  const plan = await app.server.inject({ method: 'POST', url: '/admin/v1/syncs/ev/plan', headers: auth });
  expect(plan.json()).toMatchObject({ added: 1, invalid: 1 });
  expect(sb.received('rest')).toHaveLength(0);

  const run = await app.server.inject({ method: 'POST', url: '/admin/v1/syncs/ev/run', headers: auth });
  expect(run.statusCode).toBe(202);
  const runId = run.json().id as number;
  let detail;
  for (let i = 0; i < 100; i++) {
    detail = (await app.server.inject({ method: 'GET', url: `/admin/v1/syncs/ev/runs/${runId}`, headers: auth })).json();
    if (detail.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(detail).toMatchObject({ status: 'completed', trigger: 'api', counts: { added: { succeeded: 1, failed: 0 }, invalid: 1 } });
  expect(detail.rowErrors[0]).toMatchObject({ op: 'invalid', pk: 'bad key!' });

  const runs = await app.server.inject({ method: 'GET', url: '/admin/v1/syncs/ev/runs', headers: auth });
  expect(runs.json().runs).toHaveLength(1);
  const reset = await app.server.inject({ method: 'POST', url: '/admin/v1/syncs/ev/reset', headers: auth });
  expect(reset.json()).toEqual({ dropped: 1 });
  const missing = await app.server.inject({ method: 'POST', url: '/admin/v1/syncs/nope/plan', headers: auth });
  expect(missing.statusCode).toBe(404);
  expect(missing.json().message).toContain('configured: ev');
});
