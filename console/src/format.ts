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

export function pretty(v: unknown): string {
  return JSON.stringify(v, null, 2) ?? 'undefined';
}
