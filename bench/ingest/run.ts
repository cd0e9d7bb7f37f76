/**
 * Ingest benchmark (`npx tsx bench/ingest/run.ts [--requests N] [--concurrency C] [--batch B]`).
 *
 * Starts, each in its own child process so RSS and CPU are measured fairly and the load generator does not share
 * their event loop:
 *  1. the real server (`optirelay serve`, SQLite store in a temp dir, WAL + synchronous=FULL group commit, one
 *     source and an FX destination whose trackEvent mapping matches the track events, no workers);
 *  2. the ceiling: a bare Fastify route that only parses the JSON.
 * Then drives POST /v1/batch on each with `batch`-event batches of realistic ~600-byte events through undici,
 * `concurrency` requests in flight, for a fixed number of requests (after a warm-up), and prints events/s,
 * p50/p99 request latency, the ratio to the ceiling and the server's peak RSS (VmHWM), CPU time and disk writes.
 * Options: --requests 3000 --warmup 300 --concurrency 48 --batch 100 --commit-window 2ms --only real --tsx 1;
 * env BENCH_PROFILE=<dir> writes a CPU profile of the server, BENCH_MEMLOG=file://$PWD/bench/memlog.mjs preloads the
 * memory sampler (MEMPEAK lines per thread).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { procStats, threadCpu, threadReport } from '../proc-stats.js';
import { batchTemplate } from './events.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const REQUESTS = Number(args.get('requests') ?? 3000);
const WARMUP = Number(args.get('warmup') ?? 300);
const CONCURRENCY = Number(args.get('concurrency') ?? 48);
const BATCH = Number(args.get('batch') ?? 100);
const WRITE_KEY = 'bench_write_key_0001';
/** Compiled JS (as `node bin/optirelay.js` runs in production) unless --tsx 1: tsx's loader thread adds ~40 MB RSS. */
const USE_TSX = args.get('tsx') === '1';
const DIST = '.tmp/bench-dist';

/** The ceiling: a bare Fastify route that only parses the JSON (Fastify's default parser), nothing else. */
const CEILING = `
import Fastify from 'fastify';
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/v1/batch', async (req) => ({ success: Array.isArray(req.body.batch) }));
await app.listen({ port: 0, host: '127.0.0.1' });
console.log('listening on http://127.0.0.1:' + app.server.address().port);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
`;

interface Child {
  proc: ChildProcess;
  url: string;
}

async function start(cmd: string[], env: NodeJS.ProcessEnv): Promise<Child> {
  const proc = spawn(process.execPath, cmd, { cwd: process.cwd(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(t);
        resolve(m[1]);
      }
    }, 20);
    proc.on('exit', (code) => {
      clearInterval(t);
      reject(new Error(`child exited (${code}):\n${out}`));
    });
  });
  return { proc, url };
}

interface Result {
  requests: number;
  events: number;
  seconds: number;
  eventsPerS: number;
  p50Ms: number;
  p99Ms: number;
  non200: number;
}

const template = batchTemplate(BATCH);
let seq = 0;
function body(): string {
  return template.parts.join(`${process.pid}-${++seq}`).replace('%%SENT%%', new Date().toISOString());
}

async function drive(url: string, requests: number): Promise<Result> {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  const latencies: number[] = [];
  let non200 = 0;
  let next = 0;
  const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests) {
      next++;
      const payload = body();
      const s = performance.now();
      const res = await pool.request({ path: '/v1/batch', method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: payload });
      await res.body.text();
      latencies.push(performance.now() - s);
      if (res.statusCode !== 200) non200++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 10) / 10;
  return { requests, events: requests * BATCH, seconds: Math.round(seconds * 100) / 100, eventsPerS: Math.round((requests * BATCH) / seconds), p50Ms: pct(0.5), p99Ms: pct(0.99), non200 };
}

