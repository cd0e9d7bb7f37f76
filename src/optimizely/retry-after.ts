/**
 * How long an API asked us to wait: `Retry-After` (delta-seconds or an HTTP date) or `X-RateLimit-Reset`
 * (a Unix timestamp in seconds, as the REST v2 API documented it). Returns undefined when neither is usable.
 */
export type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  if (Array.isArray(v)) return v[0];
  return v;
}

/** Clamp so a hostile or broken header cannot park a lane for days. */
const MAX_WAIT_MS = 60 * 60 * 1000;

export function parseRetryAfterMs(headers: HeaderBag, nowMs: number = Date.now()): number | undefined {
  const ra = header(headers, 'retry-after')?.trim();
  if (ra) {
    if (/^\d+(\.\d+)?$/.test(ra)) return clamp(Math.round(Number(ra) * 1000));
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return clamp(at - nowMs);
  }
  const reset = header(headers, 'x-ratelimit-reset')?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const n = Number(reset);
    // A reset far below "now in seconds" is a delta in seconds, not an epoch (some APIs send either).
    const atMs = n > 1_000_000_000 ? n * 1000 : nowMs + n * 1000;
    return clamp(atMs - nowMs);
  }
  return undefined;
}

function clamp(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_WAIT_MS);
}
