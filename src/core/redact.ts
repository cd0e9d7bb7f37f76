/**
 * Secret handling. Secrets never appear in logs, errors, the console or the delivery log.
 * `redactHeaders` masks auth headers; `registerSecret` lets config loading declare values that must be
 * scrubbed from any string we persist or print (write keys, tokens, API keys).
 */
const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'cookie', 'set-cookie', 'proxy-authorization']);
const secrets = new Set<string>();

export const MASK = '[redacted]';

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? MASK : v;
  return out;
}

/** Replace every registered secret inside a string. */
export function redactString(s: string): string {
  let out = s;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/** Deep-copy a JSON-like value with registered secrets replaced in every string. */
export function redactValue<T>(v: T): T {
  if (secrets.size === 0) return v;
  if (typeof v === 'string') return redactString(v) as T;
  if (Array.isArray(v)) return v.map(redactValue) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[k] = redactValue(val);
    return out as T;
  }
  return v;
}

/** Paths pino must censor in every log line. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.writeKey',
  '*.accessToken',
  '*.apiKey',
  '*.token',
  'settings.*',
];
