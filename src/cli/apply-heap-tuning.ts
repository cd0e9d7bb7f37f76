/**
 * Side effect only, the first import of cli/main.ts: for the long-running commands (`serve`, `worker`) the heap is
 * tuned (core/heap-tuning.ts) before the other modules run, so the old-generation setting covers start-up too and
 * the young-generation watch sees every collection. One-shot commands (`sync run` with its large diff map, `check`,
 * …) are left alone. The command is the first argument that is not an option (the program has no global options
 * taking a value).
 */
import { tuneHeap } from '../core/heap-tuning.js';

const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (command === 'serve' || command === 'worker') {
  try {
    tuneHeap();
  } catch (err) {
    process.stderr.write(`optirelay: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
