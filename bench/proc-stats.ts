/** Per-process and per-thread figures from /proc, for the benchmarks that run the server as a child process. */
import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime in seconds from a `/proc/…/stat` line (fields 14 and 15; the name in parentheses may hold spaces). */
function cpuOfStat(raw: string): number {
  const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Peak RSS (VmHWM) and current RSS in MB, CPU seconds, and MB written to disk so far. */
export function procStats(pid: number): { peakRssMb: number; rssMb: number; cpuS: number; writeMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const writeMb = Math.round(Number(/write_bytes:\s+(\d+)/.exec(io)?.[1] ?? 0) / 1e6);
  return { peakRssMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024), cpuS: cpuOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8')), writeMb };
}

export type ThreadCpu = Map<number, { name: string; cpuS: number }>;

/** CPU seconds per thread (tid → name and utime + stime), to tell the main thread from the store worker. */
export function threadCpu(pid: number): ThreadCpu {
  const out: ThreadCpu = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const raw = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      out.set(Number(tid), { name: raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')')), cpuS: cpuOfStat(raw) });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

/** The threads that used ≥ 0.1 s of CPU between two samples, busiest first. */
export function threadReport(a: ThreadCpu, b: ThreadCpu, events: number): string {
  const rows = [...b].map(([tid, t]) => ({ tid, name: t.name, s: t.cpuS - (a.get(tid)?.cpuS ?? 0) })).filter((r) => r.s >= 0.1);
  rows.sort((x, y) => y.s - x.s);
  return rows.map((r) => `${r.name}#${r.tid} ${r.s.toFixed(2)} s (${((r.s * 1e6) / events).toFixed(1)} µs/event)`).join(', ');
}
