import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type JsonSchema } from '../../src/config/schema.js';
import { loadAndValidate } from '../../src/cli/load-config.js';

/** Every property name the schema declares, at any depth (properties, items, branches, additionalProperties). */
function schemaKeys(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const s of schema) schemaKeys(s, out);
    return out;
  }
  if (!schema || typeof schema !== 'object') return out;
  const s = schema as JsonSchema;
  if (s.properties && typeof s.properties === 'object') {
    for (const [k, v] of Object.entries(s.properties)) {
      out.add(k);
      schemaKeys(v, out);
    }
  }
  for (const k of ['items', 'additionalProperties', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf']) schemaKeys(s[k], out);
  return out;
}

describe('docs/configuration.md', () => {
  const doc = readFileSync('docs/configuration.md', 'utf8');

  it('documents every key of the config schema', () => {
    const keys = [...schemaKeys(configSchema)];
    expect(keys.length).toBeGreaterThan(50);
    const missing = keys.filter((k) => !doc.includes(`\`${k}\``));
    expect(missing, `undocumented config keys: ${missing.join(', ')}`).toEqual([]);
  });
});

describe('docs/configuration.md example', () => {
  it('the full example config passes `optirelay check` (types, settings, actions, fields, triggers)', async () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml, 'docs/configuration.md has a ```yaml example').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'optirelay-docs-'));
    try {
      const file = join(dir, 'optirelay.yaml');
      writeFileSync(file, yaml!);
      const env = { WEB_WRITE_KEY: 'w', IOS_WRITE_KEY: 'i', OPTIMIZELY_PAT: 'p', ODP_API_KEY: 'o', PG_PASSWORD: 'x', WAREHOUSE_URL: 'postgres://u@h/db', OPTIRELAY_ADMIN_TOKEN: 't' };
      const { config } = await loadAndValidate({ file, env, cwd: dir });
      expect(config.destinations.map((d) => d.id)).toEqual(['fx', 'odp', 'rest']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs/destinations/*.md examples', () => {
  it('each destination page example passes check (with its commented lanes line enabled)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optirelay-docs-'));
    try {
      for (const page of ['optimizely-feature-experimentation', 'optimizely-data-platform']) {
        const doc = readFileSync(`docs/destinations/${page}.md`, 'utf8');
        const yaml = /```yaml\n(destinations:[\s\S]*?)```/.exec(doc)?.[1];
        expect(yaml, `${page}.md has a destinations: example`).toBeDefined();
        const file = join(dir, `${page}.yaml`);
        writeFileSync(file, `${yaml!.replace(/^(\s*)# lanes:/m, '$1lanes:')}sources:\n  - { id: s, writeKey: k }\n`);
        await loadAndValidate({ file, env: { OPTIMIZELY_PAT: 'p', ODP_API_KEY: 'o' }, cwd: dir });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
