import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseFql, validate } from '@segment/destination-subscriptions';
import { generateFql, matches, parseTrigger, TriggerParseError, explainMismatch } from '../../src/mapping/index.js';

const ev = {
  type: 'track',
  event: 'Order Completed',
  name: 'Home',
  userId: 'u1',
  properties: { total: 120, price: '99', plan: 'pro', flag: true, off: false, nil: null, zero: 0, nested: { a: { b: 'deep' } }, 'key with space': 1, tags: 'a,b' },
  traits: { logins: 10, email: 'x@example.com' },
  context: { app: { version: '2.1' }, locale: 'en-US' },
};

const m = (fql: string, e: unknown = ev) => matches(parseTrigger(fql), e);

describe('FQL operators (Segment value semantics)', () => {
  const table: [string, boolean][] = [
    ['type = "track"', true],
    ["type = 'track'", true],
    ['type != "identify"', true],
    ['event = "Order Completed"', true],
    ['event = "order completed"', false], // case-sensitive
    ['name = "Home"', true],
    ['userId = "u1"', true],
    ['properties.plan = "pro"', true],
    ['properties.total = 120', true], // number_equals
    ['properties.total = "120"', false], // strict string compare: 120 !== "120"
    ['properties.price = 99', false], // number_equals needs a number
    ['properties.price = "99"', true],
    ['properties.total != 5', true],
    ['properties.missing != 5', false], // number_not_equals is false on missing
    ['properties.missing != "x"', true], // != string is true on missing
    ['properties.total > 100', true],
    ['properties.total >= 120', true],
    ['properties.total < 120', false],
    ['properties.total <= 120', true],
    ['properties.price > 1', false], // numeric ops only on numbers
    ['properties.total > "100"', true], // string operand is converted with Number()
    ['properties.flag = true', true],
    ['properties.flag = false', false],
    ['properties.off = false', true],
    ['properties.flag = "true"', false], // string compare
    ['properties.nil = null', true],
    ['properties.missing = null', true],
    ['properties.nil != null', false],
    ['properties.zero != null', true],
    ['properties.nested.a.b = "deep"', true],
    ['properties.key\\ with\\ space = 1', true],
    ['traits.logins >= 10', true],
    ['context.app.version = "2.1"', true],
    ['contains(event, "Order")', true],
    ['contains(event, "order")', false],
    ['!contains(event, "Refund")', true],
    ['!contains(properties.missing, "x")', false], // negated functions also need a string
    ['contains(properties.total, "1")', false], // not a string
    ['match(event, "Order*")', true],
    ['match(event, "*Completed")', true],
    ['match(event, "*Order")', false],
    ['!match(event, "Refund*")', true],
    ['match(context.locale, "en-*")', true],
    ['userId != null', true],
    ['userId = null', false],
    ['name = null', false],
    ['event = 5', false],
  ];
  it.each(table)('%s → %s', (fql, expected) => {
    expect(m(fql)).toBe(expected);
  });
});

describe('precedence, grouping and negation (Segment parser bugs fixed)', () => {
  const table: [string, Record<string, unknown>, boolean][] = [
    // Segment evaluates `a and b or c` as `a or b or c` (the last conditional wins); we bind `and` tighter.
    ['type = "identify" and event = "x" or event = "Order Completed"', ev, true],
    ['event = "Order Completed" or type = "identify" and event = "x"', ev, true],
    ['type = "identify" and event = "Order Completed" or userId = "nobody"', ev, false],
    // nested groups and functions inside groups
    ['type = "track" and (contains(event, "Order") or (userId = "x" and name = "y"))', ev, true],
    ['type = "track" and (contains(event, "Refund") or (userId = "u1" and !(name = "Home")))', ev, false],
    ['!(type = "identify" or type = "page")', ev, true],
    ['!(type = "track")', ev, false],
    ['((((type = "track"))))', ev, true],
  ];
  it.each(table)('%s', (fql, e, expected) => {
    expect(m(fql, e)).toBe(expected);
  });
});

