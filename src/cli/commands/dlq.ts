/**
 * `optirelay dlq list | show <id> | replay | purge` — the dead letters, straight from the store the config names
 * (works while the server is down; with SQLite, safe beside a running server: WAL + busy timeout).
 *
 *   optirelay dlq list [--destination D] [--event E] [--error S] [--user U] [--status S] [--limit N] [--json]
 *   optirelay dlq show <id> [--json]
 *   optirelay dlq replay (--all | --id N… | --destination D | --event E | --error S | --user U)
 *   optirelay dlq purge  (--all | --id N… | --destination D | --event E | --error S | --user U)
 *
 * A running server picks replayed deliveries up at its next scheduler poll (≤ 1 s).
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { redactString } from '../../core/redact.js';
import { openStore } from '../../store/open.js';
import type { DeadFilter, DeliveryStatus, Store } from '../../store/types.js';
import { isoOrDash, type Out, stdout } from '../output.js';

export interface DlqSelection {
  all?: boolean;
  id?: number[];
  destination?: string;
  event?: string;
  error?: string;
  user?: string;
}

export interface DlqListOptions {
  destination?: string;
  event?: string;
  error?: string;
  user?: string;
  status?: string;
  limit?: number;
  json?: boolean;
}

const STATUSES: DeliveryStatus[] = ['pending', 'in_flight', 'delivered', 'retry_wait', 'dead'];

export class DlqUsageError extends Error {}

export function selectionToFilter(s: DlqSelection): DeadFilter {
  const f: DeadFilter = {};
  if (s.id?.length) f.ids = s.id;
  if (s.destination) f.destinationId = s.destination;
  if (s.event) f.eventName = s.event;
  if (s.error) f.error = s.error;
  if (s.user) f.userId = s.user;
  if (Object.keys(f).length === 0 && !s.all) {
    throw new DlqUsageError('say which dead deliveries: --all, --id N (repeatable), or a filter: --destination D, --event E, --error S, --user U');
  }
  if (s.all && Object.keys(f).length > 0) throw new DlqUsageError('--all cannot be combined with --id or filters; drop one');
  return f;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

export async function dlqList(store: Store, o: DlqListOptions, out: Out): Promise<number> {
  const status = (o.status ?? 'dead') as DeliveryStatus;
  if (!STATUSES.includes(status)) throw new DlqUsageError(`--status must be one of: ${STATUSES.join(', ')} (got "${o.status}")`);
  const limit = o.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new DlqUsageError(`--limit must be an integer from 1 to 1000 (got ${o.limit})`);
  const rows = await store.listDeliveries({ status, destinationId: o.destination, eventName: o.event, error: o.error, userId: o.user, limit });
  if (o.json) {
    out(JSON.stringify(rows, null, 2));
    return rows.length;
  }
  if (rows.length === 0) {
    out(`no ${status} deliveries${o.destination ? ` for ${o.destination}` : ''}`);
    return 0;
  }
  out(['ID', 'LANE', 'EVENT', 'USER', 'ATTEMPTS', 'UPDATED', 'LAST ERROR'].join('\t'));
  for (const d of rows) {
    out([d.id, d.lane, d.eventName ?? '-', d.userId ?? '-', d.attempts, isoOrDash(d.updatedAt), clip(redactString(d.lastError ?? '-'), 120)].join('\t'));
  }
  if (rows.length === limit) out(`… showing the newest ${limit}; use --limit or a filter for more`);
  return rows.length;
}

export async function dlqShow(store: Store, id: number, json: boolean, out: Out): Promise<boolean> {
  const d = await store.getDelivery(id);
  if (!d) {
    out(`no delivery with id ${id}`);
    return false;
  }
  if (json) {
    out(JSON.stringify(d, null, 2));
    return true;
  }
  const row = (k: string, v: unknown): void => out(`${k.padEnd(14)}${v === null || v === undefined ? '-' : String(v)}`);
  row('id', d.id);
  row('status', d.status);
  row('lane', d.lane);
  row('mapping', d.mappingId);
  row('messageId', d.messageId);
  row('userId', d.userId);
  row('event', d.eventName);
  row('attempts', d.attempts);
  row('created', isoOrDash(d.createdAt));
  row('next attempt', d.status === 'retry_wait' || d.status === 'pending' ? isoOrDash(d.nextAttemptAt) : '-');
  row('last status', d.lastStatusCode);
  row('last error', d.lastError ? redactString(d.lastError) : null);
  if (d.flags) row('flags', JSON.stringify(d.flags));
  for (const a of d.attemptLog) {
    out('');
    out(`attempt ${a.attempt} · ${a.outcome} · ${isoOrDash(a.startedAt)} · ${a.durationMs} ms${a.statusCode ? ` · HTTP ${a.statusCode}` : ''}`);
    if (a.error) out(`  error:    ${redactString(a.error)}`);
    if (a.request !== undefined && a.request !== null) out(`  request:  ${redactString(JSON.stringify(a.request))}`);
    if (a.response !== undefined && a.response !== null) out(`  response: ${redactString(JSON.stringify(a.response))}`);
  }
  return true;
}

export async function dlqReplay(store: Store, s: DlqSelection, now: number): Promise<number> {
  return store.replayDead(selectionToFilter(s), now);
}

export async function dlqPurge(store: Store, s: DlqSelection): Promise<number> {
  return store.purgeDead(selectionToFilter(s));
}

async function withStore<T>(configFile: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const { config } = await loadConfig({ file: configFile });
  const store = await openStore(config.store, { dataDir: config.dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const collectId = (v: string, prev: number[] = []): number[] => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new DlqUsageError(`--id must be a delivery id (a positive integer), got "${v}"`);
  return [...prev, n];
};

function selectionOptions(cmd: Command): Command {
  return cmd
    .option('--all', 'every dead delivery')
    .option('--id <id>', 'a delivery id (repeatable)', collectId)
    .option('--destination <id>', 'only this destination')
    .option('--event <name>', 'only track events with this name')
    .option('--error <text>', 'only deliveries whose last error contains this (case-insensitive)')
    .option('--user <userId>', 'only deliveries of this userId');
}

async function run(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof DlqUsageError) {
      process.stderr.write(`optirelay dlq: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

export function register(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('Dead letters: list, show, replay and purge deliveries that could not be delivered (reads the store directly)')
    .option('-c, --config <file>', 'config file (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)');
  const configOf = (cmd: Command): string | undefined => (cmd.optsWithGlobals() as { config?: string }).config;

  dlq
    .command('list')
    .description('List dead deliveries, newest first (or another status with --status)')
    .option('--destination <id>', 'only this destination')
    .option('--event <name>', 'only track events with this name')
    .option('--error <text>', 'only deliveries whose last error contains this')
    .option('--user <userId>', 'only deliveries of this userId')
    .option('--status <status>', `one of ${STATUSES.join(', ')} (default dead)`)
    .option('--limit <n>', 'how many (1–1000, default 50)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (o: DlqListOptions, cmd: Command) => run(() => withStore(configOf(cmd), async (store) => void (await dlqList(store, o, stdout)))));

  dlq
    .command('show <id>')
    .description('Show one delivery with its attempt log (requests and responses, secrets redacted)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) =>
      run(() =>
        withStore(configOf(cmd), async (store) => {
          const found = await dlqShow(store, collectId(id)[0]!, o.json === true, stdout);
          if (!found) process.exitCode = 1;
        }),
      ),
    );

  selectionOptions(dlq.command('replay').description('Send dead deliveries again (back to pending, attempts reset)')).action(async (o: DlqSelection, cmd: Command) =>
    run(() =>
      withStore(configOf(cmd), async (store) => {
        const n = await dlqReplay(store, o, Date.now());
        stdout(`replayed ${n} dead deliver${n === 1 ? 'y' : 'ies'}${n ? '; a running server sends them within a second' : ''}`);
      }),
    ),
  );

  selectionOptions(dlq.command('purge').description('Delete dead deliveries and their attempt logs')).action(async (o: DlqSelection, cmd: Command) =>
    run(() =>
      withStore(configOf(cmd), async (store) => {
        const n = await dlqPurge(store, o);
        stdout(`purged ${n} dead deliver${n === 1 ? 'y' : 'ies'}`);
      }),
    ),
  );
}
