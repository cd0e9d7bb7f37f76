/**
 * Action field definitions → JSON Schema, as Segment's destination-kit/fields-to-jsonschema.ts does it
 * (reference §2.5): string/text/password → string (+ format), datetime → string|number with `date-like`,
 * allowNull, multiple (arrays), choices (enum), minimum/maximum (truthy only, not for integer), nested object
 * properties with additionalProperties false, and conditional `required` as if/then clauses.
 */
import type { FieldCondition, FieldDef, FieldTypeName } from '../field-types.js';

export type JsonSchema = Record<string, unknown>;

function toJsonSchemaType(type: FieldTypeName): string | string[] {
  switch (type) {
    case 'string':
    case 'text':
    case 'password':
      return 'string';
    case 'datetime':
      return ['string', 'number'];
    default:
      return type;
  }
}

function thenStatement(fieldKey: string): JsonSchema {
  if (fieldKey.split('.').length > 1) {
    const [parentKey, childKey] = fieldKey.split('.') as [string, string];
    return { required: [parentKey], properties: { [parentKey]: { required: [childKey] } } };
  }
  return { required: [fieldKey] };
}

function undefinedCondition(dependant: string, fieldKey: string, operator: 'is' | 'is_not', multiple: boolean): JsonSchema {
  const inside = operator === 'is' ? { not: { required: [dependant] } } : { required: [dependant] };
  if (multiple) return inside;
  if (operator === 'is') {
    return { if: { anyOf: [inside, { properties: { [dependant]: { type: 'null' } } }] }, then: thenStatement(fieldKey) };
  }
  return { if: { allOf: [inside, { not: { properties: { [dependant]: { type: 'null' } } } }] }, then: thenStatement(fieldKey) };
}

function simpleCondition(dependant: string, fieldKey: string, value: unknown, operator: 'is' | 'is_not', multiple: boolean): JsonSchema {
  const v = operator === 'is' ? { const: value } : { not: { const: value } };
  if (multiple) return { properties: { [dependant]: v }, required: [dependant] };
  return { if: { required: [dependant], properties: { [dependant]: v } }, then: thenStatement(fieldKey) };
}

function objectCondition(parent: string, child: string, fieldKey: string, value: unknown, operator: 'is' | 'is_not', multiple: boolean): JsonSchema {
  const v = operator === 'is' ? { const: value } : { not: { const: value } };
  const cond = { properties: { [parent]: { properties: { [child]: v }, required: [child] } }, required: [parent] };
  if (multiple) return cond;
  return { if: cond, then: thenStatement(fieldKey) };
}

function checkOperator(op: string): asserts op is 'is' | 'is_not' {
  if (op !== 'is' && op !== 'is_not') throw new Error(`Unsupported conditionally required field operator: ${op}`);
}

function singleFieldConditions(fieldKey: string, req: { match?: 'any' | 'all'; conditions: FieldCondition[] }): JsonSchema {
  if (req.conditions.length === 1) {
    const c = req.conditions[0]!;
    checkOperator(c.operator);
    if (c.fieldKey.split('.').length > 1) {
      const [p, ch] = c.fieldKey.split('.') as [string, string];
      return objectCondition(p, ch, fieldKey, c.value, c.operator, false);
    }
    if (c.value === undefined) return undefinedCondition(c.fieldKey, fieldKey, c.operator, false);
    return simpleCondition(c.fieldKey, fieldKey, c.value, c.operator, false);
  }
  const inner: JsonSchema[] = [];
  for (const c of req.conditions) {
    checkOperator(c.operator);
    if (c.fieldKey.split('.').length > 1) {
      const [p, ch] = c.fieldKey.split('.') as [string, string];
      inner.push(objectCondition(p, ch, fieldKey, c.value, c.operator, true));
    } else if (c.value === undefined) {
      inner.push(undefinedCondition(c.fieldKey, fieldKey, c.operator, true));
    } else {
      inner.push(simpleCondition(c.fieldKey, fieldKey, c.value, c.operator, true));
    }
  }
  // Segment writes `required: [fieldKey]` here even for a dotted key (an object property); thenStatement fixes that.
  return { if: req.match === 'any' ? { anyOf: inner } : { allOf: inner }, then: thenStatement(fieldKey) };
}

