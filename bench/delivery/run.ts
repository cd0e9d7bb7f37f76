/**
 * End-to-end delivery benchmark: `/v1/batch` → SQLite → deliverer → FX trackEvent → the sandbox's Event API.
 *   npx tsx bench/delivery/run.ts [--mode e2e|drain|all] [--events 200000] [--concurrency 8] [--backlog 1000000]
 * The server (`optirelay serve`, through tsx) and the sandbox (bench/delivery/sandbox-child.ts) each run in their
 * own child process, so CPU and RSS are per process; this process is the load generator and the observer.
 * - e2e: posts `events` realistic track events (analytics-node shape, keys purchase / signup / add_to_cart, ~650
 *   bytes) in 100-event batches, `concurrency` requests in flight, and samples the sandbox's accepted conversions
 *   every 250 ms. Sustained conversions/s = the rate between 10 % and 90 % of the conversions arriving. Also: Event
 *   API requests per 10,000 conversions, the server's peak RSS (VmHWM) and CPU.
 * - drain: appends `backlog` events with their deliveries straight into the store (appendEvents, before the server
 *   starts), then starts the server and times the drain to the sandbox; the server's peak RSS.
 * Checks at the end: the sandbox counted every conversion once (no duplicates, nothing missing).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { DEMO } from '../../src/sandbox/demo.js';
import { openStore } from '../../src/store/open.js';
import type { AppendInput } from '../../src/store/types.js';
import { procStats } from '../proc-stats.js';

const REPO = resolve(import.meta.dirname, '../..');
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const modeIdx = process.argv.indexOf('--mode');
const mode = modeIdx > 0 ? process.argv[modeIdx + 1]! : 'all';
const EVENTS = arg('events', 200_000);
const CONCURRENCY = arg('concurrency', 32);
/** The server runs compiled (as in production): src is compiled here first. `--tsx` runs it through tsx instead. */
const DIST = '.tmp/bench-delivery-dist';
const USE_TSX = process.argv.includes('--tsx');
/** `--profile DIR`: the server runs with --cpu-prof, its profile written to DIR when it stops. */
const profIdx = process.argv.indexOf('--profile');
const PROFILE = profIdx > 0 ? resolve(process.argv[profIdx + 1]!) : undefined;
const BACKLOG = arg('backlog', 1_000_000);
const WRITE_KEY = 'wk_bench_delivery';
const ADMIN = 'bench-delivery-admin';
const KEYS = ['purchase', 'signup', 'add_to_cart'];
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

