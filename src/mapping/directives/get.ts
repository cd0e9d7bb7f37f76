/**
 * Segment's `get()` path semantics (reference/segment-ecosystem.md §2.3): dot notation plus `[0]` / `['key']`,
 * quotes stripped, empty segments dropped, traversal `prev && prev[key]` (a falsy intermediate value is returned).
 * Paths are split once at compile time; `undefined` parts means "the root".
 */
const arrayRe = /\[(?="|'|\d)|\.|(?<="|'|\d)]+/g;

export function splitPath(path: string): string[] | undefined {
  if (path === '' || path === '.') return undefined;
  return path
    .split(arrayRe)
    .filter((f) => f)
    .map((s) => s.replace(/'|"/g, ''));
}

export function getParts(obj: unknown, parts: string[] | undefined): unknown {
  if (parts === undefined) return obj;
  let v = obj;
  for (let i = 0; i < parts.length; i++) {
    v = v && (v as Record<string, unknown>)[parts[i]!];
  }
  return v;
}

export function get(obj: unknown, path: string): unknown {
  return getParts(obj, splitPath(path));
}

/** Segment's realTypeOf: `Object.prototype.toString` tag, lower-cased ("object", "array", "null", …). */
export function realTypeOf(v: unknown): string {
  return Object.prototype.toString.call(v).slice(8, -1).toLowerCase();
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return realTypeOf(v) === 'object';
}

function isPlainFast(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null || isPlainObject(v);
}

/** True when a plain object/array holds an undefined value somewhere (what removeUndefined would change). */
function hasUndefined(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasUndefined(item)) return true;
    return false;
  }
  if (!isPlainFast(value)) return false;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = value[key];
    if (v === undefined || hasUndefined(v)) return true;
  }
  return false;
}

function copyWithoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyWithoutUndefined);
  if (value !== null && typeof value === 'object' && isPlainFast(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = value[key];
      if (v !== undefined) out[key] = copyWithoutUndefined(v);
    }
    return out;
  }
  return value;
}

/**
 * Segment's removeUndefined: undefined object values removed recursively (arrays keep their length).
 * Unlike Segment it copies only when something is removed: parts of the result may be the input's own objects
 * (JSON events hold no undefined), which optirelay never modifies (payload validation copies first).
 */
export function removeUndefined(value: unknown): unknown {
  return hasUndefined(value) ? copyWithoutUndefined(value) : value;
}
