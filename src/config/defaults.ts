/** Defaults for every optional key (docs/configuration.md lists the same values). Durations in ms. */
export const DEFAULTS = {
  dataDir: './data',
  server: { port: 8080, host: '0.0.0.0' },
  ingest: { dedupWindowMs: 24 * 3_600_000, commitWindowMs: 2 },
  delivery: { maxAttempts: 10, maxAgeMs: 24 * 3_600_000, leaseMs: 30_000, backoffBaseMs: 1_000, backoffMaxMs: 10 * 60_000, timeoutMs: 30_000 },
  retention: { deliveredMs: 7 * 86_400_000, rejectedMs: 30 * 86_400_000, deadMs: 30 * 86_400_000, intervalMs: 60_000 },
  /** Sync mode when none is given: upsert for objects; add (never removes anyone) for list attributes. */
  syncMode: { audience: 'upsert', attribute: 'upsert', customEvent: 'upsert', listAttribute: 'add' },
} as const;

export function defaultStore(dataDir: string): string {
  return `sqlite:${dataDir.replace(/\/+$/, '')}/optirelay.db`;
}
