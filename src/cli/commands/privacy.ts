/**
 * `optirelay privacy …` — user deletion and suppression, straight against the store the config names (works with
 * the server down; with SQLite, safe beside a running server). docs/privacy.md.
 *
 *   optirelay privacy delete --user-id X [--anonymous-id Y] [--requested-by NAME] [--suppress] [--json]
 *   optirelay privacy suppress   (--user-id X | --anonymous-id Y) [--requested-by NAME]
 *   optirelay privacy unsuppress (--user-id X | --anonymous-id Y) [--requested-by NAME]
 *   optirelay privacy status <requestId> [--json]
 *   optirelay privacy list [--status S] [--limit N] [--json]
 *   optirelay privacy suppressions [--json]
 *   optirelay privacy audit [--request ID] [--limit N] [--json]
 *
 * A deletion is tried once per destination here; transient failures stay pending and the privacy worker of a
 * running `optirelay serve` retries them with backoff.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { systemClock } from '../../core/clock.js';
import { redactString } from '../../core/redact.js';
import { createLogger } from '../../logger.js';
import { PrivacyInputError, PrivacyNotFoundError, PrivacyService } from '../../privacy/service.js';
import type { AuditEntry, IdentifierKind, PrivacyRequest, PrivacyRequestStatus, PurgeCounts } from '../../store/privacy-types.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/types.js';
import { loadAndValidate } from '../load-config.js';
import { isoOrDash, type Out, stdout } from '../output.js';

export class PrivacyUsageError extends Error {}

export interface IdentifierOptions {
  userId?: string;
  anonymousId?: string;
  requestedBy?: string;
}

const REQUEST_STATUSES: PrivacyRequestStatus[] = ['pending', 'completed', 'failed'];

/** The OS user running the command (the audit's actor when --requested-by is not given). */
export function cliUser(): string {
  try {
    return userInfo().username || process.env['USER'] || 'cli';
  } catch {
    return process.env['USER'] || 'cli';
  }
}

export function requester(o: IdentifierOptions): { requestedBy: string; via: string } {
  const os = cliUser();
  return o.requestedBy ? { requestedBy: o.requestedBy, via: `cli (os user ${os})` } : { requestedBy: os, via: 'cli' };
}

export function purgeSummary(p: PurgeCounts | null): string {
  if (!p) return 'not run yet';
  const parts = [`${p.events} events`, `${p.deliveries} deliveries`, `${p.attempts} attempt log rows`, `${p.rejected} rejected records`];
  if (p.dedup) parts.push(`${p.dedup} dedup rows`);
  if (p.syncRowErrors) parts.push(`${p.syncRowErrors} sync row errors`);
  if (p.syncSnapshots) parts.push(`${p.syncSnapshots} sync snapshot entries`);
  return `${parts.join(', ')}${p.attemptsRedacted ? `; ${p.attemptsRedacted} attempt rows of other deliveries redacted` : ''}`;
}

export function printRequest(r: PrivacyRequest, out: Out): void {
  out(`deletion request ${r.id}: ${r.status}`);
  const who = [r.userId ? `userId ${JSON.stringify(r.userId)}` : '', r.anonymousId ? `anonymousId ${JSON.stringify(r.anonymousId)}` : ''].filter(Boolean).join(', ');
  out(`  user         ${who}`);
  out(`  requested    ${isoOrDash(r.requestedAt)} by ${r.requestedBy} (${r.via})`);
  out(`  store purge  ${purgeSummary(r.purged)}`);
  if (r.targets.length === 0) out('  destinations none configured');
  for (const t of r.targets) {
    let what: string = t.status;
    if (t.status === 'submitted') what = `submitted (destination request id ${t.externalId ?? '-'})`;
    else if (t.status === 'pending') what = `pending: attempt ${t.attempts + 1} at ${isoOrDash(t.nextAttemptAt)}${t.error ? ` (last error: ${redactString(t.error)})` : ''}`;
    else if (t.error) what = `${t.status}: ${redactString(t.error)}`;
    out(`  ${t.destinationId.padEnd(14)} ${t.identifierKind.padEnd(12)} ${what}`);
  }
  if (r.status === 'pending') out(`  pending destinations are retried by the privacy worker of a running \`optirelay serve\`; check with \`optirelay privacy status ${r.id}\``);
}

