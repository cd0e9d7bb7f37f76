import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { configSchema, type JsonSchema } from '../../src/config/schema.js';

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
