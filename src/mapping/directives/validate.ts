/**
 * Mapping validation with Segment's messages (mapping-kit/validate.ts, reference §2.4):
 * `/<stack> <message>.`, e.g. `/@if/then has an invalid directive: @oops.`
 */
import { isPlainObject, realTypeOf } from './get.js';

export const MAX_PATTERN_LENGTH = 10;
export const MAX_REPLACEMENT_LENGTH = 10;

class VError extends Error {
  constructor(message: string, stack: string[]) {
    super(`/${stack.join('/')} ${message}.`);
  }
}

class VAggregate extends Error {
  constructor(readonly errors: Error[]) {
    super(errors.map((e) => e.message).join(' '));
  }
}

type Validator = (v: unknown, stack: string[]) => void;

function flat(errors: Error[]): Error[] {
  const out: Error[] = [];
  for (const e of errors) {
    if (e instanceof VAggregate) out.push(...e.errors);
    else out.push(e);
  }
  return out;
}

function article(s: string): string {
  return 'aeiou'.includes(s.charAt(0)) ? 'an' : 'a';
}

function typeOrDirective(v: unknown): string {
  const t = realTypeOf(v);
  if (t === 'object' && Object.keys(v as object).some((k) => k.startsWith('@'))) return 'directive';
  return t;
}

export function isDirective(obj: unknown): obj is Record<string, unknown> {
  if (!isPlainObject(obj)) return false;
  let hasAt = false;
  for (const k of Object.keys(obj)) {
    if (k.startsWith('@')) hasAt = true;
    else if (k !== '_metadata') return false;
  }
  return hasAt;
}

const directives: Record<string, Validator> = {};

function validateDirective(obj: unknown, stack: string[]): void {
  if (!isDirective(obj) && !isPlainObject(obj)) {
    const t = realTypeOf(obj);
    throw new VError(`should be a directive object but it is ${article(t)} ${t}`, stack);
  }
  const keys = Object.keys(obj);
  const directiveKeys = keys.filter((k) => k.startsWith('@'));
  if (directiveKeys.length > 1) throw new VError(`should only have one @-prefixed key but it has ${directiveKeys.length} keys`, stack);
  const otherKeys = keys.filter((k) => !k.startsWith('@') && k !== '_metadata');
  if (otherKeys.length > 0) throw new VError(`should only have one @-prefixed key but it has ${keys.length} keys`, stack);
  const key = directiveKeys[0]!;
  const fn = Object.prototype.hasOwnProperty.call(directives, key) ? directives[key] : undefined;
  if (typeof fn !== 'function') throw new VError(`has an invalid directive: ${key}`, stack);
  fn(obj[key], stack);
}

function directiveOrRaw(v: unknown, stack: string[]): void {
  const t = typeOrDirective(v);
  switch (t) {
    case 'directive':
      return validateDirective(v, stack);
    case 'object':
    case 'array':
    case 'boolean':
    case 'string':
    case 'number':
    case 'null':
      return;
    default:
      throw new VError(`should be a mapping directive or a JSON value but it is ${article(t)} ${t}`, stack);
  }
}

function directiveOrString(v: unknown, stack: string[]): void {
  const t = typeOrDirective(v);
  if (t === 'directive') return validateDirective(v, stack);
  if (t === 'string') return;
  throw new VError(`should be a string or a mapping directive but it is ${article(t)} ${t}`, stack);
}

function directiveOrObject(v: unknown, stack: string[]): void {
  const t = typeOrDirective(v);
  if (t === 'directive') return validateDirective(v, stack);
  if (t === 'object') return validateObject(v, stack);
  throw new VError(`should be a object or a mapping directive but it is ${article(t)} ${t}`, stack);
}

function chain(...validators: Validator[]): Validator {
  return (v, stack) => validators.forEach((f) => f(v, stack));
}

function stringLength(min: number, max: number): Validator {
  return (v, stack) => {
    if (typeof v === 'string' && v.length < min) throw new VError(`should be a string of length ${min} or greater`, stack);
    if (typeof v === 'string' && v.length > max) throw new VError(`should be a string of length ${max} or less`, stack);
  };
}

function validateString(v: unknown, stack: string[]): void {
  const t = typeOrDirective(v);
  if (t !== 'string') throw new VError(`should be a string but it is ${article(t)} ${t}`, stack);
}

function allowedStrings(...allowed: string[]): Validator {
  return (v, stack) => {
    validateString(v, stack);
    const s = v as string;
    if (!allowed.includes(s.toLowerCase())) throw new VError(`should be one of ${allowed.join(', ')} but it is ${JSON.stringify(s)}`, stack);
  };
}

