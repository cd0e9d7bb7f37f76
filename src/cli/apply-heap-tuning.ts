/** Side effect only: the first import of cli/main.ts, so the heap flags are set before the other modules run. */
import { tuneHeap } from '../core/heap-tuning.js';

try {
  tuneHeap();
} catch (err) {
  process.stderr.write(`optirelay: ${(err as Error).message}\n`);
  process.exit(1);
}
