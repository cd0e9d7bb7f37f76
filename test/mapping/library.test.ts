import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm test` builds first; when running vitest alone without a build, this test is skipped.
const dist = path.resolve(__dirname, '../../dist/index.js');

describe.skipIf(!existsSync(dist))("the built package (import from 'optirelay')", () => {
  it('exports transform, parseTrigger, matches and friends', async () => {
    const lib = (await import(pathToFileURL(dist).href)) as typeof import('../../src/index.js');
    const ast = lib.parseTrigger('type = "track" and properties.total > 10');
    expect(lib.matches(ast, { type: 'track', properties: { total: 11 } })).toBe(true);
    expect(lib.generateFql(ast)).toBe('type = "track" and properties.total > 10');
    expect(lib.transform({ id: { '@path': '$.userId' } }, { userId: 'u1' })).toEqual({ id: 'u1' });
    expect(lib.validateMapping({ '@oops': 1 })).toEqual(['/ has an invalid directive: @oops.']);
    const v = lib.compileFields({ n: { label: 'N', description: '', type: 'integer', required: true } });
    expect(v.validate({ n: '4' })).toEqual({ ok: true, payload: { n: 4 } });
    expect(typeof lib.compileMapping).toBe('function');
    expect(() => lib.parseTrigger('type =')).toThrow(lib.TriggerParseError);
  });
});
