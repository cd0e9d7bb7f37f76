/**
 * Object syncs (customEvent, attribute, audience) against the sandbox's REST API with a real SQLite warehouse:
 * upsert and insert, the diff across runs (added, changed, deleted rows), invalid rows, the seed's errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { EVERYONE_CONDITIONS } from '../../src/sync/objects.js';
import { configYaml, DEMO, fastSandbox, loadYaml, restCalls, service, tmp, warehouse } from './helpers.js';

let sb: Sandbox;
const t = tmp();
beforeAll(async () => {
  sb = await fastSandbox();
});
afterAll(async () => {
  await sb.close();
  t.cleanup();
});

const events = () => sb.state().events.filter((e) => e.projectId === DEMO.projectId);

describe('customEvent upsert', () => {
  it('creates, updates changed rows, leaves unchanged ones alone, across runs', async () => {
    sb.reset();
    const wh = warehouse(
      t.dir,
      `CREATE TABLE ev (k TEXT, title TEXT, description TEXT, category TEXT);
       INSERT INTO ev VALUES ('newsletter_signup','Newsletter','Subscribed','sign_up'), ('wishlist_add','Wishlist','Saved','save'), ('purchase','Purchase!','existing key','purchase');`,
      'ev.db',
    );
    const config = await loadYaml(
      t.dir,
      configYaml(sb, `  - id: ev
    source: { type: sqlite, path: ${wh.file}, query: "select k, title, description, category from ev" }
    primaryKey: k
    destination: rest
    object: customEvent
    mode: upsert
    fields: { key: k, name: title }`),
    );
    const { svc, store } = await service(config);
    const r1 = await svc.run('ev', { trigger: 'manual' });
    expect(r1.status).toBe('completed');
    if (r1.status === 'busy') throw new Error('busy');
    expect(r1.run.counts.added).toEqual({ succeeded: 3, failed: 0 });
    expect(events().find((e) => e.key === 'newsletter_signup')).toMatchObject({ name: 'Newsletter', category: 'sign_up' });
    // "purchase" existed in the demo project: upsert patched it.
    expect(events().filter((e) => e.key === 'purchase')).toHaveLength(1);
    expect(events().find((e) => e.key === 'purchase')!.name).toBe('Purchase!');
    expect(restCalls(sb).filter((c) => c.startsWith('PATCH'))).toHaveLength(1);

    // Second run: nothing changed → no requests.
    sb.clearReceived();
    const r2 = await svc.run('ev', { trigger: 'manual' });
    if (r2.status === 'busy') throw new Error('busy');
    expect(r2.run.counts).toMatchObject({ rowsRead: 3, unchanged: 3, requests: 0 });
    expect(restCalls(sb)).toEqual([]);

    // Change one row, delete one, add one.
    wh.exec(`UPDATE ev SET title = 'Wishlist v2' WHERE k = 'wishlist_add'; DELETE FROM ev WHERE k = 'newsletter_signup'; INSERT INTO ev VALUES ('support_contact','Support',NULL,'other');`);
    sb.clearReceived();
    const r3 = await svc.run('ev', { trigger: 'manual' });
    if (r3.status === 'busy') throw new Error('busy');
    expect(r3.run.counts).toMatchObject({ rowsRead: 3, unchanged: 1, added: { succeeded: 1, failed: 0 }, changed: { succeeded: 1, failed: 0 } });
    expect(events().find((e) => e.key === 'wishlist_add')!.name).toBe('Wishlist v2');
    expect(events().find((e) => e.key === 'support_contact')).toBeTruthy();
    // Upsert never deletes: the removed row's event is still there.
    expect(events().find((e) => e.key === 'newsletter_signup')).toBeTruthy();
    expect(await store.snapshotSize('ev')).toBe(3);
    const runs = await svc.runs('ev');
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    await store.close();
  });
});

describe('customEvent insert and invalid rows', () => {
  it('reports duplicate keys, invalid keys, null and duplicate primary keys; sends only the valid rows', async () => {
    sb.reset();
    const wh = warehouse(
      t.dir,
      `CREATE TABLE ev (key TEXT, name TEXT);
       INSERT INTO ev VALUES ('signup','dup of a demo event'), ('fresh_one','Fresh'), (NULL,'no key'), ('fresh_one','dup pk'), ('bad/key','slash'), ('${'x'.repeat(65)}','too long');`,
      'ins.db',
    );
    const config = await loadYaml(
      t.dir,
      configYaml(sb, `  - id: ins
    source: { type: sqlite, path: ${wh.file}, query: "select key, name from ev" }
    primaryKey: key
    destination: rest
    object: customEvent
    mode: insert`),
    );
    const { svc, store } = await service(config);
    const r = await svc.run('ins', { trigger: 'api' });
    if (r.status === 'busy') throw new Error('busy');
    expect(r.status).toBe('completed');
    expect(r.run.counts).toMatchObject({ rowsRead: 6, invalid: 4, added: { succeeded: 1, failed: 1 } });
    const detail = await svc.getRun('ins', r.run.id);
    const msgs = detail!.rowErrors.map((e) => `${e.op}|${e.code}|${e.message}`);
    expect(msgs.some((m) => m.includes('invalid|') && m.includes('null or empty'))).toBe(true);
    expect(msgs.some((m) => m.includes('duplicate primary key "fresh_one"'))).toBe(true);
    expect(msgs.some((m) => m.includes('bad/key') && m.includes('characters'))).toBe(true);
    expect(msgs.some((m) => m.includes('at most 64'))).toBe(true);
    expect(msgs.some((m) => m.includes('already exists'))).toBe(true);
    expect(events().find((e) => e.key === 'fresh_one')!.name).toBe('Fresh');
    // The failed row is retried next run (and fails again the same way); the sent one is not re-sent.
    sb.clearReceived();
    const r2 = await svc.run('ins', { trigger: 'manual' });
    if (r2.status === 'busy') throw new Error('busy');
    expect(r2.run.counts.added).toEqual({ succeeded: 0, failed: 1 });
    expect(restCalls(sb).filter((c) => c.startsWith('POST'))).toHaveLength(0);
    await store.close();
  });
});

describe('attributes and audiences', () => {
  it('upserts attributes and audiences; absent conditions become the everyone tautology; bad conditions are row errors', async () => {
    sb.reset();
    const wh = warehouse(
      t.dir,
      `CREATE TABLE attrs (key TEXT, name TEXT, description TEXT);
       INSERT INTO attrs VALUES ('loyalty_tier','Loyalty tier','bronze/silver/gold'), ('plan','Plan','existing attribute');
       CREATE TABLE aud (name TEXT, conditions TEXT, description TEXT);
       INSERT INTO aud VALUES ('Gold', '["and", {"type":"custom_attribute","name":"loyalty_tier","match_type":"exact","value":"gold"}]', 'gold tier'),
                              ('Everyone', NULL, 'default'),
                              ('Broken', '["maybe", {}]', NULL),
                              ('NotJson', '{oops', NULL);`,
      'objs.db',
    );
    const config = await loadYaml(
      t.dir,
      configYaml(sb, `  - id: attrs
    source: { type: sqlite, path: ${wh.file}, query: "select * from attrs" }
    primaryKey: key
    destination: rest
    object: attribute
  - id: aud
    source: { type: sqlite, path: ${wh.file}, query: "select * from aud" }
    primaryKey: name
    destination: rest
    object: audience`),
    );
    const { svc, store } = await service(config);
    const a = await svc.run('attrs', { trigger: 'manual' });
    if (a.status === 'busy') throw new Error('busy');
    expect(a.run.counts.added).toEqual({ succeeded: 2, failed: 0 });
    const attrs = sb.state().attributes.filter((x) => x.projectId === DEMO.projectId);
    expect(attrs.filter((x) => x.key === 'plan')).toHaveLength(1);
    expect(attrs.find((x) => x.key === 'loyalty_tier')!.description).toBe('bronze/silver/gold');

    const r = await svc.run('aud', { trigger: 'manual' });
    if (r.status === 'busy') throw new Error('busy');
    expect(r.run.counts).toMatchObject({ invalid: 2, added: { succeeded: 2, failed: 0 } });
    const auds = sb.state().audiences.filter((x) => x.projectId === DEMO.projectId);
    expect(auds.find((x) => x.name === 'Everyone')!.conditions).toBe(EVERYONE_CONDITIONS);
    expect(JSON.parse(auds.find((x) => x.name === 'Gold')!.conditions)[0]).toBe('and');
    const errs = (await svc.getRun('aud', r.run.id))!.rowErrors;
    expect(errs.map((e) => e.code)).toEqual(['OR_SYNC_INVALID_CONDITIONS', 'OR_SYNC_INVALID_CONDITIONS']);
    expect(errs[0]!.message).toContain('Broken');
    await store.close();
  });
});

describe('run-level errors from the troubleshooting list', () => {
  it('authentication failed, project not found (name instead of numeric id), unknown project id', async () => {
    sb.reset();
    const wh = warehouse(t.dir, `CREATE TABLE ev (key TEXT); INSERT INTO ev VALUES ('k1');`, 'err.db');
    const sync = `  - id: ev
    source: { type: sqlite, path: ${wh.file}, query: "select key from ev" }
    primaryKey: key
    destination: rest
    object: customEvent`;
    for (const [opts, expected] of [
      [{ token: 'demo-sdk-key' }, /authentication failed.*SDK keys/],
      [{ projectId: 'Demo project' }, /project not found.*numeric/],
      [{ projectId: '999999' }, /project not found.*numeric project id/],
    ] as const) {
      const { svc, store } = await service(await loadYaml(t.dir, configYaml(sb, sync, opts)));
      const r = await svc.run('ev', { trigger: 'manual' });
      if (r.status === 'busy') throw new Error('busy');
      expect(r.status).toBe('failed');
      expect(r.run.error).toMatch(expected);
      expect(r.run.error).not.toContain(DEMO.personalAccessToken);
      expect(await store.snapshotSize('ev')).toBe(0);
      await store.close();
    }
  });
});
