/**
 * Sync benchmark: `npx tsx bench/sync/run.ts [rows] [--rate]`.
 * 1. Diff of a 1,000,000-row model (SQLite warehouse, customEvent mapping: key + name + description + category)
 *    against an empty snapshot (first run: every row added, spilled to the scratch database), then — after the
 *    snapshot holds all 1M rows — against a model with 10,000 changed, 5,000 deleted and 5,000 new rows.
 *    Wall time per diff and its process's peak RSS (resourceUsage().maxRSS; each phase runs in a fresh process).
 * 2. With --rate: a 60-event customEvent sync against the sandbox at its default Feature Experimentation limits
 *    (2/s, 120/min): achieved request rate vs the limit, and the sandbox's own counters.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { computeDiff } from '../../src/sync/diff.js';
import { readSource } from '../../src/sync/sources/index.js';
import type { SyncConfig } from '../../src/config/types.js';

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const phaseArg = process.argv.find((a) => a.startsWith('--phase='))?.slice('--phase='.length);
const dirArg = process.argv.find((a) => a.startsWith('--dir='))?.slice('--dir='.length);
const dir = dirArg ?? mkdtempSync(path.join(tmpdir(), 'optirelay-bench-sync-'));

function buildWarehouse(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.exec('CREATE TABLE ev (key TEXT, name TEXT, description TEXT, category TEXT)');
  const ins = db.prepare('INSERT INTO ev VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < N; i++) ins.run(`event_${i}`, `Event number ${i}`, `Description of event ${i}`, 'other');
  })();
  db.close();
}

const SYNC = (wh: string): SyncConfig => ({
  id: 'bench',
  source: { type: 'sqlite', path: wh, query: 'select key, name, description, category from ev' },
  primaryKey: 'key',
  destination: 'rest',
  object: 'customEvent',
  mode: 'upsert',
  fields: {},
  target: {},
  enabled: true,
});

/** One phase in a fresh process, so each peak RSS is the phase's own (a child prints one JSON line). */
function phase(name: string, work: string): Record<string, number> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--phase=${name}`, `--dir=${work}`, String(N)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

async function runPhase(name: string, work: string): Promise<void> {
  const wh = path.join(work, 'wh.db');
  const t = performance.now();
  const report = (extra: Record<string, number>): void =>
    void process.stdout.write(`${JSON.stringify({ ms: Math.round(performance.now() - t), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), ...extra })}\n`);
  if (name === 'build') {
    buildWarehouse(wh);
    return report({});
  }
  const store = new SqliteStore(path.join(work, 'store.db'));
  await store.migrate();
  try {
    if (name === 'diff') {
      const d = await computeDiff(SYNC(wh), store, readSource(SYNC(wh).source), { now: Date.now });
      const r = { rows: d.rowsRead, added: d.added, changed: d.changed, removed: d.removed, unchanged: d.unchanged };
      const ms = Math.round(performance.now() - t);
      // Hand the planned snapshot to the next phase (as if every operation had succeeded).
      if (process.argv.includes('--keep')) {
        const batch: { pk: string; hash: string }[] = [];
        for (const op of d.scratch.ops(10_000)) {
          if (op.hash === null) continue;
          batch.push({ pk: op.pk, hash: op.hash });
          if (batch.length === 10_000) await store.applySnapshot('bench', batch.splice(0));
        }
        await store.applySnapshot('bench', batch);
      }
      d.scratch.close();
      process.stdout.write(`${JSON.stringify({ ms, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), ...r })}\n`);
      return;
    }
    if (name === 'mutate') {
      const db = new Database(wh);
      db.exec(`UPDATE ev SET name = name || ' v2' WHERE rowid % 100 = 0; DELETE FROM ev WHERE rowid % 200 = 1;`);
      const ins = db.prepare('INSERT INTO ev VALUES (?, ?, ?, ?)');
      db.transaction(() => {
        for (let i = 0; i < 5000; i++) ins.run(`new_event_${i}`, `New ${i}`, null, 'other');
      })();
      db.close();
      return report({});
    }
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const b = phase('build', dir);
  console.log(`warehouse: ${N} rows built in ${(b.ms! / 1000).toFixed(1)} s`);
  const d1 = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--phase=diff', `--dir=${dir}`, '--keep', String(N)], { encoding: 'utf8' }).trim().split('\n').pop()!) as Record<string, number>;
  console.log(`diff 1 (empty snapshot): ${d1.added} added in ${(d1.ms! / 1000).toFixed(2)} s, peak RSS ${d1.peakRssMB} MB (snapshot then written for every row)`);
  phase('mutate', dir);
  const d2 = phase('diff', dir);
  console.log(`diff 2 (1M-row snapshot): rows ${d2.rows}, added ${d2.added}, changed ${d2.changed}, removed ${d2.removed}, unchanged ${d2.unchanged} in ${(d2.ms! / 1000).toFixed(2)} s, peak RSS ${d2.peakRssMB} MB`);
  console.log(JSON.stringify({ rows: N, diff1Ms: d1.ms, diff1PeakRssMB: d1.peakRssMB, diff2Ms: d2.ms, diff2PeakRssMB: d2.peakRssMB }));
}

async function rate(): Promise<void> {
  const { startSandbox } = await import('../../src/sandbox/index.js');
  const { configYaml, loadYaml, service, seedWithList } = await import('../../test/sync/helpers.js');
  const sb = await startSandbox({ seed: seedWithList() });
  const wh = path.join(dir, 'rate.db');
  const db = new Database(wh);
  db.exec(`CREATE TABLE ev (key TEXT, name TEXT); INSERT INTO ev SELECT 'rate_' || value, 'E' FROM json_each('[${Array.from({ length: 60 }, (_, i) => i).join(',')}]');`);
  db.close();
  const yaml = configYaml(
    sb,
    `  - id: rate
    source: { type: sqlite, path: ${wh}, query: "select key, name from ev" }
    primaryKey: key
    destination: rest
    object: customEvent`,
    { kindLimits: true },
  );
  const { svc, store } = await service(await loadYaml(dir, yaml));
  await svc.run('rate', { trigger: 'manual' });
  const [b] = sb.rate();
  const ts = b!.acceptedAt;
  const achieved = ((ts.length - 1) * 1000) / (ts[ts.length - 1]! - ts[0]!);
  console.log(
    `rate: ${b!.accepted} accepted, ${b!.rejected} rejected (429); achieved ${achieved.toFixed(3)} req/s vs limit 2/s (${((achieved / 2) * 100).toFixed(1)} %); max in any 1 s window ${b!.maxPerSecondObserved}, in any 60 s window ${b!.maxPerMinuteObserved}`,
  );
  await store.close();
  await sb.close();
}

if (phaseArg) await runPhase(phaseArg, dir);
else {
  try {
    if (process.argv.includes('--rate')) await rate();
    else await main();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