describe('documented quirk choices', () => {
  it('kept: != on a missing string field is true', () => {
    expect(m('event != "x"', { type: 'identify' })).toBe(true);
  });
  it('fixed: x != true is false when x is true (Segment compares with the string "true")', () => {
    expect(m('properties.flag != true')).toBe(false);
    const seg = parseFql('properties.flag != true');
    expect(validate(seg, ev)).toBe(true);
  });
  it('fixed: event = null / != null test existence (Segment compares with the string "null")', () => {
    expect(m('event != null')).toBe(true);
    expect(m('event = null', { type: 'identify' })).toBe(true);
  });
  it('fixed: single-quoted strings are strings (Segment keeps the quotes in the value)', () => {
    expect(m("event = 'Order Completed'")).toBe(true);
    expect(validate(parseFql("event = 'Order Completed'"), ev)).toBe(false);
  });
  it('fixed: match() without * is an exact match, *x* is contains', () => {
    expect(m('match(event, "Order Completed")')).toBe(true);
    expect(m('match(event, "rder Completed")')).toBe(false);
    expect(m('match(event, "*der Comp*")')).toBe(true);
  });
  it('fixed: an escaped dot stays inside one key', () => {
    expect(m('properties.a\\.b = 1', { properties: { 'a.b': 1 } })).toBe(true);
  });
  it('kept: a falsy intermediate value is returned by the path lookup', () => {
    expect(m('properties.zero.x = 0')).toBe(true);
  });
  it('non-object events never match', () => {
    expect(matches(parseTrigger('type != "x"'), null)).toBe(false);
  });
});