async function stop(c: Child): Promise<void> {
  const show = (d: Buffer): void => {
    for (const line of d.toString().split('\n')) if (line.includes('MEMPEAK') || line.includes('group commit totals')) console.log(line.trim());
  };
  c.proc.stderr?.on('data', show);
  c.proc.stdout?.on('data', show);
  const exited = new Promise((r) => c.proc.on('exit', r));
  c.proc.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'optirelay-bench-'));
  const config = join(dir, 'optirelay.yaml');
  writeFileSync(
    config,
    `store: sqlite:${dir}/optirelay.db
dataDir: ${dir}
admin: { token: bench-admin-token }
ingest: { commitWindow: ${args.get('commit-window') ?? '2ms'} }
sources:
  - { id: bench, writeKey: ${WRITE_KEY} }
destinations:
  - id: fx
    type: optimizely-feature-experimentation
    settings: { accountId: "10000000001", dataFileUrl: "http://127.0.0.1:9/datafile.json" }
    mappings:
      - { id: conversions, action: trackEvent }
`,
  );
  console.log(`ingest bench: ${REQUESTS} requests × ${BATCH} events (avg ${template.avgEventBytes} B/event, ${Math.round(template.parts.join('x').length / 1024)} KB/request), ${CONCURRENCY} in flight, warm-up ${WARMUP}`);
  try {
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
    if (!USE_TSX) {
      console.log(`compiling src to ${DIST} …`);
      try {
        execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', DIST], { stdio: 'ignore' });
      } catch {
        // tsc exits non-zero on type errors but still emits; a missing entry point is caught by start()
      }
    }
    const entry = USE_TSX ? ['--import', 'tsx', 'src/cli/main.ts'] : [...(process.env.BENCH_MEMLOG ? ['--import', process.env.BENCH_MEMLOG] : []), `${DIST}/cli/main.js`];
    // BENCH_SERVER_NODE_FLAGS="--max-semi-space-size=4 …": Node/V8 flags for the server process only (as in bench/delivery).
    const nodeFlags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const real = await start([...nodeFlags, ...profile, ...entry, 'serve', '--config', config, '--port', '0', '--host', '127.0.0.1', '--no-workers'], { LOG_LEVEL: 'info' });
    await drive(real.url, WARMUP);
    const before = procStats(real.proc.pid as number);
    const cpu0 = before.cpuS;
    const threads0 = threadCpu(real.proc.pid as number);
    const gen0 = process.cpuUsage();
    const r = await drive(real.url, REQUESTS);
    const gen = process.cpuUsage(gen0);
    console.log(`load generator CPU: ${((gen.user + gen.system) / 1e6).toFixed(2)} s (${((gen.user + gen.system) / r.events).toFixed(1)} µs/event)`);
    const rs = procStats(real.proc.pid as number);
    console.log(`server threads: ${threadReport(threads0, threadCpu(real.proc.pid as number), r.events)}`);
    console.log(`server disk writes during the run: ${rs.writeMb - before.writeMb} MB (${Math.round(((rs.writeMb - before.writeMb) * 1e6) / r.events)} bytes/event)`);
    const statsRes = await fetch(`${real.url}/admin/v1/stats`, { headers: { authorization: 'Bearer bench-admin-token' } });
    const stats = ((await statsRes.json()) as { total: { accepted: number } }).total;
    await stop(real);

    if (args.get('only') === 'real') {
      console.log(`optirelay /v1/batch: ${r.eventsPerS} ev/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  server CPU ${(rs.cpuS - cpu0).toFixed(1)} s  peak RSS ${rs.peakRssMb} MB`);
      return;
    }
    const ceil = await start(['--input-type=module', '-e', CEILING], {});
    await drive(ceil.url, WARMUP);
    const c0 = procStats(ceil.proc.pid as number).cpuS;
    const c = await drive(ceil.url, REQUESTS);
    const cs = procStats(ceil.proc.pid as number);
    await stop(ceil);

    const row = (name: string, x: Result, s: { peakRssMb: number; cpuS: number; writeMb: number }, cpuBase: number): string =>
      `${name.padEnd(22)} ${String(x.eventsPerS).padStart(9)} ev/s  p50 ${String(x.p50Ms).padStart(6)} ms  p99 ${String(x.p99Ms).padStart(6)} ms  ` +
      `server CPU ${(s.cpuS - cpuBase).toFixed(1)} s / ${x.seconds} s (${(((s.cpuS - cpuBase) * 1e6) / x.events).toFixed(1)} µs/event)  peak RSS ${s.peakRssMb} MB  non-200 ${x.non200}`;
    console.log(row('optirelay /v1/batch', r, rs, cpu0));
    console.log(row('ceiling (JSON parse)', c, cs, c0));
    const ratio = Math.round((r.eventsPerS / c.eventsPerS) * 1000) / 10;
    console.log(`ratio to ceiling: ${ratio} %   stored (accepted): ${stats.accepted} of ${(WARMUP + REQUESTS) * BATCH}`);
    const ok = r.eventsPerS >= 30_000 && ratio >= 50 && rs.peakRssMb <= 200 && r.non200 === 0;
    console.log(`targets (≥30,000 ev/s, ≥50 % of ceiling, RSS ≤200 MB): ${ok ? 'met' : 'NOT met'}`);
    console.log(JSON.stringify({ optirelay: { ...r, ...rs }, ceiling: { ...c, ...cs }, ratioPct: ratio, avgEventBytes: template.avgEventBytes, concurrency: CONCURRENCY }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