function trackEvent(i: number, messageId: string, ts: string): Record<string, unknown> {
  return {
    type: 'track',
    event: KEYS[i % KEYS.length],
    userId: `user-${(i * 7919) % 50_000}`,
    anonymousId: `0b7c1d8e-5f2a-4c3b-9d1e-${String(i % 1e12).padStart(12, '0')}`,
    messageId,
    timestamp: ts,
    properties: { order_id: `ord-${i}`, revenue: 4250 + (i % 100), value: 42.5, currency: 'USD', category: 'Shoes', quantity: 2 },
    context: { library: { name: '@segment/analytics-node', version: '3.1.0' }, ip: '203.0.113.57', userAgent: UA, locale: 'en-US', traits: { plan: i % 3 ? 'pro' : 'free', country: 'DE' } },
    integrations: {},
    _metadata: { nodeVersion: '20.19.0', jsRuntime: 'node' },
  };
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Child {
  p: ChildProcess;
  out: string[];
}
function startChild(args: string[], env: Record<string, string> = {}, tsx = true): Child {
  const p = spawn(process.execPath, [...(tsx ? ['--import', 'tsx'] : []), ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  p.stdout!.on('data', (c: Buffer) => out.push(c.toString()));
  p.stderr!.on('data', (c: Buffer) => out.push(c.toString()));
  return { p, out };
}
async function waitFor(url: string, what: string, child: Child): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (child.p.exitCode !== null) throw new Error(`${what} exited:\n${child.out.join('')}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${what} did not start:\n${child.out.join('')}`);
}
async function stopChild(c: Child): Promise<void> {
  if (c.p.exitCode !== null || c.p.signalCode !== null) return;
  const done = new Promise((r) => c.p.once('exit', r));
  c.p.kill('SIGTERM');
  await Promise.race([done, sleep(15_000)]);
  if (c.p.exitCode === null) c.p.kill('SIGKILL');
}

interface SandboxStats {
  eventApiRequests: number;
  eventApiFailures: number;
  accepted: number;
}

async function setup(dir: string): Promise<{ sandboxUrl: string; sandbox: Child; configFile: string; serverPort: number }> {
  const sbPort = await freePort();
  const sandbox = startChild(['bench/delivery/sandbox-child.ts', String(sbPort)]);
  const sandboxUrl = `http://127.0.0.1:${sbPort}`;
  await waitFor(`${sandboxUrl}/_bench/stats`, 'sandbox', sandbox);
  const configFile = join(dir, 'optirelay.yaml');
  writeFileSync(
    configFile,
    `store: sqlite:${dir}/optirelay.db
dataDir: ${dir}
admin: { token: ${ADMIN} }
sources:
  - { id: web, writeKey: ${WRITE_KEY} }
destinations:
  - id: fx
    type: optimizely-feature-experimentation
    settings: { accountId: "${DEMO.accountId}", dataFileUrl: "${sandboxUrl}/datafiles/${DEMO.sdkKey}.json" }
    endpoints: { eventApi: "${sandboxUrl}/v1/events" }
    mappings:
      - { id: conversions, action: trackEvent, trigger: 'type = "track"' }
`,
  );
  return { sandboxUrl, sandbox, configFile, serverPort: await freePort() };
}

function startServer(configFile: string, port: number): Child {
  const common = ['serve', '--config', configFile, '--port', String(port), '--host', '127.0.0.1'];
  if (USE_TSX) return startChild(['src/cli/main.ts', ...common], { LOG_LEVEL: 'warn' });
  const prof = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : [];
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  return startChild([...flags, ...prof, join(DIST, 'cli/main.js'), ...common], { LOG_LEVEL: 'warn' }, false);
}

async function sandboxStats(url: string): Promise<SandboxStats> {
  return (await (await fetch(`${url}/_bench/stats`)).json()) as SandboxStats;
}

async function checkConversions(url: string, expected: number): Promise<string> {
  const all = (await (await fetch(`${url}/_bench/conversions`)).json()) as Record<string, { total: number; duplicates: number }>;
  const total = Object.values(all).reduce((s, c) => s + c.total, 0);
  const dups = Object.values(all).reduce((s, c) => s + c.duplicates, 0);
  return `sandbox counted ${total} conversions (${total === expected ? 'all' : `EXPECTED ${expected}`}), ${dups} duplicate uuids`;
}

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

async function e2e(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'optirelay-bench-delivery-'));
  const { sandboxUrl, sandbox, configFile, serverPort } = await setup(dir);
  const server = startServer(configFile, serverPort);
  const url = `http://127.0.0.1:${serverPort}`;
  try {
    await waitFor(`${url}/healthz`, 'server', server);
    const pid = server.p.pid!;
    const cpu0 = procStats(pid).cpuS;
    const sbCpu0 = procStats(sandbox.p.pid!).cpuS;
    const requests = Math.ceil(EVENTS / 100);
    const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
    const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
    let next = 0;
    let failed = 0;
    let bytes = 0;
    const samples: { t: number; accepted: number }[] = [];
    let loadDone = false;
    const t0 = performance.now();
    const sampler = (async () => {
      for (;;) {
        const s = await sandboxStats(sandboxUrl);
        samples.push({ t: performance.now() - t0, accepted: s.accepted });
        if (loadDone && s.accepted >= requests * 100) return;
        if (loadDone && performance.now() - t0 > 30 * 60_000) return;
        await sleep(250);
      }
    })();
    let peakRss = 0;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, procStats(pid).rssMb)), 200);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests) {
          const r = next++;
          const ts = new Date().toISOString();
          const batch = Array.from({ length: 100 }, (_, k) => trackEvent(r * 100 + k, randomUUID(), ts));
          const body = JSON.stringify({ batch, sentAt: ts });
          bytes += body.length;
          const res = await pool.request({ path: '/v1/batch', method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body });
          await res.body.text();
          if (res.statusCode !== 200) failed++;
        }
      }),
    );
    const ingestS = (performance.now() - t0) / 1000;
    loadDone = true;
    await sampler;
    clearInterval(rssTimer);
    await pool.close();
    const total = requests * 100;
    const at = (frac: number): number => samples.find((s) => s.accepted >= total * frac)?.t ?? NaN;
    const t10 = at(0.1);
    const t90 = at(0.9);
    const sustained = (0.8 * total) / ((t90 - t10) / 1000);
    const endS = at(1) / 1000;
    const st = await sandboxStats(sandboxUrl);
    const ps = procStats(pid);
    const sbPs = procStats(sandbox.p.pid!);
    console.log(`\n== e2e: ${total} track events in ${requests} /v1/batch requests of 100 (${Math.round(bytes / total)} bytes/event), ${CONCURRENCY} in flight${failed ? `, ${failed} FAILED` : ''}`);
    console.log(`ingest: ${Math.round(total / ingestS)} events/s (${ingestS.toFixed(1)} s)`);
    console.log(`conversions: sustained ${Math.round(sustained)} /s (10 %→90 % of arrivals); all ${total} at the sandbox after ${endS.toFixed(1)} s (${Math.round(total / endS)} /s overall)`);
    console.log(`Event API: ${st.eventApiRequests} requests (${st.eventApiFailures} failed) = ${((st.eventApiRequests / total) * 10_000).toFixed(1)} per 10,000 events (${Math.round(total / st.eventApiRequests)} visitors per request)`);
    console.log(`server: peak RSS ${ps.peakRssMb.toFixed(0)} MB (VmHWM; sampled RSS peak ${peakRss.toFixed(0)} MB), CPU ${(ps.cpuS - cpu0).toFixed(1)} s = ${(((ps.cpuS - cpu0) / total) * 1e6).toFixed(0)} µs per event (ingest + delivery)`);
    console.log(`sandbox: CPU ${(sbPs.cpuS - sbCpu0).toFixed(1)} s, peak RSS ${sbPs.peakRssMb.toFixed(0)} MB`);
    console.log(await checkConversions(sandboxUrl, total));
    console.log(`load average ${load()} on ${cpus().length} cores`);
  } finally {
    await stopChild(server);
    await stopChild(sandbox);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function drain(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'optirelay-bench-drain-'));
  try {
    // 1. The backlog, straight into the store (as ingest would have written it while the destination was down).
    const tA = performance.now();
    const store = await openStore(`sqlite:${dir}/optirelay.db`);
    const appends = Math.ceil(BACKLOG / 1000);
    let n = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < appends) {
          next++;
          const now = Date.now();
          const ts = new Date(now).toISOString();
          const input: AppendInput = {
            sourceId: 'web',
            now,
            dedupWindowMs: 86_400_000,
            events: Array.from({ length: 1000 }, () => {
              const i = n++;
              const e = { ...trackEvent(i, randomUUID(), ts), receivedAt: ts, sentAt: ts, originalTimestamp: ts };
              return { event: e as unknown as AppendInput['events'][number]['event'], deliveries: [{ destinationId: 'fx', mappingId: 'conversions', action: 'trackEvent' }] };
            }),
            rejected: [],
            suppressed: 0,
          };
          await store.appendEvents(input);
        }
      }),
    );
    await store.close();
    const total = appends * 1000;
    console.log(`\n== drain: ${total} deliveries queued in ${((performance.now() - tA) / 1000).toFixed(0)} s (appendEvents)`);

    // 2. Sandbox + server; time the drain.
    const { sandboxUrl, sandbox, configFile, serverPort } = await setup(dir);
    const t0 = performance.now();
    const server = startServer(configFile, serverPort);
    try {
      const pid = server.p.pid!;
      let first = NaN;
      let peakRss = 0;
      for (;;) {
        await sleep(500);
        if (server.p.exitCode !== null) throw new Error(`server exited:\n${server.out.join('')}`);
        peakRss = Math.max(peakRss, procStats(pid).rssMb);
        const s = await sandboxStats(sandboxUrl).catch(() => undefined);
        if (!s) continue;
        if (s.accepted > 0 && Number.isNaN(first)) first = performance.now();
        if (s.accepted >= total) break;
        if (performance.now() - t0 > 60 * 60_000) throw new Error(`drain did not finish: ${s.accepted}/${total}`);
      }
      const end = performance.now();
      const ps = procStats(pid);
      const st = await sandboxStats(sandboxUrl);
      const drainS = (end - first) / 1000;
      console.log(`drained: ${total} conversions at the sandbox ${((end - t0) / 1000).toFixed(1)} s after the server started; ${drainS.toFixed(1)} s from the first conversion = ${Math.round(total / drainS)} /s`);
      console.log(`Event API: ${st.eventApiRequests} requests = ${((st.eventApiRequests / total) * 10_000).toFixed(1)} per 10,000 (${Math.round(total / st.eventApiRequests)} visitors per request)`);
      console.log(`server: peak RSS ${ps.peakRssMb.toFixed(0)} MB (VmHWM; sampled ${peakRss.toFixed(0)} MB), CPU ${ps.cpuS.toFixed(1)} s = ${((ps.cpuS / total) * 1e6).toFixed(0)} µs per delivery (incl. start-up)`);
      console.log(await checkConversions(sandboxUrl, total));
      console.log(`load average ${load()} on ${cpus().length} cores`);
    } finally {
      await stopChild(server);
      await stopChild(sandbox);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!USE_TSX) {
  console.log(`compiling src → ${DIST} …`);
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', DIST], { cwd: REPO, stdio: 'ignore' });
  } catch {
    // tsc exits non-zero on type errors elsewhere in the tree but still emits; a missing entry point is caught below.
  }
  if (!existsSync(join(REPO, DIST, 'cli/main.js'))) throw new Error(`compilation produced no ${DIST}/cli/main.js; run with --tsx`);
}
if (mode === 'e2e' || mode === 'all') await e2e();
if (mode === 'drain' || mode === 'all') await drain();