describe('parse errors name the position and what was expected', () => {
  const table: [string, number, RegExp][] = [
    ['(type = "x" and event = )', 24, /expected a value \("string", number, true, false or null\) but found '\)'/],
    ['typo = "x"', 0, /expected a field .* but found 'typo'/],
    ['', 0, /expected a condition .* but found the end of the expression/],
    ['type', 4, /expected an operator/],
    ['type = "track" and', 18, /expected a condition/],
    ['type = "track" xor event = "a"', 15, /expected 'and', 'or' or the end of the expression but found 'xor'/],
    ['(type = "track"', 15, /expected 'and', 'or' or '\)'/],
    ['type = "track")', 14, /unbalanced/],
    ['event = "abc', 8, /closing "/],
    ['properties = 1', 10, /expected '\.' and a path/],
    ['anonymousId = "x"', 0, /expected a field/],
    ['properties.x < true', 15, /expected a number after '<'/],
    ['!type = "x"', 1, /expected '\(', contains\( or match\( after '!'/],
    ['contains(event "x")', 15, /expected ',' after the field in contains\(\)/],
    ['contains(event, 5)', 16, /expected a "string" as the second argument/],
  ];
  it.each(table)('%s', (fql, position, message) => {
    let err: unknown;
    try {
      parseTrigger(fql);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TriggerParseError);
    const e = err as TriggerParseError;
    expect(e.message).toMatch(message);
    expect(e.position).toBe(position);
    expect(e.message.startsWith(`at position ${position}: expected `)).toBe(true);
  });
});

describe('generateFql', () => {
  const exprs = [
    'type = "track"',
    'type = "track" and (event = "a" or event = "b")',
    '(type = "track" and event = "a") or type = "identify"',
    '!(type = "track" or type = "page") and !contains(properties.a\\ b, "x\\"y")',
    'match(traits.name, "*X") and properties.price >= -1.5 and traits.ok = true and context.x = null',
  ];
  it.each(exprs)('round-trips %s', (fql) => {
    const ast = parseTrigger(fql);
    expect(parseTrigger(generateFql(ast))).toEqual(ast);
  });
});

describe('explainMismatch', () => {
  it('names the failing condition and the value', () => {
    expect(explainMismatch(parseTrigger('type = "track" and event = "Signup"'), ev)).toBe('event = "Signup" is false (event is "Order Completed")');
    expect(explainMismatch(parseTrigger('type = "track"'), ev)).toBeUndefined();
  });
});

// ---- property-based: agreement with @segment/destination-subscriptions on what Segment parses correctly ----

const keyArb = fc.constantFrom('a', 'b', 'price', 'plan', 'x1');
const strArb = fc.constantFrom('', 'a', 'b', 'track', 'Order Completed', 'pro', '10', 'true', 'A b');
const valueArb = fc.oneof(strArb, fc.integer({ min: -5, max: 20 }), fc.constantFrom(1.5, 0), fc.boolean(), fc.constant(null));
const objArb = fc.dictionary(keyArb, fc.oneof(valueArb, fc.dictionary(keyArb, valueArb, { maxKeys: 3 })), { maxKeys: 4 });
const eventArb = fc.record(
  {
    type: fc.constantFrom('track', 'identify', 'page'),
    event: strArb,
    name: strArb,
    userId: fc.oneof(strArb, fc.constant(null)),
    properties: objArb,
    traits: objArb,
    context: objArb,
  },
  { requiredKeys: ['type'] },
);

const q = (s: string) => `"${s}"`;
const nestedField = fc.tuple(fc.constantFrom('properties', 'traits', 'context'), fc.array(keyArb, { minLength: 1, maxLength: 2 })).map(([r, p]) => `${r}.${p.join('.')}`);
const literalArb = fc.oneof(strArb.map(q), fc.integer({ min: -5, max: 20 }).map(String), fc.constantFrom('true', 'false', 'null'));
const condArb = fc.oneof(
  fc.tuple(fc.constantFrom('type', 'event'), fc.constantFrom('=', '!='), strArb).map(([f, o, v]) => `${f} ${o} ${q(v)}`),
  fc.tuple(fc.constantFrom('userId', 'name'), fc.constantFrom('=', '!='), fc.oneof(strArb.map(q), fc.constant('null'))).map(([f, o, v]) => `${f} ${o} ${v}`),
  // `!= true/false` is a deliberate fix, so only `=` with booleans
  fc.tuple(nestedField, fc.constantFrom('=', '!='), literalArb).filter(([, o, v]) => !(o === '!=' && (v === 'true' || v === 'false'))).map(([f, o, v]) => `${f} ${o} ${v}`),
  fc.tuple(nestedField, fc.constantFrom('<', '<=', '>', '>='), fc.integer({ min: -5, max: 20 })).map(([f, o, v]) => `${f} ${o} ${v}`),
  fc.tuple(fc.constantFrom('', '!'), fc.oneof(fc.constantFrom('event', 'name', 'userId'), nestedField), fc.constantFrom('a', 'O', 'rder', '1')).map(([n, f, v]) => `${n}contains(${f}, ${q(v)})`),
  fc.tuple(fc.constantFrom('', '!'), fc.oneof(fc.constantFrom('event', 'name', 'userId'), nestedField), fc.constantFrom('a*', '*b', 'Or*', '*ed', 'tr*')).map(([n, f, v]) => `${n}match(${f}, ${q(v)})`),
);
/** Expressions Segment handles: one operator per level, one level of simple groups. */
const flatArb = fc.tuple(fc.array(condArb, { minLength: 1, maxLength: 4 }), fc.constantFrom('and', 'or')).map(([cs, op]) => cs.join(` ${op} `));
const groupArb = fc
  .tuple(fc.array(fc.oneof(condArb, fc.tuple(fc.array(condArb.filter((c) => !c.includes('(')), { minLength: 2, maxLength: 3 }), fc.constantFrom('and', 'or')).map(([cs, op]) => `(${cs.join(` ${op} `)})`)), { minLength: 1, maxLength: 3 }), fc.constantFrom('and', 'or'))
  .map(([cs, op]) => cs.join(` ${op} `));

describe('agreement with @segment/destination-subscriptions (property-based)', () => {
  it('flat expressions give Segment\'s answer', () => {
    fc.assert(
      fc.property(flatArb, eventArb, (fql, e) => {
        const seg = parseFql(fql);
        expect('error' in seg).toBe(false);
        expect(matches(parseTrigger(fql), e)).toBe(validate(seg, e));
      }),
      { numRuns: 1500 },
    );
  });
  it('one level of simple groups gives Segment\'s answer', () => {
    fc.assert(
      fc.property(groupArb, eventArb, (fql, e) => {
        expect(matches(parseTrigger(fql), e)).toBe(validate(parseFql(fql), e));
      }),
      { numRuns: 1000 },
    );
  });
  it('generateFql round-trips generated expressions', () => {
    fc.assert(
      fc.property(groupArb, (fql) => {
        const ast = parseTrigger(fql);
        expect(parseTrigger(generateFql(ast))).toEqual(ast);
      }),
      { numRuns: 300 },
    );
  });
  it('random input never crashes the parser: it parses or throws TriggerParseError', () => {
    const alphabet = fc.constantFrom(...'type event properties.a = != < > ( ) ! " \' \\ and or contains match , * 1 . null true'.split(' '), ' ', '"', 'x');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(alphabet, { maxLength: 20 }).map((a) => a.join(''))), eventArb, (s, e) => {
        try {
          const ast = parseTrigger(s);
          expect(typeof matches(ast, e)).toBe('boolean');
        } catch (err) {
          expect(err).toBeInstanceOf(TriggerParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
