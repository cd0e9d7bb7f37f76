import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { transform as segmentTransform } from '@segment/actions-core';
import { compileMapping, MappingError, MappingValidationError, transform, validateMapping } from '../../src/mapping/index.js';

const event = {
  type: 'track',
  event: 'Order Completed',
  userId: 'u1',
  anonymousId: 'a1',
  properties: {
    total: 42.5,
    empty: '',
    nil: null,
    zero: 0,
    flag: false,
    products: [
      { product_id: 'p1', quantity: 2 },
      { product_id: 'p2', quantity: 1 },
    ],
    json: '{"a":1}',
    name: 'Mixed Case',
    dashed: 'a-b-c',
  },
  traits: { first_name: 'Ada', last_name: 'Lovelace', phone: null, address: { city: 'London', zip: null } },
  context: { traits: { plan: 'pro' } },
  integrations: { 'Actions Amplitude': { session_id: 7 } },
};

type Row = [string, Record<string, unknown>, unknown];
const cases: Record<string, Row[]> = {
  '@path': [
    ['nested', { v: { '@path': '$.properties.total' } }, { v: 42.5 }],
    ['array index', { v: { '@path': '$.properties.products[1].product_id' } }, { v: 'p2' }],
    ["quoted key", { v: { '@path': "$.properties['name']" } }, { v: 'Mixed Case' }],
    ['key with space', { v: { '@path': '$.integrations.Actions Amplitude.session_id' } }, { v: 7 }],
    ['missing → undefined → dropped', { v: { '@path': '$.properties.nope' } }, {}],
    ['null is kept', { v: { '@path': '$.properties.nil' } }, { v: null }],
    ['"" is kept by transform', { v: { '@path': '$.properties.empty' } }, { v: '' }],
    ['falsy intermediate returned', { v: { '@path': '$.properties.zero.x' } }, { v: 0 }],
    ['root', { v: { '@path': '$.' } }, { v: event }],
    ['path from a directive', { v: { '@path': { '@template': '$.properties.{{event}}' } } }, {}],
  ],
  '@template': [
    ['two fields', { v: { '@template': '{{traits.first_name}} {{traits.last_name}}' } }, { v: 'Ada Lovelace' }],
    ['triple braces same, no escaping', { v: { '@template': '{{{properties.name}}}<{{userId}}>' } }, { v: 'Mixed Case<u1>' }],
    ['missing → ""', { v: { '@template': 'x{{nope}}y' } }, { v: 'xy' }],
    ['null → ""', { v: { '@template': '{{properties.nil}}' } }, { v: '' }],
    ['non-strings via String()', { v: { '@template': '{{properties.flag}} {{traits.address}}' } }, { v: 'false [object Object]' }],
  ],
  '@literal': [
    ['static', { v: { '@literal': false } }, { v: false }],
    ['nested directives still resolve', { v: { '@literal': { a: { '@path': '$.userId' } } } }, { v: { a: 'u1' } }],
  ],
  '@if': [
    ['exists then', { v: { '@if': { exists: { '@path': '$.userId' }, then: 'yes', else: 'no' } } }, { v: 'yes' }],
    ['exists else', { v: { '@if': { exists: { '@path': '$.nope' }, then: 'yes', else: 'no' } } }, { v: 'no' }],
    ['null does not exist', { v: { '@if': { exists: { '@path': '$.properties.nil' }, then: 'yes', else: 'no' } } }, { v: 'no' }],
    ['blank: "" is blank', { v: { '@if': { blank: { '@path': '$.properties.empty' }, then: 'set', else: 'blank' } } }, { v: 'blank' }],
    ['blank: 0 is blank (loose)', { v: { '@if': { blank: { '@path': '$.properties.zero' }, then: 'set', else: 'blank' } } }, { v: 'blank' }],
    ['else only if truthy: else false → dropped', { v: { '@if': { exists: { '@path': '$.nope' }, then: true, else: false } } }, {}],
    ['then may be falsy', { v: { '@if': { exists: { '@path': '$.userId' }, then: false } } }, { v: false }],
    ['no branch → dropped', { v: { '@if': { exists: { '@path': '$.userId' } } } }, {}],
  ],
  '@case': [
    ['lower', { v: { '@case': { operator: 'lower', value: { '@path': '$.properties.name' } } } }, { v: 'mixed case' }],
    ['upper', { v: { '@case': { operator: 'upper', value: { '@path': '$.properties.name' } } } }, { v: 'MIXED CASE' }],
    ['non-string passes', { v: { '@case': { operator: 'upper', value: { '@path': '$.properties.total' } } } }, { v: 42.5 }],
    ['missing value → dropped', { v: { '@case': { operator: 'upper' } } }, {}],
  ],
  '@replace': [
    ['global literal', { v: { '@replace': { pattern: '-', replacement: ' ', value: { '@path': '$.properties.dashed' } } } }, { v: 'a b c' }],
    ['not global', { v: { '@replace': { pattern: '-', replacement: '+', global: false, value: { '@path': '$.properties.dashed' } } } }, { v: 'a+b-c' }],
    ['ignorecase', { v: { '@replace': { pattern: 'mixed', replacement: 'x', ignorecase: true, value: { '@path': '$.properties.name' } } } }, { v: 'x Case' }],
    ['regex chars are literal', { v: { '@replace': { pattern: '.', replacement: '!', value: 'a.b' } } }, { v: 'a!b' }],
    ['second pass', { v: { '@replace': { pattern: '-', replacement: ' ', pattern2: 'b', replacement2: 'B', value: { '@path': '$.properties.dashed' } } } }, { v: 'a B c' }],
    ['numbers are stringified', { v: { '@replace': { pattern: '.', replacement: ',', value: { '@path': '$.properties.total' } } } }, { v: '42,5' }],
    ['non-string → ""', { v: { '@replace': { pattern: 'a', value: { '@path': '$.nope' } } } }, { v: '' }],
  ],
  '@arrayPath': [
    ['shape relative to item', { v: { '@arrayPath': ['$.properties.products', { id: { '@path': '$.product_id' }, qty: { '@path': '$.quantity' } }] } }, { v: [{ id: 'p1', qty: 2 }, { id: 'p2', qty: 1 }] }],
    ['object root is arrified', { v: { '@arrayPath': ['$.traits.address', { c: { '@path': '$.city' } }] } }, { v: [{ c: 'London' }] }],
    ['no shape → root as is', { v: { '@arrayPath': ['$.properties.products'] } }, { v: event.properties.products }],
    ['missing root', { v: { '@arrayPath': ['$.nope', { a: 1 }] } }, {}],
  ],
  '@flatten': [
    ['separator', { v: { '@flatten': { value: { '@path': '$.traits.address' }, separator: '_' } } }, { v: { city: 'London', zip: null } }],
    ['nested + arrays', { v: { '@flatten': { value: { a: { b: [1, { c: 2 }] } }, separator: '.' } } }, { v: { 'a.b.0': 1, 'a.b.1.c': 2 } }],
    ['omitArrays', { v: { '@flatten': { value: { a: { b: [1] } }, separator: '.', omitArrays: true } } }, { v: { 'a.b': [1] } }],
    ['primitive', { v: { '@flatten': { value: 'x', separator: '.' } } }, { v: { '': 'x' } }],
  ],
  '@json': [
    ['encode', { v: { '@json': { mode: 'encode', value: { '@path': '$.context.traits' } } } }, { v: '{"plan":"pro"}' }],
    ['decode', { v: { '@json': { mode: 'decode', value: { '@path': '$.properties.json' } } } }, { v: { a: 1 } }],
    ['decode invalid → original', { v: { '@json': { mode: 'decode', value: { '@path': '$.properties.name' } } } }, { v: 'Mixed Case' }],
  ],
  '@merge': [
    ['right: later wins', { v: { '@merge': { direction: 'right', objects: [{ plan: 'free', a: 1 }, { '@path': '$.context.traits' }] } } }, { v: { plan: 'pro', a: 1 } }],
    ['left: earlier wins', { v: { '@merge': { direction: 'left', objects: [{ plan: 'free', a: 1 }, { '@path': '$.context.traits' }] } } }, { v: { plan: 'free', a: 1 } }],
    ['undefined values override, then drop', { v: { '@merge': { direction: 'right', objects: [{ a: 1 }, { a: { '@path': '$.nope' } }] } } }, { v: {} }],
  ],
  '@transform': [
    ['sequential', { v: { '@transform': { apply: { n: { '@path': '$.traits.first_name' } }, mapping: { hello: { '@template': 'hi {{n}}' } } } } }, { v: { hello: 'hi Ada' } }],
  ],
  '@excludeWhenNull': [
    ['null → dropped', { v: { '@excludeWhenNull': { '@path': '$.traits.phone' } } }, {}],
    ['value kept', { v: { '@excludeWhenNull': { '@path': '$.userId' } } }, { v: 'u1' }],
    ['null properties dropped recursively', { v: { '@excludeWhenNull': { '@path': '$.traits.address' } } }, { v: { city: 'London' } }],
  ],
  '@liquid': [
    ['filters', { v: { '@liquid': '{{ traits.first_name | upcase }}-{{ properties.total | plus: 1 }}' } }, { v: 'ADA-43.5' }],
    ['if tag', { v: { '@liquid': '{% if userId %}known{% else %}anon{% endif %}' } }, { v: 'known' }],
    ['empty', { v: { '@liquid': '' } }, { v: '' }],
  ],
  'undefined vs null vs ""': [
    ['static object drops undefined, keeps null and ""', { a: { '@path': '$.nope' }, b: null, c: '', d: { e: { '@path': '$.nope' } } }, { b: null, c: '', d: {} }],
    ['arrays keep their length', { a: [{ '@path': '$.nope' }, 1] }, { a: [undefined, 1] }],
  ],
  'root mapping (__segment_internal_directive)': [
    ['@transform root receives the other keys', { __segment_internal_directive: { '@transform': { apply: { n: { '@path': '$.userId' } } } }, out: { '@path': '$.n' } }, { out: 'u1' }],
  ],
};

