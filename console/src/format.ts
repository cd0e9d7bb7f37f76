export function fmtNum(n: number | undefined | null): string {
  if (n === undefined || n === null) return '–';
  return n.toLocaleString('en-US');
}

export function fmtAge(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return '–';
  if (ms <= 0) return '0 s';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60 ? `${s % 60} s` : ''}`.trim();
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60 ? `${m % 60} min` : ''}`.trim();
  return `${Math.floor(h / 24)} d`;
}

export function fmtTime(iso: string | undefined | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString('en-GB') : d.toLocaleString('en-GB');
}

export function ago(iso: string | undefined | null): string {
  if (!iso) return '–';
  return `${fmtAge(Date.now() - new Date(iso).getTime())} ago`;
}

/** JSON, indented; a string holding JSON (a request body sent pre-serialised) is shown parsed. */
export function pretty(v: unknown): string {
  if (typeof v === 'string') {
    const t = v.trim();
    if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
      try {
        return JSON.stringify(JSON.parse(t), null, 2);
      } catch {
        return v;
      }
    }
    return v;
  }
  return JSON.stringify(v, null, 2) ?? 'undefined';
}

/** A recorded request or response (method/url or status, headers, body) as HTTP-like text. */
export function httpText(x: unknown): string {
  if (!x || typeof x !== 'object') return pretty(x);
  const o = x as { method?: string; url?: string; status?: number; headers?: Record<string, unknown>; body?: unknown; [k: string]: unknown };
  const first = o.method ? `${o.method} ${o.url ?? ''}` : o.status !== undefined ? `HTTP ${o.status}` : '';
  const headers = Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${String(v)}`);
  const { method: _m, url: _u, status: _s, headers: _h, body, ...rest } = o;
  const extra = Object.keys(rest).length ? `\n\n${pretty(rest)}` : '';
  return `${[first, ...headers].filter(Boolean).join('\n')}${body !== undefined ? `\n\n${pretty(body)}` : ''}${extra}`;
}
