/**
 * Optional store capability (issue 10): a hint that other processes committed new work (PostgreSQL LISTEN/NOTIFY).
 * Only a hint: a listener may miss notifications (reconnects), so the deliverer keeps polling; a notification only
 * shortens the wait. A single-process store (SQLite) does not need it: ingest wakes the deliverer directly.
 */
export interface StoreWakeups {
  /** Call `listener` whenever another process signals new deliveries. Returns an unsubscribe function. */
  onWake(listener: () => void): () => void;
}

export function hasWakeups(store: object): store is StoreWakeups {
  return typeof (store as Partial<StoreWakeups>).onWake === 'function';
}