describe.each(Object.entries(cases))('%s', (_name, rows) => {
  it.each(rows)('%s', (_label, mapping, expected) => {
    const ours = transform(mapping, event);
    expect(ours).toEqual(expected);
    // Same answer as Segment's mapping-kit (deep copy: Segment mutates root mappings).
    expect(ours).toEqual(segmentTransform(structuredClone(mapping) as never, structuredClone(event) as never));
  });
});

describe('runtime errors and disabled liquid features', () => {
  it.each([
    [{ v: { '@path': { '@path': '$.properties.total' } } }, '@path: expected string, got number'],
    [{ v: { '@if': { exists: false } } }, '@if requires an "exists" key or a "blank" key'],
    [{ v: { '@flatten': { value: 1 } } }, '@flatten requires a "separator" key'],
    [{ v: { '@liquid': '{% for x in properties.products %}{{x}}{% endfor %}' } }, 'tag "for" is disabled'],
    [{ v: { '@liquid': '{{ properties.products | reverse }}' } }, 'filter "reverse" is disabled'],
    [{ v: { '@liquid': 'x'.repeat(1001) } }, 'liquid template values are limited to 1000 characters'],
  ])('%j throws %s', (mapping, message) => {
    expect(() => transform(mapping, event)).toThrow(MappingError);
    expect(() => transform(mapping, event)).toThrow(message);
  });
  it('data must be an object', () => {
    expect(() => transform({ a: 1 }, 'x')).toThrow('data must be an object, got string');
  });
});

