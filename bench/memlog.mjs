/**
 * Memory sampler for the benchmarks' server processes: `BENCH_MEMLOG=file://$PWD/bench/memlog.mjs npx tsx
 * bench/ingest/run.ts`. Preloaded with `--import`, so it runs in the main thread and in every worker thread; every
 * 50 ms it samples RSS and, at the highest RSS seen, the isolate's heap by space. At exit it prints one MEMPEAK line
 * per thread (heap figures are that thread's isolate; RSS is the process's).
 */
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const mb = (n) => Math.round(n / 1048576);
let peak = { rss: 0 };
const timer = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss <= peak.rss) return;
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name.replace('_space', ''), mb(s.space_size)]));
  peak = { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, spaces };
}, 50);
timer.unref();
process.on('exit', () => {
  const p = peak;
  console.log(`MEMPEAK ${isMainThread ? 'main' : 'worker'} rss ${mb(p.rss)} heapTotal ${mb(p.heapTotal ?? 0)} heapUsed ${mb(p.heapUsed ?? 0)} external ${mb(p.external ?? 0)} arrayBuffers ${mb(p.arrayBuffers ?? 0)} spaces ${JSON.stringify(p.spaces ?? {})}`);
});
