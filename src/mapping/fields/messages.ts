/**
 * Human messages for Ajv errors in the style of @segment/ajv-human-errors (fieldLabels: 'title'): the subject is
 * the field's label when it has one, otherwise "the value at <pointer>" / "the root value". One difference on
 * purpose: a missing required field is named by its label (`…missing the required field 'Event Key'.`).
 */
import type { ErrorObject } from 'ajv';

const FORMAT_LABELS: Record<string, string> = {
  'date-time': 'date and time', time: 'time', date: 'date', email: 'email address', hostname: 'hostname',
  ipv4: 'IPv4 address', ipv6: 'IPv6 address', uri: 'URI', 'uri-reference': 'URI Reference',
  'uri-template': 'URI-template', 'json-pointer': 'JSON Pointer', 'relative-json-pointer': 'relative JSON Pointer',
  regex: 'regular expression',
};

function article(s: string): string {
  return 'aeiou'.includes(s.charAt(0)) ? 'an' : 'a';
}

function humanList(arr: string[], conj: string): string {
  if (arr.length === 0) return 'nothing';
  if (arr.length === 1) return arr[0]!;
  if (arr.length === 2) return `${arr[0]} ${conj} ${arr[1]}`;
  return `${arr.slice(0, -1).join(', ')}, ${conj} ${arr[arr.length - 1]}`;
}

function humanType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (v === undefined) return 'undefined';
  return `${article(typeof v)} ${typeof v}`;
}

function plural(s: string, n: number): string {
  return n === 1 ? s : `${s}s`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The field key path an error is about: `eventKey`, `identifiers.email`, `products.0.id`. */
export function fieldOf(e: ErrorObject): string {
  const parts = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  return parts.join('.');
}

/** The title of the field at a dotted key path in a fields schema (through nested properties and items). */
function labelAt(root: Record<string, unknown> | undefined, path: string): string | undefined {
  let node: Record<string, unknown> | undefined = root;
  for (const part of path.split('.')) {
    if (!node) return undefined;
    if (node.type === 'array' && node.items && /^\d+$/.test(part)) {
      node = node.items as Record<string, unknown>;
      continue;
    }
    const props = node.properties as Record<string, Record<string, unknown>> | undefined;
    node = props && Object.prototype.hasOwnProperty.call(props, part) ? props[part] : undefined;
  }
  return node && typeof node.title === 'string' ? node.title : undefined;
}

/** Returns null for errors that only repeat another (Ajv's "must match then schema" next to the real one). */
export function humanMessage(e: ErrorObject, root?: Record<string, unknown>): string | null {
  const parent = e.parentSchema as Record<string, unknown> | undefined;
  const title = parent && typeof parent.title === 'string' ? parent.title : undefined;
  const preamble = title ?? (e.instancePath === '' ? 'the root value' : `the value at ${e.instancePath}`);
  const params = e.params as Record<string, unknown>;
  const data = e.data as { length?: number } | undefined;
  let m: string;
  switch (e.keyword) {
    case 'enum':
      m = `${preamble} must be one of: ${humanList((params.allowedValues as unknown[]).map((v) => JSON.stringify(v)), 'or')}`;
      break;
    case 'type': {
      const list = Array.isArray(params.type) ? (params.type as string[]) : String(params.type).split(',');
      const expect = humanList(list, 'or');
      m = `${preamble} must be ${article(expect)} ${expect} but it was ${humanType(e.data)}`;
      break;
    }
    case 'minLength':
    case 'maxLength': {
      const limit = params.limit as number;
      const actual = data?.length ?? 0;
      m = `${preamble} must be ${limit} ${plural('character', limit)} or ${e.keyword === 'minLength' ? 'more' : 'fewer'} but it was ${actual} ${plural('character', actual)}`;
      break;
    }
    case 'format':
      m = `${preamble} must be a valid ${FORMAT_LABELS[params.format as string] ?? String(params.format)} string but it was not`;
      break;
    case 'minimum':
      m = `${preamble} must be equal to or greater than ${String(params.limit)}`;
      break;
    case 'maximum':
      m = `${preamble} must be equal to or less than ${String(params.limit)}`;
      break;
    case 'required': {
      const missing = params.missingProperty as string;
      const props = parent?.properties as Record<string, { title?: string }> | undefined;
      // if/then clauses (conditional required) carry no titles: find the label in the root schema instead.
      const label = (props && Object.prototype.hasOwnProperty.call(props, missing) ? props[missing]?.title : undefined) ?? labelAt(root, fieldOf(e));
      m = `${preamble} is missing the required field '${label ?? missing}'`;
      break;
    }
    case 'minItems':
      m = `${preamble} must have ${String(params.limit)} or more items but it has ${data?.length ?? 0}`;
      break;
    case 'maxItems':
      m = `${preamble} must have ${String(params.limit)} or fewer items but it has ${data?.length ?? 0}`;
      break;
    case 'if':
      return null;
    default:
      m = `${preamble} ${e.message ?? 'is invalid'}`;
  }
  return `${capitalize(m)}.`;
}
