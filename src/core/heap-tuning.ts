/**
 * V8 heap tuning for optirelay's long-running commands, `serve` and `worker` (cli/apply-heap-tuning.ts calls tuneHeap()
 * before the other modules load; docs/operations.md#sizing has the measurements). One-shot commands are left alone.
 *
 * Left alone, a busy `serve` lets V8 grow the main isolate's young generation to 32 MB and its old generation to
 * ~2.5× the live size before a full collection, which alone puts peak RSS past the 200 MB target. Two V8 flags, read
 * by the collector each time it sizes a space, so they work when set at run time:
 * - `--heap-growing-percent=50`: the old generation may grow 50 % past its live size before a full collection;
 * - `--semi-space-growth-factor=1`, set once the main young generation has reached YOUNG_FREEZE_MB (8 MB): it stops
 *   growing there (≤ YOUNG_CAP_MB, 16 MB, if a collection is observed late). V8 clamps this flag to ≥ 2 whenever an
 *   isolate is created (so it cannot be given on the command line, and starting a worker thread undoes it): it is set
 *   at run time and again after starting a thread (`reapplyHeapTuning`).
 * Worker threads get their young generation bounded by `resourceLimits` instead (`beforeWorkerStart`).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

export const DEFAULT_HEAP_FLAGS = '--heap-growing-percent=50';
/**
 * The main isolate's young generation (two semi-spaces) is frozen once a collection has left it at least this big.
 * The GC observer runs after the collection, and on a busy machine one more collection may have doubled it by then
 * (seen in 4 of 12 runs of the test fixture with both cores saturated when freezing at 16), so the bound is
 * YOUNG_CAP_MB = 2 × this.
 */
export const YOUNG_FREEZE_MB = 8;
export const YOUNG_CAP_MB = 2 * YOUNG_FREEZE_MB;
/** A worker thread's young generation limit (V8 sizes its semi-spaces from it). */
export const WORKER_YOUNG_MB = 12;
/** `--min-semi-space-size` for worker threads: where their young generation starts (V8's default start is 1). */
export const WORKER_MIN_SEMI_SPACE_MB = 4;

let applied: string[] = [];
let tuned = false;
let youngCapped = false;
let observer: PerformanceObserver | undefined;

/**
 * Applies OPTIRELAY_V8_FLAGS (space-separated V8 flags) or the defaults and caps the young generation;
 * `OPTIRELAY_V8_FLAGS=off` does neither.
 */
export function tuneHeap(env: NodeJS.ProcessEnv = process.env): string[] {
  const spec = (env.OPTIRELAY_V8_FLAGS ?? DEFAULT_HEAP_FLAGS).trim();
  const flags = spec === 'off' ? [] : spec.split(/\s+/).filter(Boolean);
  const bad = flags.find((f) => !/^--[a-z0-9_-]+(=\S+)?$/i.test(f));
  if (bad) throw new Error(`OPTIRELAY_V8_FLAGS: "${bad}" is not a V8 flag; give flags like "--heap-growing-percent=50", separated by spaces, or "off"`);
  observer?.disconnect();
  observer = undefined;
  tuned = spec !== 'off';
  applied = flags;
  if (!tuned) return applied;
  reapplyHeapTuning();
  // After each collection: once the young generation has grown to YOUNG_FREEZE_MB, freeze it.
  const watch = new PerformanceObserver(() => {
    if (youngCapped || newSpaceMb() < YOUNG_FREEZE_MB) return;
    youngCapped = true;
    watch.disconnect();
    reapplyHeapTuning();
  });
  watch.observe({ entryTypes: ['gc'] });
  observer = watch;
  return applied;
}

/** Sets the chosen flags again (no-op when tuneHeap() never ran, e.g. in tests or when used as a library). */
export function reapplyHeapTuning(): void {
  for (const f of applied) v8.setFlagsFromString(f);
  if (youngCapped) v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Call right before starting a worker thread; returns its `resourceLimits` (undefined when tuning is off). The young
 * generation is bounded by WORKER_YOUNG_MB and starts at WORKER_MIN_SEMI_SPACE_MB semi-spaces (`--min-semi-space-size`,
 * read when an isolate is created): the freeze in tuneHeap() stops growth process-wide, usually while the thread is
 * still at V8's initial size, which cost the store worker ~10 % more CPU in collections (measured with bench/ingest).
 */
export function beforeWorkerStart(): { maxYoungGenerationSizeMb: number } | undefined {
  if (!tuned) return undefined;
  v8.setFlagsFromString(`--min-semi-space-size=${WORKER_MIN_SEMI_SPACE_MB}`);
  return { maxYoungGenerationSizeMb: WORKER_YOUNG_MB };
}

function newSpaceMb(): number {
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  return (s?.space_size ?? 0) / 1048576;
}