function oneIdentifier(o: IdentifierOptions): { kind: IdentifierKind; identifier: string } {
  if (o.userId !== undefined && o.anonymousId !== undefined) throw new PrivacyUsageError('give one of --user-id or --anonymous-id, not both (run the command twice)');
  if (o.userId !== undefined) return { kind: 'userId', identifier: o.userId };
  if (o.anonymousId !== undefined) return { kind: 'anonymousId', identifier: o.anonymousId };
  throw new PrivacyUsageError('say whom: --user-id X or --anonymous-id Y');
}

export async function privacyDelete(service: PrivacyService, o: IdentifierOptions & { suppress?: boolean; json?: boolean }, out: Out): Promise<PrivacyRequest> {
  if (o.userId === undefined && o.anonymousId === undefined) throw new PrivacyUsageError('say whom to delete: --user-id X (and/or --anonymous-id Y)');
  const r = await service.requestDeletion({ userId: o.userId, anonymousId: o.anonymousId, suppress: o.suppress, ...requester(o) });
  if (o.json) out(JSON.stringify(r, null, 2));
  else printRequest(r, out);
  return r;
}

export async function privacySuppress(service: PrivacyService, o: IdentifierOptions, out: Out): Promise<boolean> {
  const { kind, identifier } = oneIdentifier(o);
  const { created } = await service.suppress({ kind, identifier, ...requester(o) });
  out(created ? `suppressed ${kind} ${JSON.stringify(identifier)}: its events are acknowledged and dropped (a running server picks this up within seconds)` : `${kind} ${JSON.stringify(identifier)} was already suppressed`);
  return created;
}

export async function privacyUnsuppress(service: PrivacyService, o: IdentifierOptions, out: Out): Promise<boolean> {
  const { kind, identifier } = oneIdentifier(o);
  const { removed } = await service.unsuppress({ kind, identifier, ...requester(o) });
  out(removed ? `lifted the suppression of ${kind} ${JSON.stringify(identifier)}` : `${kind} ${JSON.stringify(identifier)} was not suppressed`);
  return removed;
}

export async function privacyList(service: PrivacyService, o: { status?: string; limit?: number; json?: boolean }, out: Out): Promise<number> {
  if (o.status !== undefined && !REQUEST_STATUSES.includes(o.status as PrivacyRequestStatus)) {
    throw new PrivacyUsageError(`--status must be one of: ${REQUEST_STATUSES.join(', ')} (got "${o.status}")`);
  }
  const limit = o.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new PrivacyUsageError(`--limit must be an integer from 1 to 1000 (got ${o.limit})`);
  const rows = await service.listRequests({ status: o.status as PrivacyRequestStatus | undefined, limit });
  if (o.json) {
    out(JSON.stringify(rows, null, 2));
    return rows.length;
  }
  if (rows.length === 0) {
    out('no deletion requests');
    return 0;
  }
  out(['ID', 'STATUS', 'REQUESTED', 'BY', 'USER', 'DESTINATIONS'].join('\t'));
  for (const r of rows) {
    const dests = r.targets.map((t) => `${t.destinationId}:${t.identifierKind}=${t.status}`).join(' ');
    out([r.id, r.status, isoOrDash(r.requestedAt), r.requestedBy, r.userId ?? r.anonymousId ?? '-', dests || '-'].join('\t'));
  }
  return rows.length;
}

function printAudit(rows: AuditEntry[], out: Out): void {
  if (rows.length === 0) out('no audit entries');
  for (const a of rows) {
    const who = a.identifierKind ? ` ${a.identifierKind}${a.identifier ? ` ${JSON.stringify(a.identifier)}` : ''}` : '';
    out(`${isoOrDash(a.at)}  ${a.action.padEnd(20)} by ${a.actor} (${a.via})${who}${a.requestId ? ` request ${a.requestId}` : ''}${a.detail ? ` ${redactString(JSON.stringify(a.detail))}` : ''}`);
  }
}