function validateBoolean(v: unknown, stack: string[]): void {
  const t = typeOrDirective(v);
  if (t !== 'boolean') throw new VError(`should be a boolean but it is ${article(t)} ${t}`, stack);
}

function validateObject(value: unknown, stack: string[]): void {
  const t = typeOrDirective(value);
  if (t !== 'object') throw new VError(`should be an object but it is ${article(t)} ${t}`, stack);
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const dk = keys.find((k) => k.charAt(0) === '@');
  if (dk) throw new VError(`shouldn't have directive (@-prefixed) keys but it has ${JSON.stringify(dk)}`, stack);
  const errors: Error[] = [];
  for (const k of keys) {
    try {
      validateAny(obj[k], [...stack, k]);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  if (errors.length) throw new VAggregate(flat(errors));
}

function objectWithFields(input: unknown, fields: Record<string, { required?: Validator; optional?: Validator }>, stack: string[]): void {
  validateObject(input, stack);
  const obj = input as Record<string, unknown>;
  const errors: Error[] = [];
  for (const [prop, { required, optional }] of Object.entries(fields)) {
    try {
      if (required) {
        if (obj[prop] === undefined) throw new VError(`should have field ${JSON.stringify(prop)} but it doesn't`, stack);
        required(obj[prop], [...stack, prop]);
      } else if (optional && obj[prop] !== undefined) {
        optional(obj[prop], [...stack, prop]);
      }
    } catch (e) {
      errors.push(e as Error);
    }
  }
  if (errors.length) throw new VAggregate(flat(errors));
}

function validateArray(arr: unknown, stack: string[]): void {
  const t = realTypeOf(arr);
  if (t !== 'array') throw new VError(`should be an array but it is ${article(t)} ${t}`, stack);
}

function directive(name: string, fn: Validator): void {
  directives[name] = (v, stack) => {
    try {
      fn(v, [...stack, name]);
    } catch (e) {
      if (e instanceof VError || e instanceof VAggregate) throw e;
      throw new VError((e as Error).message, stack);
    }
  };
}

directive('@if', (v, stack) =>
  objectWithFields(v, { exists: { optional: directiveOrRaw }, then: { optional: directiveOrRaw }, else: { optional: directiveOrRaw } }, stack),
);
directive('@case', (v, stack) => objectWithFields(v, { operator: { optional: validateString }, value: { optional: directiveOrString } }, stack));
directive('@replace', (v, stack) =>
  objectWithFields(
    v,
    {
      pattern: { required: chain(validateString, stringLength(1, MAX_PATTERN_LENGTH)) },
      replacement: { optional: chain(validateString, stringLength(0, MAX_REPLACEMENT_LENGTH)) },
      value: { required: directiveOrString },
      ignorecase: { optional: validateBoolean },
      global: { optional: validateBoolean },
    },
    stack,
  ),
);
directive('@arrayPath', (v, stack) => {
  validateArray(v, stack);
  const data = v as unknown[];
  directiveOrString(data[0], stack);
  validateAny(data[1], stack);
});
directive('@path', directiveOrString);
directive('@json', (v, stack) =>
  objectWithFields(v, { value: { required: directiveOrRaw }, mode: { required: allowedStrings('encode', 'decode') } }, stack),
);
directive('@flatten', (v, stack) => objectWithFields(v, { separator: { optional: validateString }, value: { required: directiveOrRaw } }, stack));
directive('@merge', (v, stack) => {
  objectWithFields(v, { direction: { optional: allowedStrings('left', 'right') }, objects: { required: validateArray } }, stack);
  for (const obj of (v as { objects: unknown[] }).objects) directiveOrObject(obj, []);
});
directive('@template', directiveOrString);
directive('@literal', directiveOrRaw);
directive('@transform', (v, stack) =>
  objectWithFields(v, { apply: { required: directiveOrObject }, mapping: { required: directiveOrObject } }, stack),
);
directive('@excludeWhenNull', directiveOrRaw);
directive('@liquid', validateString);

export const DIRECTIVE_NAMES = Object.keys(directives);

function validateAny(mapping: unknown, stack: string[]): void {
  switch (typeOrDirective(mapping)) {
    case 'directive':
      return validateDirective(mapping, stack);
    case 'object':
      return validateObject(mapping, stack);
    case 'array':
      return validateArray(mapping, stack);
    default:
      return;
  }
}

/** Validates a (root-processed) mapping; returns Segment-style messages, [] when valid. */
export function validateResolvedMapping(mapping: unknown): string[] {
  try {
    validateAny(mapping, []);
    return [];
  } catch (e) {
    if (e instanceof VAggregate) return e.errors.map((x) => x.message);
    return [(e as Error).message];
  }
}
