/**
 * The mapping engine: a mapping (mapping-kit directives, reference §2.2) is validated and compiled ONCE into a
 * closure tree; running it on an event is then plain property reads and object building. Semantics follow
 * @segment/actions-core's mapping-kit/index.ts line by line (see the notes on each directive); the only
 * intended difference is speed, and that runtime failures are thrown as MappingError.
 */
import { OptirelayError } from '../../core/errors.js';
import { MappingError, MappingValidationError } from './errors.js';
import { get, getParts, isPlainObject, realTypeOf, removeUndefined, splitPath } from './get.js';
import { compileLiquid } from './liquid.js';
import { isDirective, MAX_PATTERN_LENGTH, MAX_REPLACEMENT_LENGTH, validateResolvedMapping } from './validate.js';

type Resolver = (payload: unknown) => unknown;
export type CompiledMapping = (data: unknown) => Record<string, unknown>;

export const ROOT_MAPPING_FIELD_KEY = '__segment_internal_directive';

const constant = (v: unknown): Resolver => () => v;
const thrower = (message: string): Resolver => () => {
  throw new Error(message);
};

/** Segment's getMappingToProcess, without mutating the caller's mapping. */
export function rootProcessed(mapping: Record<string, unknown>): unknown {
  if (!Object.prototype.hasOwnProperty.call(mapping, ROOT_MAPPING_FIELD_KEY)) return mapping;
  const customer: Record<string, unknown> = {};
  for (const key of Object.keys(mapping)) if (key !== ROOT_MAPPING_FIELD_KEY) customer[key] = mapping[key];
  const root = mapping[ROOT_MAPPING_FIELD_KEY];
  if (!root || typeof root !== 'object') throw new MappingError('The root directive must be an object');
  const keys = Object.keys(root);
  if (keys.length > 1) throw new MappingError('The root mapping must only have a single directive object');
  const directiveValue = (root as Record<string, unknown>)[keys[0]!];
  if (!directiveValue || typeof directiveValue !== 'object') throw new MappingError('The root directive must be an object');
  return { [keys[0]!]: { ...(directiveValue as object), mapping: customer } };
}

/** Resolves any mapping value inside a directive (undefined values are kept, as Segment's resolve() does). */
function compileValue(mapping: unknown): Resolver {
  if (mapping === null || typeof mapping !== 'object') return constant(mapping);
  if (isDirective(mapping)) return compileDirective(mapping);
  if (Array.isArray(mapping)) {
    const items = mapping.map(compileValue);
    return (p) => items.map((r) => r(p));
  }
  if (!isPlainObject(mapping)) return constant(mapping);
  const keys = Object.keys(mapping);
  const values = keys.map((k) => compileValue(mapping[k]));
  return (p) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = values[i]!(p);
    return out;
  };
}

/**
 * Resolves a mapping value outside any directive and applies removeUndefined as it goes: static objects are
 * built without undefined keys; directive results are cleaned (and copied) where they land.
 */
function compileTop(mapping: unknown): Resolver {
  if (mapping === null || typeof mapping !== 'object') return constant(mapping);
  if (isDirective(mapping)) {
    const r = compileDirective(mapping);
    return (p) => {
      const v = r(p);
      return v !== null && typeof v === 'object' ? removeUndefined(v) : v;
    };
  }
  if (Array.isArray(mapping)) {
    const items = mapping.map(compileTop);
    return (p) => items.map((r) => r(p));
  }
  if (!isPlainObject(mapping)) return constant(mapping);
  const keys = Object.keys(mapping);
  const values = keys.map((k) => compileTop(mapping[k]));
  return (p) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const v = values[i]!(p);
      if (v !== undefined) out[keys[i]!] = v;
    }
    return out;
  };
}

function compileDirective(obj: Record<string, unknown>): Resolver {
  const name = Object.keys(obj).find((k) => k.startsWith('@'))!;
  const value = obj[name];
  const factory = Object.prototype.hasOwnProperty.call(DIRECTIVES, name) ? DIRECTIVES[name] : undefined;
  if (!factory) return thrower(`${name} is not a valid directive, got undefined`);
  return factory(value);
}