export function fieldsToJsonSchema(fields: Record<string, FieldDef>, options: { additionalProperties?: boolean; omitRequiredSchemas?: boolean } = {}): JsonSchema {
  const required: string[] = [];
  const properties: Record<string, JsonSchema> = {};
  const conditions: Record<string, { match?: 'any' | 'all'; conditions: FieldCondition[] }> = {};
  for (const [key, field] of Object.entries(fields)) {
    const schemaType = toJsonSchemaType(field.type);
    let schema: JsonSchema = { title: field.label, description: field.description, type: schemaType };
    if (field.format) schema.format = field.format;
    if (field.type === 'datetime') schema.format = 'date-like';
    else if (field.type === 'password') schema.format = 'password';
    else if (field.type === 'text') schema.format = 'text';
    else if (field.type === 'string') {
      if (field.minimum) schema.minLength = field.minimum;
      if (field.maximum) schema.maxLength = field.maximum;
    } else if (field.type === 'number') {
      if (field.minimum) schema.minimum = field.minimum;
      if (field.maximum) schema.maximum = field.maximum;
    }
    if (field.choices) schema.enum = field.choices.map((c) => (typeof c === 'string' ? c : c.value));
    if (field.allowNull) {
      schema.type = ([] as string[]).concat(schemaType, 'null');
      if (schema.enum) schema.enum = [...(schema.enum as unknown[]), null];
    }
    const isMulti = Boolean(field.multiple);
    if (isMulti) {
      const items: JsonSchema = { type: schemaType };
      schema.items = items;
      schema.type = 'array';
      if (schema.enum) {
        items.enum = schema.enum;
        delete schema.enum;
      }
    }
    if (schemaType === 'object' && field.properties) {
      const hasConditional = Object.values(field.properties).some((f) => f.required && typeof f.required === 'object');
      const nested = fieldsToJsonSchema(field.properties, { additionalProperties: field.additionalProperties || false, omitRequiredSchemas: hasConditional });
      if (isMulti) schema.items = nested;
      else schema = { ...schema, ...nested };
      for (const [propertyKey, objectField] of Object.entries(field.properties)) {
        if (objectField.required && typeof objectField.required === 'object') conditions[`${key}.${propertyKey}`] = objectField.required;
      }
    }
    properties[key] = schema;
    if (field.required === true) required.push(key);
    else if (field.required && typeof field.required === 'object') conditions[key] = field.required;
  }
  const base: JsonSchema = { type: 'object', additionalProperties: options.additionalProperties || false, properties };
  if (options.omitRequiredSchemas) return base;
  const all = Object.entries(conditions).map(([k, c]) => singleFieldConditions(k, c));
  return { ...base, required, ...(all.length ? { allOf: all } : {}) };
}

/** Segment's removeEmptyValues (reference §2.1 step 2): null unless allowNull, '' unless string, '' at the root. */
export function removeEmptyValues(obj: unknown, schema: JsonSchema | undefined, isRoot = false): unknown {
  if (!schema || (!schema.type && !schema.enum)) return obj;
  if (Array.isArray(obj)) {
    if (!schema.items) return obj;
    return obj.filter((item) => removeEmptyValues(item, schema.items as JsonSchema) !== undefined);
  }
  if (obj !== null && typeof obj === 'object' && Object.prototype.toString.call(obj) === '[object Object]') {
    const props = schema.properties as Record<string, JsonSchema> | undefined;
    if (!props) return obj;
    const out: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
    for (const key of Object.keys(out)) {
      const v = removeEmptyValues(out[key], Object.prototype.hasOwnProperty.call(props, key) ? props[key] : undefined);
      if (v === undefined || (v === '' && isRoot)) delete out[key];
      else out[key] = v;
    }
    return out;
  }
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if (obj === null && !types.includes('null')) return undefined;
  if (obj === '' && !types.includes('string')) return undefined;
  return obj;
}

/** Segment's arrifyFields: a scalar given for a `multiple` field becomes a one-element array (null stays null). */
export function arrifyFields(obj: Record<string, unknown>, schema: JsonSchema): void {
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (!props) return;
  for (const key of Object.keys(obj)) {
    const fs = Object.prototype.hasOwnProperty.call(props, key) ? props[key] : undefined;
    if (fs && fs.type === 'array') {
      const v = obj[key];
      if (v !== undefined && v !== null && !Array.isArray(v)) obj[key] = [v];
    }
  }
}

type Cleaner = (v: unknown) => unknown;
const identity: Cleaner = (v) => v;

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null || Object.prototype.toString.call(v) === '[object Object]';
}

/** A copy of plain objects and arrays (so Ajv's in-place coercion and removal never touch the caller's data). */
function copyJson(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(copyJson);
  if (!isPlain(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = copyJson((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * removeEmptyValues compiled for one schema (same result, no per-value schema inspection): the hot path runs
 * it for every payload. Every object that has declared `properties` comes out as a fresh copy, and so do the
 * items of arrays of such objects: those are the only places Ajv modifies (removeAdditional, coercion), so the
 * payload Ajv sees never shares a mutable part with the event it was mapped from.
 */
export function compileRemoveEmptyValues(schema: JsonSchema | undefined, isRoot = false): Cleaner {
  if (!schema || (!schema.type && !schema.enum)) return identity;
  const types = ([] as unknown[]).concat(schema.type ?? []);
  const dropNull = !types.includes('null');
  const dropEmpty = !types.includes('string');
  const itemSchema = schema.items as JsonSchema | undefined;
  const items = itemSchema ? compileRemoveEmptyValues(itemSchema) : undefined;
  const copyItems = Boolean(itemSchema && (itemSchema.properties || itemSchema.items));
  const propSchemas = schema.properties as Record<string, JsonSchema> | undefined;
  const props: Record<string, Cleaner> = Object.create(null) as Record<string, Cleaner>;
  if (propSchemas) for (const [k, s] of Object.entries(propSchemas)) props[k] = compileRemoveEmptyValues(s);
  return (obj) => {
    if (obj === null) return dropNull ? undefined : obj;
    if (obj === '') return dropEmpty ? undefined : obj;
    if (typeof obj !== 'object') return obj;
    if (Array.isArray(obj)) {
      if (!items) return obj;
      // Segment keeps the original (uncleaned) items of the array.
      const kept = obj.filter((item) => items(item) !== undefined);
      return copyItems ? kept.map(copyJson) : kept;
    }
    if (!propSchemas || !isPlain(obj)) return obj;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const clean = props[key];
      const v = clean ? clean((obj as Record<string, unknown>)[key]) : (obj as Record<string, unknown>)[key];
      if (v === undefined || (v === '' && isRoot)) continue;
      out[key] = v;
    }
    return out;
  };
}
