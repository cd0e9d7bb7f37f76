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
import { arrifyFields, fieldsToJsonSchema, removeEmptyValues, type JsonSchema } from './schema.js';

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

/** Segment's date-like: anything dayjs accepts; all-digit strings are unix seconds. */
export function isDateLike(data: string): boolean {
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
  return {
    schema,
    validate(payload: unknown): ValidationResult {
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        return { ok: false, errors: [{ field: '', message: 'The root value must be an object.' }] };
      }
      const cleaned = removeEmptyValues(payload, schema, true) as Record<string, unknown>;
      arrifyFields(cleaned, schema);
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