/** A directive whose resolved input must be a string (@path, @template). */
function stringDirective(name: string, value: unknown, fromString: (s: string) => Resolver): Resolver {
  if (typeof value === 'string') return fromString(value);
  const inner = compileValue(value);
  return (p) => {
    const s = inner(p);
    if (typeof s !== 'string') throw new Error(`${name}: expected string, got ${realTypeOf(s)}`);
    return fromString(s)(p);
  };
}

function compilePath(path: string): Resolver {
  const parts = splitPath(path.replace('$.', ''));
  if (parts === undefined) return (p) => p;
  if (parts.length === 1) {
    const k = parts[0]!;
    return (p) => p && (p as Record<string, unknown>)[k];
  }
  if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    return (p) => {
      const x = p && (p as Record<string, unknown>)[a];
      return x && (x as Record<string, unknown>)[b];
    };
  }
  return (p) => getParts(p, parts);
}

function renderTemplate(template: string, data: unknown): string {
  const replacer = (chars: number) => (match: string) => {
    const v = get(data, match.slice(chars, -chars).trim());
    return String(v ?? '');
  };
  return template.replace(/\{\{\{([^}]+)\}\}\}/g, replacer(3)).replace(/\{\{([^}]+)\}\}/g, replacer(2));
}

function compileTemplate(template: string): Resolver {
  // Triple braces need Segment's two passes (a value from pass one may be re-rendered by pass two).
  if (template.includes('{{{')) return (p) => renderTemplate(template, p);
  const literals: string[] = [];
  const paths: (string[] | undefined)[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{\{([^}]+)\}\}/g)) {
    literals.push(template.slice(last, m.index));
    paths.push(splitPath(m[1]!.trim()));
    last = m.index! + m[0].length;
  }
  if (paths.length === 0) return constant(template);
  const tail = template.slice(last);
  return (p) => {
    let out = literals[0]!;
    for (let i = 0; i < paths.length; i++) {
      const v = getParts(p, paths[i]);
      out += String(v ?? '') + (i + 1 < paths.length ? literals[i + 1]! : tail);
    }
    return out;
  };
}

function arrify(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function flattenObject(input: unknown, prefix: string, separator: string, ignoreArrays: boolean, acc: Record<string, unknown>): void {
  if (isPlainObject(input) || (!ignoreArrays && Array.isArray(input))) {
    for (const [key, value] of Object.entries(input as object)) {
      flattenObject(value, prefix ? `${prefix}${separator}${key}` : key, separator, ignoreArrays, acc);
    }
    return;
  }
  acc[prefix] = input;
}

function cleanNulls(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const cleaned: Record<string, unknown> = { ...value };
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === null) cleaned[key] = undefined;
    else if (isPlainObject(v)) cleaned[key] = cleanNulls(v);
  }
  return cleaned;
}

