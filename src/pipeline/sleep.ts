/** Timer helpers for the pipeline loops: every wait can be cut short by a signal (stop) or a wake-up. */

/** Sleep `ms`; resolves early (never rejects) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A re-armable wake-up: `wait(ms)` resolves after ms or at the next `wake()`, whichever is first. A wake that
 * happens while nobody waits is remembered, so it is never lost between a check and the wait.
 */
export class Waker {
  private pending = false;
  private resolver: (() => void) | undefined;

  wake(): void {
    if (this.resolver) {
      const r = this.resolver;
      this.resolver = undefined;
      r();
    } else {
      this.pending = true;
    }
  }

  /** Drop a remembered wake (the caller is about to look for work anyway). */
  clear(): void {
    this.pending = false;
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending || signal?.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        if (t) clearTimeout(t);
        signal?.removeEventListener('abort', done);
        if (this.resolver === done) this.resolver = undefined;
        resolve();
      };
      const t = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : undefined;
      signal?.addEventListener('abort', done, { once: true });
      this.resolver = done;
    });
  }
}