describe('validateMapping (Segment-style messages)', () => {
  it.each([
    [{ a: { '@if': { exists: { '@path': '$.x' }, then: { '@oops': 1 } } } }, ['/a/@if/then has an invalid directive: @oops.']],
    [{ '@oops': 1 }, ['/ has an invalid directive: @oops.']],
    [{ '@path': 'a', '@template': 'b' }, ['/ should only have one @-prefixed key but it has 2 keys.']],
    [{ '@path': true }, ['/@path should be a string or a mapping directive but it is a boolean.']],
    [{ '@arrayPath': 'x' }, ['/@arrayPath should be an array but it is a string.']],
    [{ '@replace': { value: 'x' } }, ['/@replace should have field "pattern" but it doesn\'t.']],
    [{ '@replace': { value: 'x', pattern: 'abcdefghijk' } }, ['/@replace/pattern should be a string of length 10 or less.']],
    [{ '@replace': { value: 'x', pattern: 'a', global: 'yes' } }, ['/@replace/global should be a boolean but it is a string.']],
    [{ hash: { '@template': {} } }, ['/hash/@template should be a string or a mapping directive but it is an object.']],
    [{ a: { '@oops': 1 }, b: { '@path': 1 } }, ['/a has an invalid directive: @oops.', '/b/@path should be a string or a mapping directive but it is a number.']],
    [{ a: { '@path': '$.x' } }, []],
  ])('%j', (mapping, messages) => {
    expect(validateMapping(mapping)).toEqual(messages);
    if (messages.length) {
      expect(() => compileMapping(mapping)).toThrow(MappingValidationError);
    }
  });
});