async function withService<T>(configFile: string | undefined, fn: (service: PrivacyService, store: Store) => Promise<T>): Promise<T> {
  const { config } = await loadAndValidate({ file: configFile });
  const store = await openStore(config.store, { dataDir: config.dataDir });
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' });
  try {
    return await fn(new PrivacyService({ config, store, logger, clock: systemClock }), store);
  } finally {
    await store.close();
  }
}

async function run(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof PrivacyUsageError || err instanceof PrivacyInputError) {
      process.stderr.write(`optirelay privacy: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof PrivacyNotFoundError) {
      process.stderr.write(`optirelay privacy: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

function identifierOptions(cmd: Command): Command {
  return cmd
    .option('--user-id <userId>', 'the Segment userId, exactly as sent')
    .option('--anonymous-id <anonymousId>', 'the Segment anonymousId, exactly as sent')
    .option('--requested-by <name>', 'who asks, for the audit (default: your OS user name)');
}

export function register(program: Command): void {
  const privacy = program
    .command('privacy')
    .description('User deletion (GDPR) and suppression: purge a user from the store, submit deletions to Optimizely, drop their future events')
    .option('-c, --config <file>', 'config file (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)');
  const configOf = (cmd: Command): string | undefined => (cmd.optsWithGlobals() as { config?: string }).config;

  identifierOptions(privacy.command('delete').description('Delete a user: purge their events, deliveries, logs and rejected records, and submit a deletion to every destination that supports one'))
    .option('--suppress', 'also suppress the identifiers, so events still arriving are dropped')
    .option('--json', 'print JSON')
    .action(async (o: IdentifierOptions & { suppress?: boolean; json?: boolean }, cmd: Command) =>
      run(() =>
        withService(configOf(cmd), async (service) => {
          const r = await privacyDelete(service, o, stdout);
          if (r.status === 'failed') process.exitCode = 1;
        }),
      ),
    );

  identifierOptions(privacy.command('suppress').description('Acknowledge but neither store nor deliver events from this userId or anonymousId')).action(
    async (o: IdentifierOptions, cmd: Command) => run(() => withService(configOf(cmd), async (service) => void (await privacySuppress(service, o, stdout)))),
  );

  identifierOptions(privacy.command('unsuppress').description('Lift a suppression')).action(async (o: IdentifierOptions, cmd: Command) =>
    run(() => withService(configOf(cmd), async (service) => void (await privacyUnsuppress(service, o, stdout)))),
  );

  privacy
    .command('status <requestId>')
    .description('A deletion request and each destination\'s status')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) =>
      run(() =>
        withService(configOf(cmd), async (service) => {
          const r = await service.getRequest(id);
          if (o.json) stdout(JSON.stringify(r, null, 2));
          else printRequest(r, stdout);
          if (r.status === 'failed') process.exitCode = 1;
        }),
      ),
    );

  privacy
    .command('list')
    .description('Deletion requests, newest first')
    .option('--status <status>', `one of ${REQUEST_STATUSES.join(', ')}`)
    .option('--limit <n>', 'how many (1–1000, default 50)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (o: { status?: string; limit?: number; json?: boolean }, cmd: Command) =>
      run(() => withService(configOf(cmd), async (service) => void (await privacyList(service, o, stdout)))),
    );

  privacy
    .command('suppressions')
    .description('The suppression list')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) =>
      run(() =>
        withService(configOf(cmd), async (service) => {
          const rows = await service.listSuppressions();
          if (o.json) return stdout(JSON.stringify(rows, null, 2));
          if (rows.length === 0) return stdout('no suppressions');
          for (const s of rows) stdout(`${s.kind}\t${JSON.stringify(s.identifier)}\tsince ${isoOrDash(s.createdAt)} by ${s.createdBy}`);
        }),
      ),
    );

  privacy
    .command('audit')
    .description('Who asked for what and when (newest first)')
    .option('--request <id>', 'only this deletion request')
    .option('--limit <n>', 'how many (1–1000, default 100)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (o: { request?: string; limit?: number; json?: boolean }, cmd: Command) =>
      run(() =>
        withService(configOf(cmd), async (service) => {
          const rows = await service.listAudit({ requestId: o.request, limit: o.limit ?? 100 });
          if (o.json) stdout(JSON.stringify(rows, null, 2));
          else printAudit(rows, stdout);
        }),
      ),
    );
}
