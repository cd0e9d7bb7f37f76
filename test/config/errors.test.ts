import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, type ConfigIssue } from '../../src/core/errors.js';
import { fixture, issueAt, issuesOf, lineOf, SOURCE } from './helpers.js';

const REST = 'destinations:\n  - { id: rest, type: optimizely-rest, settings: { accessToken: t_123456, projectId: 1 } }\n';
const sync = (extra: string) =>
  `${SOURCE}${REST}syncs:\n  - id: s\n    source: { type: sqlite, path: w.db, query: "select 1" }\n    primaryKey: id\n    destination: rest\n${extra}`;

describe('every issue names the file, the line, the path and the fix', () => {
  it('collects all issues of a broken file, in line order, each located', async () => {
    const file = fixture('many-errors.yaml');
    const text = readFileSync(file, 'utf8');
    const err = (await loadConfig({ file, env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    const byPath = (p: string): ConfigIssue => issueAt(err.issues, p);
    const expectAt = (p: string, needle: string, ...words: string[]) => {
      const i = byPath(p);
      expect(i.file).toBe(file);
      expect(i.line, `${p} line`).toBe(lineOf(text, needle));
      expect(i.column).toBeGreaterThan(0);
      for (const w of words) expect(i.message).toContain(w);
      return i;
    };
    expectAt('/store', 'mysql', "scheme 'mysql:'", 'sqlite:', 'postgres://');
    expectAt('/server/port', 'port: 99999', '65535');
    expectAt('/server/hots', 'hots', "unknown key 'hots'", "did you mean 'host'?");
    expectAt('/sources/1/writeKey', "id: app", "same write key as source 'web'", 'Fix');
    expectAt('/sources/2/id', 'other_key', "duplicate source id 'web'", 'line 4', 'rename');
    expectAt('/sources/3/writeKey', 'nokey', "source 'nokey' has no write key", 'NOKEY_WRITE_KEY');
    expectAt('/destinations/0/mappings/1/id', 'same mapping id again', "duplicate mapping (in destination 'fx') id 'm1'");
    expectAt('/destinations/1/id', 'same destination id again', "duplicate destination id 'fx'");
    expectAt('/syncs/0/object', 'audiance', "'audiance' is not allowed", "did you mean 'audience'?");
    expectAt('/syncs/0/destination', 'destination: fx', "of type 'optimizely-data-platform'", 'optimizely-rest');
    expectAt('/syncs/1/destination', 'nowhere', "'nowhere', which is not configured", 'Fix');
    expectAt('/syncs/1/mode', 'mirror', "mode 'mirror' does not apply to attribute", 'upsert, insert');
    expectAt('/syncs/1/schedule', '61 * * * *', 'invalid cron schedule', '*/15 * * * *');
    expectAt('/delivery/timeout', 'soon', "'soon' is not a valid duration", '24h');
    // Duplicate ids point at the second occurrence (line numbers are in ascending order overall).
    const lines = err.issues.map((i) => i.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    // The rendered message carries file:line:col for each issue.
    expect(err.message.split('\n')[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:8: /store: `));
  });

  it('a second occurrence of the first duplicate id is at the mapping itself when ids were defaulted', () => {
    const text = `${SOURCE}destinations:\n  - id: fx\n    type: t\n    mappings:\n      - { action: a, id: a-1 }\n      - { action: a }\n`;
    const i = issueAt(issuesOf(text), '/destinations/0/mappings/1');
    expect(i.line).toBe(lineOf(text, '- { action: a }'));
    expect(i.message).toContain("id 'a-1'");
  });

  it('unknown keys at every level get a suggestion', () => {
    const text = `${SOURCE}destinatons: []\nretention: { delivred: 1d }\ningest: { dedupWindw: 1h }\n`;
    const issues = issuesOf(text);
    expect(issueAt(issues, '/destinatons').message).toContain("did you mean 'destinations'?");
    expect(issueAt(issues, '/retention/delivred').message).toContain("did you mean 'delivered'?");
    expect(issueAt(issues, '/ingest/dedupWindw').message).toContain("did you mean 'dedupWindow'?");
    expect(issueAt(issues, '/retention/delivred').line).toBe(lineOf(text, 'delivred'));
  });

  it('unknown keys with no close match list what is allowed', () => {
    expect(issueAt(issuesOf(`${SOURCE}server: { zzzzzzzz: 1 }\n`), '/server/zzzzzzzz').message).toContain('allowed keys here: port, host');
  });

  it('an empty write key names the source and the fix', () => {
    const text = 'sources:\n  - id: mobile-app\n    writeKey: ""\n';
    const i = issueAt(issuesOf(text), '/sources/0/writeKey');
    expect(i.line).toBe(3);
    expect(i.message).toContain("source 'mobile-app' has an empty write key");
    expect(i.message).toContain('MOBILE_APP_WRITE_KEY');
  });

  it('a missing required key points at the entry it is missing from', () => {
    const text = `${SOURCE}destinations:\n  - id: fx\n    settings: {}\n`;
    const i = issueAt(issuesOf(text), '/destinations/0/type');
    expect(i.line).toBe(lineOf(text, 'id: fx'));
    expect(i.message).toContain("missing required key 'type'");
    expect(i.message).toContain('optimizely-feature-experimentation');
  });

  it('wrong types say what was expected and what was found, never echoing a secret', () => {
    const text = `admin: { token: [a, b] }\nsources:\n  - { id: web, writeKey: { nested: super_secret_value } }\nserver: { port: eighty }\n`;
    const issues = issuesOf(text);
    expect(issueAt(issues, '/server/port').message).toContain("must be a whole number, not 'eighty'");
    expect(issueAt(issues, '/admin/token').message).toContain('must be a string, not a value');
    expect(issueAt(issues, '/sources/0/writeKey').message).toContain('must be a string');
    expect(issues.map((i) => i.message).join('\n')).not.toContain('super_secret_value');
  });

  it('ids must be well formed', () => {
    expect(issueAt(issuesOf('sources:\n  - { id: "has space", writeKey: k_123456 }\n'), '/sources/0/id').message).toContain('letters, digits');
  });

  it('store URL schemes', () => {
    for (const ok of ['sqlite:./x.db', 'postgres://u@h/db', 'postgresql://u@h/db']) {
      expect(() => issuesOf(`store: ${ok}\n${SOURCE}`)).toThrow('expected a ConfigError');
    }
    const i = issueAt(issuesOf(`store: ./just/a/path.db\n${SOURCE}`), '/store');
    expect(i.message).toContain('no scheme');
  });

  it('backoffBase above backoffMax', () => {
    expect(issueAt(issuesOf(`${SOURCE}delivery: { backoffBase: 1h, backoffMax: 1m }\n`), '/delivery/backoffBase').message).toContain('≤ backoffMax');
  });

  it('presets must be `all` or a list', () => {
    const i = issueAt(issuesOf(`${SOURCE}destinations:\n  - { id: odp, type: t, presets: some }\n`), '/destinations/0/presets');
    expect(i.message).toContain('presets: all');
  });

  it('endpoints must be URLs', () => {
    const i = issueAt(issuesOf(`${SOURCE}destinations:\n  - { id: fx, type: t, endpoints: { eventApi: "localhost:4010" } }\n`), '/destinations/0/endpoints/eventApi');
    expect(i.message).toContain('http://');
  });

  it('lane rate limits need perSecond', () => {
    const text = `${SOURCE}destinations:\n  - id: fx\n    type: t\n    lanes:\n      trackEvent: { rateLimit: { burst: 2 } }\n`;
    expect(issueAt(issuesOf(text), '/destinations/0/lanes/trackEvent/rateLimit/perSecond').message).toContain('perSecond: 2');
  });
});

describe('sync checks', () => {
  it('mode must fit the object', () => {
    expect(issueAt(issuesOf(sync('    object: listAttribute\n    mode: upsert\n    target: { listAttributeId: 1 }\n')), '/syncs/0/mode').message).toContain('add, remove, mirror');
    expect(issueAt(issuesOf(sync('    object: audience\n    mode: remove\n')), '/syncs/0/mode').message).toContain('upsert, insert');
    expect(issueAt(issuesOf(sync('    object: audience\n    mode: upsrt\n')), '/syncs/0/mode').message).toContain("did you mean 'upsert'?");
  });

  it('listAttribute needs target.listAttributeId', () => {
    expect(issueAt(issuesOf(sync('    object: listAttribute\n')), '/syncs/0/target').message).toContain('listAttributeId');
  });

  it('source types need their keys, and SQL sources need query or queryFile', () => {
    const base = `${SOURCE}${REST}syncs:\n  - id: s\n    primaryKey: id\n    destination: rest\n    object: attribute\n`;
    expect(issueAt(issuesOf(`${base}    source: { type: sqlite, path: w.db }\n`), '/syncs/0/source').message).toContain('query: "select');
    expect(issueAt(issuesOf(`${base}    source: { type: sqlite, path: w.db, query: q, queryFile: f.sql }\n`), '/syncs/0/source/queryFile').message).toContain('not both');
    expect(issueAt(issuesOf(`${base}    source: { type: postgres, query: q }\n`), '/syncs/0/source/url').message).toContain("missing required key 'url'");
    expect(issueAt(issuesOf(`${base}    source: { type: csv, path: a.csv, query: q }\n`), '/syncs/0/source/query').message).toContain("unknown key 'query'");
    expect(issueAt(issuesOf(`${base}    source: { type: mysql, url: x }\n`), '/syncs/0/source/type').message).toContain('sqlite, postgres, csv, ndjson');
    const missing = issueAt(issuesOf(`${base}    source: { type: sqlite, path: w.db, queryFile: does/not/exist.sql }\n`), '/syncs/0/source/queryFile');
    expect(missing.message).toContain('cannot read query file');
  });

  it('duplicate sync ids', () => {
    const text = sync('    object: attribute\n') + '  - id: s\n    source: { type: csv, path: a.csv }\n    primaryKey: key\n    destination: rest\n    object: attribute\n';
    expect(issueAt(issuesOf(text), '/syncs/1/id').message).toContain("duplicate sync id 's'");
  });

  it('a valid sync passes', () => {
    expect(() => issuesOf(sync('    object: listAttribute\n    mode: mirror\n    target: { listAttributeId: 5 }\n    schedule: "0 3 * * *"\n'))).toThrow('expected a ConfigError');
  });
});
