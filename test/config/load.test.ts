import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { redactString, MASK } from '../../src/core/redact.js';
import { fixture, issuesOf, issueAt, lineOf, SOURCE } from './helpers.js';

const FULL_ENV = {
  WEB_WRITE_KEY: 'web_env_key_abcdef',
  OPTIRELAY_ADMIN_TOKEN: 'admin_token_from_env',
  OPTIMIZELY_PAT: 'pat_from_env_123456',
  ODP_API_KEY: 'odp_key_from_env_1',
  WAREHOUSE_URL: 'postgres://wh:wh_password_9@warehouse:5432/dw',
};

describe('loadConfig: valid configs and defaults', () => {
  it('applies every default to a minimal config', async () => {
    const { config, file } = await loadConfig({ file: fixture('minimal.yaml'), env: {} });
    expect(file).toBe(fixture('minimal.yaml'));
    expect(config).toEqual({
      file: fixture('minimal.yaml'),
      store: 'sqlite:./data/optirelay.db',
      dataDir: './data',
      server: { port: 8080, host: '0.0.0.0' },
      admin: {},
      ingest: { dedupWindowMs: 86_400_000, commitWindowMs: 2 },
      delivery: { maxAttempts: 10, maxAgeMs: 86_400_000, leaseMs: 30_000, backoffBaseMs: 1_000, backoffMaxMs: 600_000, timeoutMs: 30_000 },
      sources: [{ id: 'web', writeKey: 'web_key_0123456789' }],
      destinations: [],
      syncs: [],
      retention: { deliveredMs: 7 * 86_400_000, rejectedMs: 30 * 86_400_000, deadMs: 30 * 86_400_000, intervalMs: 60_000 },
    });
  });

  it('derives the store from dataDir when no store is given', () => {
    const { config } = parseConfig(`dataDir: /srv/relay/\n${SOURCE}`, 'x.yaml', {});
    expect(config.store).toBe('sqlite:/srv/relay/optirelay.db');
  });

  it('reads every key of a full config: durations in ms, env values, mappings, lanes, syncs', async () => {
    const { config } = await loadConfig({ file: fixture('full.yaml'), env: FULL_ENV });
    expect(config.store).toBe('postgres://relay:pg_secret_pw@db.internal:5432/optirelay');
    expect(config.server).toEqual({ port: 9090, host: '127.0.0.1' });
    expect(config.admin.token).toBe('admin_token_from_env');
    expect(config.ingest).toEqual({ dedupWindowMs: 12 * 3_600_000, commitWindowMs: 5 });
    expect(config.delivery).toEqual({ maxAttempts: 5, maxAgeMs: 2 * 86_400_000, leaseMs: 45_000, backoffBaseMs: 500, backoffMaxMs: 300_000, timeoutMs: 10_000 });
    expect(config.retention).toEqual({ deliveredMs: 3 * 86_400_000, rejectedMs: 14 * 86_400_000, deadMs: 60 * 86_400_000, intervalMs: 30_000 });
    expect(config.sources).toEqual([
      { id: 'web', writeKey: 'web_env_key_abcdef', name: 'Website' },
      { id: 'ios', writeKey: 'ios_default_key' },
    ]);
    const [fx, odp, rest] = config.destinations;
    expect(fx!.settings.accessToken).toBe('pat_from_env_123456');
    expect(fx!.endpoints).toEqual({ eventApi: 'https://logx.optimizely.com/v1/events' });
    expect(fx!.mappings).toEqual([
      { id: 'conversions', action: 'trackEvent', trigger: 'type = "track"', fields: {}, enabled: true, origin: 'config' },
      {
        id: 'trackEvent-1',
        action: 'trackEvent',
        trigger: 'type = "track" and event = "Order Completed"',
        fields: { revenue: { '@path': '$.properties.revenue' }, tags: null },
        enabled: false,
        origin: 'config',
      },
    ]);
    expect(fx!.lanes).toEqual({ trackEvent: { batchSize: 200, lingerMs: 250, maxAttempts: 3, maxAgeMs: 3_600_000, rateLimit: { perSecond: 50, burst: 10, perMinute: 2000 } } });
    expect(fx!.presets).toEqual([]);
    expect(fx!.enabled).toBe(true);
    expect(odp!.presets).toEqual(['Order Completed', 'Identify Calls']);
    expect(odp!.mappings).toEqual([]);
    expect(rest!.enabled).toBe(false);
    expect(rest!.settings.projectId).toBe(42);

    const [vip, events, csv, ndjson] = config.syncs;
    expect(vip).toEqual({
      id: 'vip-list',
      source: { type: 'postgres', url: 'postgres://wh:wh_password_9@warehouse:5432/dw', query: 'select user_id from vip_users' },
      primaryKey: 'user_id',
      destination: 'rest',
      object: 'listAttribute',
      mode: 'mirror',
      fields: {},
      target: { listAttributeId: 777 },
      schedule: '*/15 * * * *',
      enabled: true,
    });
    // queryFile is read relative to the config file; mode defaults to upsert for objects.
    expect(events!.source).toEqual({ type: 'sqlite', path: 'warehouse.db', query: 'select event_key, title from event_defs\n' });
    expect(events!.mode).toBe('upsert');
    expect(events!.fields).toEqual({ key: 'event_key', name: 'title' });
    expect(events!.schedule).toBeUndefined();
    expect(csv).toMatchObject({ source: { type: 'csv', path: 'audiences.csv' }, mode: 'insert', enabled: false });
    // list attributes default to `add`, which never removes anyone.
    expect(ndjson).toMatchObject({ source: { type: 'ndjson', path: 'members.ndjson' }, mode: 'add' });
  });

  it('registers secrets (env or literal) so they are redacted everywhere', async () => {
    await loadConfig({ file: fixture('full.yaml'), env: FULL_ENV });
    for (const secret of ['web_env_key_abcdef', 'admin_token_from_env', 'pat_from_env_123456', 'odp_key_from_env_1', 'wh_password_9', 'pg_secret_pw', 'ios_default_key']) {
      expect(redactString(`value=${secret};`)).toBe(`value=${MASK};`);
    }
    // Non-secret values are left alone.
    expect(redactString('user_id vip-list 12345')).toBe('user_id vip-list 12345');
  });

  it('treats an empty key (null) as absent, but keeps nulls inside field mappings', () => {
    const { config } = parseConfig(`admin:\nserver:\n${SOURCE}destinations:\n  - id: fx\n    type: t\n    mappings:\n      - { action: a, fields: { x: null } }\n`, 'x.yaml', {});
    expect(config.admin).toEqual({});
    expect(config.server.port).toBe(8080);
    expect(config.destinations[0]!.mappings[0]!.fields).toEqual({ x: null });
  });
});