// ---- property-based: random mappings never crash the engine, and agree with actions-core ----

const pathArb = fc.constantFrom('$.userId', '$.properties.total', '$.properties.nil', '$.properties.empty', '$.properties.products', '$.properties.products[0].product_id', '$.traits', '$.traits.address', '$.nope', '$.properties.name', '$.properties.zero', '$.properties.flag', '$.', 'properties.dashed');
const leafArb = fc.oneof(
  pathArb.map((p) => ({ '@path': p })),
  fc.constantFrom('x', '', 0, 1.5, true, false, null),
  fc.constantFrom('{{userId}}', 'a{{properties.total}}b', '{{nope}}', '{{{traits.first_name}}}').map((t) => ({ '@template': t })),
);
const mappingArb = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, leafArb, tie('directive'), tie('object')),
  object: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 3 }),
  directive: fc.oneof(
    fc.record({ exists: tie('value'), then: tie('value'), else: tie('value') }, { requiredKeys: ['exists'] }).map((o) => ({ '@if': o })),
    fc.record({ blank: tie('value'), then: tie('value'), else: tie('value') }, { requiredKeys: ['blank'] }).map((o) => ({ '@if': o })),
    fc.record({ operator: fc.constantFrom('lower', 'upper'), value: tie('value') }).map((o) => ({ '@case': o })),
    fc.record({ pattern: fc.constantFrom('a', '.', '-', 'C'), replacement: fc.constantFrom('', 'x', '$&'), ignorecase: fc.boolean(), global: fc.boolean(), value: tie('value') }, { requiredKeys: ['pattern', 'value'] }).map((o) => ({ '@replace': o })),
    fc.tuple(pathArb, fc.option(tie('object'), { nil: undefined })).map(([p, s]) => ({ '@arrayPath': s === undefined ? [p] : [p, s] })),
    tie('value').map((v) => ({ '@literal': v })),
    fc.record({ value: tie('value'), separator: fc.constantFrom('.', '_'), omitArrays: fc.boolean() }).map((o) => ({ '@flatten': o })),
    fc.record({ mode: fc.constantFrom('encode', 'decode'), value: tie('value') }).map((o) => ({ '@json': o })),
    fc.record({ direction: fc.constantFrom('left', 'right'), objects: fc.array(fc.oneof(tie('object'), pathArb.map((p) => ({ '@path': p }))), { maxLength: 3 }) }).map((o) => ({ '@merge': o })),
    fc.record({ apply: tie('object'), mapping: tie('object') }).map((o) => ({ '@transform': o })),
    tie('value').map((v) => ({ '@excludeWhenNull': v })),
    fc.constantFrom('{{ userId | upcase }}', '{{ properties.total | times: 2 }}', '{% if traits.first_name %}y{% endif %}').map((l) => ({ '@liquid': l })),
  ),
}));

function outcome(f: () => unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(f() ?? null)) as unknown };
  } catch {
    return { ok: false };
  }
}

describe('property-based', () => {
  it('agrees with @segment/actions-core transform on random mappings', () => {
    fc.assert(
      fc.property(mappingArb.object, (mapping) => {
        const ours = outcome(() => transform(mapping, event));
        const theirs = outcome(() => segmentTransform(structuredClone(mapping) as never, structuredClone(event) as never));
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 800 },
    );
  });
  it('random JSON mappings and events never crash: a result or a documented error', () => {
    const jsonArb = fc.jsonValue({ maxDepth: 3 });
    const keyed = fc.dictionary(fc.constantFrom('@path', '@if', '@template', '@merge', '@json', '@arrayPath', '@flatten', '@case', '@replace', '@literal', '@oops', 'a', 'b'), jsonArb, { maxKeys: 2 });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(jsonArb, keyed), { maxKeys: 4 }), fc.oneof(fc.object(), fc.constant(event)), (mapping, data) => {
        try {
          const out = transform(mapping as Record<string, unknown>, data);
          expect(typeof out).not.toBe('undefined');
        } catch (err) {
          expect(err instanceof MappingError || err instanceof MappingValidationError).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
