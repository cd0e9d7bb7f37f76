/** Small readers for mapped payload values (payloads are loose JSON after field validation and coercion). */
import { PayloadValidationError } from '../../core/errors.js';
import type { JsonObject, JsonValue } from '../../core/event.js';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty trimmed string, or undefined (numbers and booleans become strings). */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? undefined : t;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/** A finite number (numeric strings accepted), or undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A JSON value with undefined, null and empty strings removed from objects (recursively). */
export function compact(v: unknown): JsonValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => compact(x)).filter((x): x is JsonValue => x !== undefined);
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const [k, val] of Object.entries(v)) {
      const c = compact(val);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return undefined;
}

/**
 * Epoch seconds (integer) of a timestamp: ISO-8601 text, or a bare number (below 1e11 read as epoch seconds, else
 * epoch ms; 1e11 ms is 1973, 1e11 s is the year 5138). A payload error naming `field` otherwise.
 */
export function epochSeconds(v: unknown, field: string): number {
  let ms: number | undefined;
  const bare = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : undefined;
  if (bare !== undefined && Number.isFinite(bare)) ms = bare < 1e11 ? bare * 1000 : bare;
  else if (typeof v === 'string' && v.trim() !== '') ms = Date.parse(v.trim());
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new PayloadValidationError(
      v === undefined || v === null || v === ''
        ? `${field} is required: map it to the event time (default $.timestamp)`
        : `${field} ${JSON.stringify(v)} is not a date: use ISO-8601 such as 2024-03-01T18:11:27.649Z`,
      field,
    );
  }
  return Math.floor(ms / 1000);
}

/**
 * ODP field values are scalars (string, number, boolean; reference §4.5, and the sandbox enforces it). Nested
 * objects are flattened with `_` (`address: {city}` → `address_city`), arrays are sent as JSON text, and
 * undefined / null / empty strings are dropped.
 */
export function flattenScalars(v: unknown, prefix = '', out: JsonObject = {}): JsonObject {
  if (!isPlainObject(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    const key = `${prefix}${k}`;
    if (isPlainObject(val)) flattenScalars(val, `${key}_`, out);
    else if (Array.isArray(val)) {
      const list = compact(val) as JsonValue[];
      if (list.length > 0) out[key] = JSON.stringify(list);
    } else {
      const c = compact(val);
      if (c !== undefined) out[key] = c;
    }
  }
  return out;
}