function escapeReplacePattern(pattern: string, flags: string): RegExp {
  return new RegExp(pattern.replace(/[-[\]{}()*+?.,\\^$|#\s]/g, '\\$&'), flags);
}

const DIRECTIVES: Record<string, (value: unknown) => Resolver> = {
  '@if': (opts) => {
    if (!isPlainObject(opts)) return thrower('@if requires an object with an "exists" key');
    if (!opts.exists && !opts.blank) return thrower('@if requires an "exists" key or a "blank" key');
    const useExists = opts.exists !== undefined;
    const cond = compileValue(useExists ? opts.exists : opts.blank);
    const then = opts.then !== undefined ? compileValue(opts.then) : undefined;
    // Segment: the else branch is taken only when the raw mapping value is truthy.
    const otherwise = opts.else ? compileValue(opts.else) : undefined;
    return (p) => {
      const v = cond(p);
      // Segment's blank test is loose (`value != ''`): 0 and false count as blank.
      const ok = useExists ? v !== undefined && v !== null : v !== undefined && v !== null && v != '';
      if (ok) return then ? then(p) : undefined;
      return otherwise ? otherwise(p) : undefined;
    };
  },
  '@case': (opts) => {
    if (!isPlainObject(opts)) return thrower('@case requires an object with a "operator" key');
    if (!opts.operator) return thrower('@case requires a "operator" key');
    if (!opts.value) return constant(undefined);
    const operator = opts.operator;
    const value = compileValue(opts.value);
    return (p) => {
      const v = value(p);
      if (typeof v !== 'string') return v;
      if (operator === 'lower') return v.toLowerCase();
      if (operator === 'upper') return v.toUpperCase();
      throw new Error('operator key should have a value of "lower" or "upper"');
    };
  },
  '@replace': (opts) => {
    if (!isPlainObject(opts)) return thrower('@replace requires an object with a "pattern" key');
    if (!opts.pattern) return thrower('@replace requires a "pattern" key');
    const pattern = opts.pattern;
    const replacement = opts.replacement ?? '';
    const replacement2 = opts.pattern2 && opts.replacement2 == null ? '' : opts.replacement2;
    const ignorecase = opts.ignorecase ?? false;
    const isGlobal = opts.global ?? true;
    if (!opts.value) return constant(undefined);
    const value = compileValue(opts.value);
    const typesOk = typeof pattern === 'string' && typeof replacement === 'string' && typeof ignorecase === 'boolean' && typeof isGlobal === 'boolean';
    const flags = `${isGlobal ? 'g' : ''}${ignorecase ? 'i' : ''}`;
    const step = (pat: string, rep: string): ((s: string) => string) => {
      if (pat.length > MAX_PATTERN_LENGTH) return () => { throw new Error(`@replace requires a "pattern" less than ${MAX_PATTERN_LENGTH} characters`); };
      if (rep.length > MAX_REPLACEMENT_LENGTH) return () => { throw new Error(`@replace requires a "replacement" less than ${MAX_REPLACEMENT_LENGTH} characters`); };
      const re = escapeReplacePattern(pat, flags);
      return (s) => s.replace(re, rep);
    };
    const first = typesOk ? step(pattern as string, replacement as string) : undefined;
    const second =
      typesOk && opts.pattern2 && typeof opts.pattern2 === 'string' && typeof replacement2 === 'string' ? step(opts.pattern2, replacement2) : undefined;
    return (p) => {
      let v = value(p);
      if (typeof v === 'boolean' || typeof v === 'number') v = String(v);
      if (typeof v !== 'string' || !first) return '';
      const once = first(v);
      return second ? second(once) : once;
    };
  },
  '@arrayPath': (data) => {
    if (!Array.isArray(data)) return thrower(`@arrayPath expected array, got ${realTypeOf(data)}`);
    const [path, itemShape] = data as [unknown, unknown];
    const root = typeof path === 'string' ? compilePath(path) : compileValue(path);
    const shaped = realTypeOf(itemShape) === 'object' && Object.keys(itemShape as object).length > 0;
    const item = shaped ? compileValue(itemShape) : undefined;
    return (p) => {
      const r = root(p);
      if (item && (Array.isArray(r) || isPlainObject(r))) return arrify(r).map((x) => item(x));
      return r;
    };
  },
  '@path': (value) => stringDirective('@path', value, compilePath),
  '@template': (value) => stringDirective('@template', value, compileTemplate),
  '@literal': (value) => compileValue(value),
  '@flatten': (opts) => {
    if (!isPlainObject(opts)) return thrower('@flatten requires an object with a "separator" key');
    if (!opts.separator) return thrower('@flatten requires a "separator" key');
    const separator = compileValue(opts.separator);
    const value = compileValue(opts.value);
    const omitArrays = Boolean(opts.omitArrays);
    return (p) => {
      const sep = separator(p);
      if (typeof sep !== 'string') throw new Error('@flatten requires a string separator');
      const acc: Record<string, unknown> = {};
      flattenObject(value(p), '', sep, omitArrays, acc);
      return acc;
    };
  },
  '@json': (opts) => {
    if (!isPlainObject(opts)) return thrower('@json requires an object with a "value" key');
    if (!opts.mode) return thrower('@json requires a "mode" key');
    if (!opts.value) return thrower('@json requires a "value" key');
    const value = compileValue(opts.value);
    if (opts.mode === 'encode') return (p) => JSON.stringify(value(p));
    if (opts.mode === 'decode') {
      return (p) => {
        const v = value(p);
        if (typeof v !== 'string') return v;
        try {
          return JSON.parse(v) as unknown;
        } catch {
          return v;
        }
      };
    }
    return (p) => {
      value(p);
      return undefined;
    };
  },
  '@merge': (opts) => {
    if (!isPlainObject(opts)) return thrower('@merge requires an object with an "objects" key and a "direction" key');
    if (!opts.direction) return thrower('@merge requires a "direction" key');
    const direction = compileValue(opts.direction);
    if (!opts.objects) return thrower('@merge requires a "objects" key');
    if (!Array.isArray(opts.objects)) return thrower(`@merge: expected opts.array, got ${typeof opts.objects}`);
    const objects = opts.objects.map(compileValue);
    return (p) => {
      const dir = direction(p);
      const resolved = objects.map((r) => r(p));
      if (dir === 'left') resolved.reverse();
      return Object.assign({}, ...resolved) as unknown;
    };
  },
  '@transform': (opts) => {
    if (!isPlainObject(opts)) return thrower('@transform requires an object with an "apply" key and a "mapping" key');
    if (!opts.mapping) return thrower('@transform requires a "mapping" key');
    if (!opts.apply) return thrower('@transform requires a "apply" key');
    if (!isPlainObject(opts.apply)) return thrower('@transform "apply" key should be an object');
    let apply: CompiledMapping;
    try {
      apply = compileMappingUncached(opts.apply);
    } catch (err) {
      return () => {
        throw err;
      };
    }
    const mapping = compileValue(opts.mapping);
    return (p) => mapping(apply(p));
  },
  '@excludeWhenNull': (value) => {
    const inner = compileValue(value);
    return (p) => {
      const v = inner(p);
      return v === null ? undefined : cleanNulls(v);
    };
  },
  '@liquid': (value) => compileLiquid(value),
};

function compileMappingUncached(mapping: Record<string, unknown>): CompiledMapping {
  const processed = rootProcessed(mapping);
  const messages = validateResolvedMapping(processed);
  if (messages.length) throw new MappingValidationError(messages);
  const run = compileTop(processed);
  return (data) => {
    const t = realTypeOf(data);
    if (t !== 'object') throw new MappingError(`data must be an object, got ${t}`);
    try {
      return run(data) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof OptirelayError) throw err;
      throw new MappingError((err as Error).message);
    }
  };
}

const cache = new WeakMap<object, CompiledMapping>();

/**
 * Validates and compiles a mapping once. Throws MappingValidationError (Segment-style messages) or MappingError
 * (root-mapping shape). The returned function throws MappingError when a directive fails on an event.
 * Compiled mappings are cached per mapping object: do not mutate a mapping after compiling it.
 */
export function compileMapping(mapping: Record<string, unknown>): CompiledMapping {
  if (mapping === null || typeof mapping !== 'object') throw new MappingError(`a mapping must be an object, got ${realTypeOf(mapping)}`);
  let fn = cache.get(mapping);
  if (!fn) {
    fn = compileMappingUncached(mapping);
    cache.set(mapping, fn);
  }
  return fn;
}

/** mapping-kit's transform(): resolve the mapping against the data and drop undefined values. */
export function transform(mapping: Record<string, unknown>, data: unknown = {}): Record<string, unknown> {
  return compileMapping(mapping)(data);
}

/** Segment-style validation messages for a mapping (after root-mapping processing); [] when valid. */
export function validateMapping(mapping: unknown): string[] {
  if (!isPlainObject(mapping)) return validateResolvedMapping(mapping);
  try {
    return validateResolvedMapping(rootProcessed(mapping));
  } catch (err) {
    return [(err as Error).message];
  }
}
