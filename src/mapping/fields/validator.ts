/**
 * Payload validation against an action's fields, as Segment's Action.execute does it: removeEmptyValues, arrify
 * `multiple` fields, then Ajv with `coerceTypes: 'array'`, `removeAdditional`, `allErrors`, `allowUnionTypes`,
 * ajv-formats plus `date-like`, `text` and `password`. Coercion and removal happen in place on the (copied) payload.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import dayjs from 'dayjs';
import type { FieldDef } from '../field-types.js';
import { fieldOf, humanMessage } from './messages.js';
import { arrifyFields, compileRemoveEmptyValues, fieldsToJsonSchema, type JsonSchema } from './schema.js';

export interface FieldError {
  /** Field key path (`eventKey`, `identifiers.email`); '' for the payload as a whole. */
  field: string;
  message: string;
}

export type ValidationResult = { ok: true; payload: Record<string, unknown> } | { ok: false; errors: FieldError[] };

export interface PayloadValidator {
  readonly schema: JsonSchema;
  validate(payload: unknown): ValidationResult;
}

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (what ingest writes) checked by hand with V8's ISO ranges; undefined when the
 * string has another shape or an edge value (hour 24), so the caller falls back to Date.parse.
 */
function canonicalIsoValid(s: string): boolean | undefined {
  if (s.length !== 24 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46) return undefined;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2), ms = digits(s, 20, 3);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0 || ms < 0 || h > 23) return undefined;
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && mi <= 59 && se <= 59;
}

/** Segment's date-like: anything dayjs accepts; all-digit strings are unix seconds. */
export function isDateLike(data: string): boolean {
  // dayjs hands strings ending in Z straight to new Date(), so this fast path gives dayjs's answer exactly.
  const last = data.charCodeAt(data.length - 1);
  if (last === 90) return canonicalIsoValid(data) ?? !Number.isNaN(Date.parse(data));
  if (last === 122) return !Number.isNaN(Date.parse(data));
  let date = dayjs(data);
  if (String(Number(data)) === data) date = dayjs.unix(Number(data));
  return date.isValid();
}

// strict: false only turns off schema-authoring warnings (union types in if/then); validation is unchanged.
const ajv = new Ajv({ coerceTypes: 'array', allErrors: true, allowUnionTypes: true, verbose: true, removeAdditional: true, strict: false });
addFormats(ajv);
ajv.addFormat('text', true);
ajv.addFormat('password', true);
ajv.addFormat('date-like', isDateLike);

function build(fields: Record<string, FieldDef>): PayloadValidator {
  const schema = fieldsToJsonSchema(fields);
  const check: ValidateFunction = ajv.compile(schema);
  const clean = compileRemoveEmptyValues(schema, true);
  const hasMultiple = Object.values(schema.properties as Record<string, JsonSchema>).some((p) => p.type === 'array');
  return {
    schema,
    validate(payload: unknown): ValidationResult {
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        return { ok: false, errors: [{ field: '', message: 'The root value must be an object.' }] };
      }
      const cleaned = clean(payload) as Record<string, unknown>;
      if (hasMultiple) arrifyFields(cleaned, schema);
      if (check(cleaned)) return { ok: true, payload: cleaned };
      const errors: FieldError[] = [];
      for (const e of check.errors ?? []) {
        const message = humanMessage(e, schema);
        if (message !== null) errors.push({ field: fieldOf(e), message });
      }
      if (errors.length === 0) errors.push({ field: '', message: 'The payload does not match the action fields.' });
      return { ok: false, errors };
    },
  };
}

const cache = new WeakMap<Record<string, FieldDef>, PayloadValidator>();

/** Compiles a validator for a field set (cached per fields object; do not mutate it afterwards). */
export function compileFields(fields: Record<string, FieldDef>): PayloadValidator {
  let v = cache.get(fields);
  if (!v) {
    v = build(fields);
    cache.set(fields, v);
  }
  return v;
}
