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

/** Removes undefined object values recursively (arrays keep their length), copying objects as Segment does. */
export function removeUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(removeUndefined);
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = value[key];
      if (v !== undefined) out[key] = removeUndefined(v);
    }
    return out;
  }
  return value;
}
