/** Helpers for the sync tests: a sandbox with a list attribute, a config written as YAML, a store, a warehouse. */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startSandbox, demoSeed, DEMO, type Sandbox, type SandboxSeed } from '../../src/sandbox/index.js';
import { loadAndValidate } from '../../src/cli/load-config.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { systemClock } from '../../src/core/clock.js';
import { SyncService } from '../../src/sync/service.js';
import type { OptirelayConfig } from '../../src/config/types.js';

export const LIST_ID = '50000000001';
export { DEMO };

export function seedWithList(content = ''): SandboxSeed {
  const seed = demoSeed();
  const web = seed.projects.find((p) => p.id === DEMO.webProjectId)!;
  web.listAttributes = [{ id: LIST_ID, name: 'vip_users', key_field: 'user_id', list_type: 'cookies', list_content: content }];
  return seed;
}

/** A sandbox with generous limits (tests that measure the limits start their own). */
export function fastSandbox(seed = seedWithList()): Promise<Sandbox> {
  return startSandbox({ seed, rateLimits: { fx: { perSecond: 1000, perMinute: 60_000 }, web: { perSecond: 1000, perMinute: 60_000 } } });
}

export function tmp(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'optirelay-sync-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RestOpts {
  web?: boolean;
  token?: string;
  projectId?: string;
  perSecond?: number;
  perMinute?: number;
  /** Keep the project kind's own limits (no overrides). */
  kindLimits?: boolean;
}

/** YAML for a config with one optimizely-rest destination `rest` and the given syncs (YAML text, indented 2). */
export function configYaml(sb: Sandbox, syncsYaml: string, o: RestOpts = {}): string {
  const settings = [
    `accessToken: ${o.token ?? DEMO.personalAccessToken}`,
    `projectId: "${o.projectId ?? (o.web ? DEMO.webProjectId : DEMO.projectId)}"`,
    `projectKind: ${o.web ? 'web' : 'feature-experimentation'}`,
    ...(o.kindLimits ? [] : [`requestsPerSecond: ${o.perSecond ?? 200}`, `requestsPerMinute: ${o.perMinute ?? 12000}`]),
  ];
  return `store: "sqlite::memory:"
sources: []
destinations:
  - id: rest
    type: optimizely-rest
    settings:
${settings.map((s) => `      ${s}`).join('\n')}
    endpoints:
      restApi: ${sb.endpoints.restApi}
syncs:
${syncsYaml}
`;
}

export async function loadYaml(dir: string, yaml: string): Promise<OptirelayConfig> {
  const file = path.join(dir, 'optirelay.yaml');
  writeFileSync(file, yaml);
  return (await loadAndValidate({ file, env: {} })).config;
}

export async function service(config: OptirelayConfig, store?: SqliteStore): Promise<{ svc: SyncService; store: SqliteStore }> {
  const s = store ?? new SqliteStore(':memory:');
  await s.migrate();
  return { svc: new SyncService({ config, store: s, clock: systemClock, leaseMs: 5_000 }), store: s };
}

/** A SQLite warehouse file with `sql` applied. */
export function warehouse(dir: string, sql: string, name = 'wh.db'): { file: string; exec: (sql: string) => void } {
  const file = path.join(dir, name);
  const db = new Database(file);
  db.exec(sql);
  db.close();
  return {
    file,
    exec: (more: string) => {
      const d = new Database(file);
      d.exec(more);
      d.close();
    },
  };
}

export function restCalls(sb: Sandbox): string[] {
  return sb.received('rest').map((r) => `${r.method} ${r.path} ${r.status}`);
}