describe('file resolution', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optirelay-config-'));
  writeFileSync(path.join(dir, 'optirelay.yaml'), SOURCE);
  writeFileSync(path.join(dir, 'other.yaml'), 'sources:\n  - { id: other, writeKey: other_key_0123456789 }\n');

  it('uses ./optirelay.yaml in the working directory by default', async () => {
    const loaded = await loadConfig({ cwd: dir, env: {} });
    expect(loaded.file).toBe('optirelay.yaml');
    expect(loaded.config.sources[0]!.id).toBe('web');
  });

  it('prefers OPTIRELAY_CONFIG over the default, and --config over both', async () => {
    expect((await loadConfig({ cwd: dir, env: { OPTIRELAY_CONFIG: 'other.yaml' } })).config.sources[0]!.id).toBe('other');
    expect((await loadConfig({ cwd: dir, file: 'optirelay.yaml', env: { OPTIRELAY_CONFIG: 'other.yaml' } })).config.sources[0]!.id).toBe('web');
  });

  it('says where it looked and how to pass --config when the file is missing', async () => {
    const err = await loadConfig({ cwd: os.tmpdir(), file: 'nope/optirelay.yaml', env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain(path.join(os.tmpdir(), 'nope/optirelay.yaml'));
    expect(msg).toContain('--config');
    expect(msg).toContain('OPTIRELAY_CONFIG');
  });
});

describe('${ENV} interpolation', () => {
  const cfg = (writeKey: string) => `sources:\n  - { id: web, writeKey: ${writeKey} }\n`;

  it('substitutes variables inside flow mappings, quotes and longer strings', () => {
    const env = { K: 'key_from_env_1', PREFIX: 'pre' };
    expect(parseConfig(cfg('${K}'), 'x.yaml', env).config.sources[0]!.writeKey).toBe('key_from_env_1');
    expect(parseConfig(cfg('"${K}"'), 'x.yaml', env).config.sources[0]!.writeKey).toBe('key_from_env_1');
    expect(parseConfig(cfg("'${PREFIX}-${K}-x'"), 'x.yaml', env).config.sources[0]!.writeKey).toBe('pre-key_from_env_1-x');
    expect(parseConfig(`sources:\n  - id: web\n    writeKey: ab_\${K}_cd\n`, 'x.yaml', env).config.sources[0]!.writeKey).toBe('ab_key_from_env_1_cd');
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(parseConfig(cfg('${K:-fallback_key_1}'), 'x.yaml', {}).config.sources[0]!.writeKey).toBe('fallback_key_1');
    expect(parseConfig(cfg('${K:-fallback_key_1}'), 'x.yaml', { K: '' }).config.sources[0]!.writeKey).toBe('fallback_key_1');
    expect(parseConfig(cfg('${K:-fallback_key_1}'), 'x.yaml', { K: 'set_value_12' }).config.sources[0]!.writeKey).toBe('set_value_12');
  });

  it('turns numbers from the environment into numbers where the schema wants one', () => {
    expect(parseConfig(`server: { port: \${PORT:-9091} }\n${SOURCE}`, 'x.yaml', {}).config.server.port).toBe(9091);
    expect(parseConfig(`server:\n  port: \${PORT}\n${SOURCE}`, 'x.yaml', { PORT: '7000' }).config.server.port).toBe(7000);
  });

  it('keeps $${…} as a literal ${…}', () => {
    const { config } = parseConfig(`${SOURCE}destinations:\n  - id: d\n    type: t\n    settings: { template: $\${NOT_ENV}, other: "a $\${B} c" }\n`, 'x.yaml', {});
    expect(config.destinations[0]!.settings).toEqual({ template: '${NOT_ENV}', other: 'a ${B} c' });
  });

  it('ignores references in comments', () => {
    expect(() => parseConfig(`# writeKey: \${UNSET_IN_COMMENT}\n${SOURCE}`, 'x.yaml', {})).not.toThrow();
  });

  it('reports an unset variable with its name, key, line and the fix', () => {
    const text = `server: { port: 8080 }\nsources:\n  - { id: web, writeKey: \${WEB_WRITE_KEY} }\n`;
    const issues = issuesOf(text, {}, 'conf/optirelay.yaml');
    expect(issues).toHaveLength(1); // not also "empty write key"
    const i = issues[0]!;
    expect(i).toMatchObject({ file: 'conf/optirelay.yaml', line: 3, column: 26, path: '/sources/0/writeKey' });
    expect(i.message).toContain('WEB_WRITE_KEY is not set');
    expect(i.message).toContain('export WEB_WRITE_KEY=');
    expect(i.message).toContain('${WEB_WRITE_KEY:-');
  });

  it('reports every unset variable, not just the first', () => {
    const text = `admin: { token: \${A_TOKEN} }\nsources:\n  - { id: web, writeKey: \${W_KEY} }\n  - { id: app, writeKey: \${APP_KEY} }\n`;
    expect(issuesOf(text).map((i) => [i.line, i.path])).toEqual([
      [1, '/admin/token'],
      [3, '/sources/0/writeKey'],
      [4, '/sources/1/writeKey'],
    ]);
  });

  it('reports malformed references', () => {
    const i = issueAt(issuesOf(`${SOURCE}dataDir: "\${1BAD}"\n`), '/dataDir');
    expect(i.line).toBe(3);
    expect(i.message).toContain("invalid reference '${1BAD}'");
  });
});

describe('YAML syntax errors', () => {
  it('report file, line and column', () => {
    const text = `${SOURCE}destinations:\n  - id: fx\n   type: broken\n`;
    const issues = issuesOf(text, {}, 'bad.yaml');
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ file: 'bad.yaml', line: lineOf(text, 'type: broken') });
    expect(issues[0]!.message).toMatch(/^YAML syntax error: .*Fix:/);
  });

  it('report duplicate keys', () => {
    const text = `${SOURCE}server:\n  port: 1\n  port: 2\n`;
    const [i] = issuesOf(text);
    expect(i!.line).toBe(5);
    expect(i!.message).toContain('unique');
  });

  it('report an empty file', () => {
    expect(issuesOf('# nothing here\n')[0]!.message).toContain('empty');
  });
});
