import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEAP_FLAGS, WORKER_YOUNG_MB, YOUNG_CAP_MB } from '../../src/core/heap-tuning.js';

const root = path.resolve(__dirname, '../..');

/** Runs the fixture in a child process (V8 flags are per process: the test runner's own heap is left alone). */
function run(env: NodeJS.ProcessEnv): { flags: string[]; peakYoungMb: number; worker: { maxYoungGenerationSizeMb: number } | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/ops/fixtures/young-generation.ts'], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ReturnType<typeof run>;
}

describe('heap tuning (core/heap-tuning.ts)', () => {
  it('caps the young generation (also under load and after a worker thread resets the V8 flags) and bounds worker threads', () => {
    const tuned = run({ OPTIRELAY_V8_FLAGS: undefined });
    expect(tuned.flags).toEqual(DEFAULT_HEAP_FLAGS.split(' '));
    expect(tuned.peakYoungMb).toBeLessThanOrEqual(YOUNG_CAP_MB);
    expect(tuned.worker).toEqual({ maxYoungGenerationSizeMb: WORKER_YOUNG_MB });
  });

  it('OPTIRELAY_V8_FLAGS=off leaves V8 alone (the same load then grows the young generation past the cap)', () => {
    const off = run({ OPTIRELAY_V8_FLAGS: 'off' });
    expect(off.flags).toEqual([]);
    expect(off.worker).toBeNull();
    expect(off.peakYoungMb).toBeGreaterThan(YOUNG_CAP_MB);
  });

  it('a malformed OPTIRELAY_V8_FLAGS stops `serve` before it starts, with a message naming the variable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', 'examples/quickstart/optirelay.yaml', '--port', '0'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, OPTIRELAY_V8_FLAGS: 'heap-growing-percent=50' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('OPTIRELAY_V8_FLAGS: "heap-growing-percent=50" is not a V8 flag');
    expect(r.stdout).not.toContain('listening');
  });
});
