import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import dayjs from 'dayjs';
import { isDateLike } from '../../src/mapping/fields/index.js';
import { fieldsToJsonSchema as segmentSchema, validateSchema } from '@segment/actions-core';
import { removeEmptyValues as segmentRemoveEmpty } from '../../node_modules/@segment/actions-core/dist/cjs/remove-empty-values.js';
import { compileFields, type FieldDef } from '../../src/mapping/index.js';

const f = (label: string, type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({ label, description: label, type, ...extra });

const fields: Record<string, FieldDef> = {
  eventKey: f('Event Key', 'string', { required: true }),
  userId: f('User ID', 'string', { required: true }),
  revenue: f('Revenue', 'integer'),
  value: f('Value', 'number', { minimum: 1, maximum: 100 }),
  tags: f('Event Tags', 'object'),
  timestamp: f('Timestamp', 'datetime'),
  email: f('Email', 'string', { format: 'email' }),
  optIn: f('Opt In', 'boolean'),
  plan: f('Plan', 'string', { choices: ['free', { label: 'Pro', value: 'pro' }] }),
  list: f('List', 'string', { multiple: true }),
  nullable: f('Nullable', 'string', { allowNull: true }),
  identifiers: f('User identifiers', 'object', {
    properties: { email: f('Email', 'string'), anonymousId: f('Anonymous ID', 'string', { required: true }) },
  }),
  campaign: f('Campaign', 'string', { required: { conditions: [{ fieldKey: 'plan', operator: 'is', value: 'pro' }] } }),
};

const v = compileFields(fields);

/** What Segment's Action.execute does: removeEmptyValues(root) then validateSchema (throws AggregateAjvError). */
function segment(payload: Record<string, unknown>): { ok: boolean; payload?: unknown; message?: string } {
  const schema = segmentSchema(fields as never);
  const cleaned = segmentRemoveEmpty(structuredClone(payload), schema as never, true) as Record<string, unknown>;
  try {
    validateSchema(cleaned, schema as never);
    return { ok: true, payload: cleaned };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

const base = { eventKey: 'purchase', userId: 'u1', identifiers: { anonymousId: 'a1' } };

describe('field validation and coercion (Segment semantics)', () => {
  const table: [string, Record<string, unknown>, Record<string, unknown> | string[]][] = [
    ['valid minimal', base, base],
    ['string → integer coercion', { ...base, revenue: '4200' }, { ...base, revenue: 4200 }],
    ['number → string coercion', { ...base, eventKey: 42 }, { ...base, eventKey: '42' }],
    ['"true" → boolean', { ...base, optIn: 'true' }, { ...base, optIn: true }],
    ['scalar → array for multiple', { ...base, list: 'a' }, { ...base, list: ['a'] }],
    ['unknown keys are removed', { ...base, extra: 1, identifiers: { anonymousId: 'a1', junk: 2 } }, base],
    ['null removed unless allowNull', { ...base, revenue: null, nullable: null }, { ...base, nullable: null }],
    ['"" removed at the root', { ...base, email: '' }, base],
    ['datetime: ISO string', { ...base, timestamp: '2024-01-02T03:04:05.000Z' }, { ...base, timestamp: '2024-01-02T03:04:05.000Z' }],
    ['datetime: number', { ...base, timestamp: 1700000000 }, { ...base, timestamp: 1700000000 }],
    ['choices by value', { ...base, plan: 'free' }, { ...base, plan: 'free' }],
    ['conditionally required satisfied', { ...base, plan: 'pro', campaign: 'c' }, { ...base, plan: 'pro', campaign: 'c' }],
    ['missing required field names the label', { userId: 'u1', identifiers: { anonymousId: 'a1' } }, ["The root value is missing the required field 'Event Key'."]],
    ['nested required', { ...base, identifiers: { email: 'x@y.z' } }, ["User identifiers is missing the required field 'Anonymous ID'."]],
    ['integer rejects 4.2', { ...base, revenue: 4.2 }, ['Revenue must be an integer but it was a number.']],
    ['bad date-like', { ...base, timestamp: 'not a date' }, ['Timestamp must be a valid date-like string but it was not.']],
    ['bad email', { ...base, email: 'nope' }, ['Email must be a valid email address string but it was not.']],
    ['object expected', { ...base, tags: 'x' }, ['Event Tags must be an object but it was a string.']],
    ['string expected, got object', { ...base, eventKey: { a: 1 } }, ['Event Key must be a string but it was an object.']],
    ['enum', { ...base, plan: 'gold' }, ['Plan must be one of: "free" or "pro".']],
    ['maximum', { ...base, value: 101 }, ['Value must be equal to or less than 100.']],
    ['conditionally required missing', { ...base, plan: 'pro' }, ["The root value is missing the required field 'Campaign'."]],
  ];
  it.each(table)('%s', (_label, payload, expected) => {
    const ours = v.validate(structuredClone(payload));
    const theirs = segment(payload);
    if (Array.isArray(expected)) {
      expect(ours.ok).toBe(false);
      if (!ours.ok) expect(ours.errors.map((e) => e.message)).toEqual(expected);
      expect(theirs.ok).toBe(false);
    } else {
      expect(ours).toEqual({ ok: true, payload: expected });
      expect(theirs).toEqual({ ok: true, payload: expected });
    }
  });

  it('errors carry the field key path', () => {
    const r = v.validate({ userId: 'u1', identifiers: {}, revenue: 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.field).sort()).toEqual(['eventKey', 'identifiers.anonymousId', 'revenue']);
    }
  });

  it('compiles once per field set', () => {
    expect(compileFields(fields)).toBe(v);
  });

  it('rejects a non-object payload', () => {
    expect(v.validate('x')).toEqual({ ok: false, errors: [{ field: '', message: 'The root value must be an object.' }] });
  });
});


describe('property-based', () => {
  it('random payloads never throw: a result or field errors', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ eventKey: fc.jsonValue({ maxDepth: 1 }), userId: fc.jsonValue({ maxDepth: 1 }), plan: fc.jsonValue({ maxDepth: 1 }), list: fc.jsonValue({ maxDepth: 2 }), identifiers: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] })), (payload) => {
        const r = v.validate(payload);
        if (!r.ok) for (const e of r.errors) expect(e.message).toMatch(/\.$/);
      }),
      { numRuns: 1000 },
    );
  });
  it('date-like fast path gives dayjs\'s answer (Segment\'s format check)', () => {
    const segmentDateLike = (data: string) => {
      let date = dayjs(data);
      if (String(Number(data)) === data) date = dayjs.unix(Number(data));
      return date.isValid();
    };
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const iso = fc
      .tuple(fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')), two(14), two(33), two(25), two(61), two(61), fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0')), fc.constantFrom('Z', 'z', '', '+01:00'))
      .map(([y, mo, d, h, mi, s, ms, z]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${z}`);
    fc.assert(
      fc.property(fc.oneof(iso, fc.string(), fc.constantFrom('1700000000', '2024-01-01', 'yesterday', '')), (s) => {
        expect(isDateLike(s)).toBe(segmentDateLike(s));
      }),
      { numRuns: 3000 },
    );
  });
});
