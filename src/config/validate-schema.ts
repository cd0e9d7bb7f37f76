/** Ajv validation of the raw (interpolated) config against config/schema.ts, as located, human issues with fixes. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDuration } from '../core/duration.js';
import { configSchema, type JsonSchema } from './schema.js';
import { closest, didYouMean } from './suggest.js';
import { isSecretPath } from './secrets.js';

export interface RawIssue {
  path: string;
  message: string;
  /** Point at the key rather than the value (unknown keys). */
  atKey?: boolean;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // coerceTypes: a value interpolated from the environment is a string; `port: ${PORT:-8080}` must still be a number.
  const ajv = new Ajv({ allErrors: true, verbose: true, coerceTypes: true, allowUnionTypes: true, strictTypes: false });
  ajv.addKeyword('x-fix');
  ajv.addFormat('duration', { type: 'string', validate: (s: string) => parseDuration(s) !== undefined });
  compiled = ajv.compile(configSchema);
  return compiled;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 60 ? value.slice(0, 57) + '…' : value}'`;
  return String(value);
}

function shown(path: string, value: unknown): string {
  // Never echo the value of a secret-like key, even when it is malformed.
  return isSecretPath(path) ? 'a value' : describe(value);
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
};

function fixOf(schema: unknown): string {
  const fix = (schema as JsonSchema | undefined)?.['x-fix'];
  return typeof fix === 'string' ? ` Fix: ${fix}.` : '';
}

function oneIssue(e: ErrorObject): RawIssue | undefined {
  const path = e.instancePath;
  const parent = e.parentSchema as JsonSchema | undefined;
  switch (e.keyword) {
    case 'if':
      return undefined; // the failing branch reports the real problem
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((parent?.properties as JsonSchema | undefined) ?? {}).filter((k) => k !== 'ID' && !/^[A-Z]/.test(k));
      const hint = didYouMean(key, allowed);
      return {
        path: `${path}/${key}`,
        atKey: true,
        message: `unknown key '${key}'${hint || `. Fix: remove it${allowed.length ? `; allowed keys here: ${allowed.join(', ')}` : ''}.`}`,
      };
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const prop = (parent?.properties as Record<string, JsonSchema> | undefined)?.[key];
      return { path: `${path}/${key}`, message: `missing required key '${key}'.${fixOf(prop) || ` Fix: add \`${key}:\`.`}` };
    }
    case 'type': {
      const want = ([] as string[]).concat((e.params as { type: string | string[] }).type);
      const words = want.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
      return { path, message: `must be ${words}, not ${shown(path, e.data)}.${fixOf(parent)}` };
    }
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      return { path, message: `${shown(path, e.data)} is not allowed${hint}${hint ? '' : ` Use one of: ${allowed.join(', ')}.`}` };
    }
    case 'format':
      return { path, message: `${shown(path, e.data)} is not a valid ${String((e.params as { format: string }).format)}.${fixOf(parent)}` };
    case 'pattern':
      return { path, message: `${shown(path, e.data)} has the wrong form.${fixOf(parent) || ` It must match ${String((e.params as { pattern: string }).pattern)}.`}` };
    case 'minLength':
      return { path, message: `must not be empty.${fixOf(parent)}` };
    case 'maxLength':
      return { path, message: `is too long (at most ${String((e.params as { limit: number }).limit)} characters).${fixOf(parent)}` };
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
      return { path, message: `${shown(path, e.data)} is out of range: must be ${String((e.params as { comparison: string }).comparison)} ${String((e.params as { limit: number }).limit)}.${fixOf(parent)}` };
    default:
      return { path, message: `${e.message ?? 'is invalid'}.${fixOf(parent)}` };
  }
}

/** Validate (and coerce in place: `"8080"` → 8080 where a number is wanted). Returns every issue, deduplicated. */
export function validateSchema(data: unknown): RawIssue[] {
  const validate = validator();
  if (validate(data)) return [];
  const seen = new Set<string>();
  const out: RawIssue[] = [];
  const errors = validate.errors ?? [];
  // `actoin: x` gives both "unknown key 'actoin' — did you mean 'action'?" and "missing 'action'": keep the first.
  const misspelt = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    const allowed = Object.keys(((e.parentSchema as JsonSchema | undefined)?.properties as JsonSchema | undefined) ?? {});
    const guess = closest(key, allowed);
    if (guess) misspelt.add(`${e.instancePath}/${guess}`);
  }
  for (const e of errors) {
    if (e.keyword === 'required' && misspelt.has(`${e.instancePath}/${String((e.params as { missingProperty: string }).missingProperty)}`)) continue;
    const issue = oneIssue(e);
    if (!issue) continue;
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}
