/** A deep copy of the config with every secret masked, for GET /admin/v1/config. */
import { MASK, redactValue } from '../../core/redact.js';

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /(writekey|token|secret|password|passwd|apikey|api_key|accesskey|privatekey|credential|auth)/i;

export function maskUrl(s: string): string {
  // user:password@ in connection strings (postgres://u:p@h/db)
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@/\s]+@/i, `$1:${MASK}@`);
}

function mask(v: unknown, key: string | undefined): unknown {
  if (key !== undefined && SECRET_KEY.test(key) && v !== undefined && v !== null && v !== '' && typeof v !== 'object') return MASK;
  if (typeof v === 'string') return maskUrl(v);
  if (Array.isArray(v)) return v.map((x) => mask(x, undefined));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[k] = mask(val, k);
    return out;
  }
  return v;
}

export function maskConfig<T>(config: T): T {
  return redactValue(mask(config, undefined)) as T;
}
