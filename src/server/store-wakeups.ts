/**
 * Worker factory (issue 10): when the store offers wake-up hints from other processes (PostgreSQL LISTEN/NOTIFY,
 * store/wakeup-types.ts), wake this process's deliverer on each one, so deliveries committed by an ingest-only
 * process (`serve --no-workers`) on another machine go out without waiting for the deliverer's idle poll. The hint
 * only shortens the wait: the deliverer keeps polling, so a missed notification costs latency, never an event.
 * Undefined (no worker) for a store without hints (SQLite: ingest wakes the deliverer in-process) or without a
 * deliverer.
 */
import { hasWakeups } from '../store/wakeup-types.js';
import type { AppCore } from './types.js';
import type { Worker } from './workers.js';

export function attachStoreWakeups(app: AppCore): Worker | undefined {
  const store = app.store;
  if (!hasWakeups(store)) return undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'store-wakeups',
    async start() {
      // app.delivery is read at each hint: a live reload replaces the deliverer behind it.
      unsubscribe = store.onWake(() => app.delivery?.wake());
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
