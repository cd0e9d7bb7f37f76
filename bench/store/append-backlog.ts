/** Shared by the store benchmarks: append `total` events in 100-event appends, `concurrency` in flight (group commit). */
import type { SegmentEvent } from '../../src/core/event.js';
import type { AppendInput, Store } from '../../src/store/types.js';

export async function appendBacklog(store: Pick<Store, 'appendEvents'>, total: number, concurrency: number, event: (now: number) => SegmentEvent): Promise<void> {
  const requests = Math.ceil(total / 100);
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < requests) {
      next++;
      const now = Date.now();
      const input: AppendInput = {
        sourceId: 'bench',
        now,
        dedupWindowMs: 86_400_000,
        events: Array.from({ length: 100 }, () => ({
          event: event(now),
          deliveries: [{ destinationId: 'fx', mappingId: 'conversions', action: 'trackEvent' }],
        })),
        rejected: [],
        suppressed: 0,
      };
      await store.appendEvents(input);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
}
