/**
 * `optirelay backup <file>` and `optirelay restore <file>` for the SQLite store (docs/operations.md "Backups").
 *
 * backup: a consistent online copy while the server keeps serving, through SQLite's backup API (better-sqlite3
 * `db.backup()`). The copy is taken in ONE backup step, i.e. inside one read transaction: in WAL mode readers never
 * block the writer, so ingest and delivery go on, and a step-wise copy could be restarted over and over by a busy
 * server writing from another process. The copy is written next to the target as `<file>.partial`, switched to a
 * self-contained rollback journal (no -wal sidecar), checked (`PRAGMA integrity_check`) and only then renamed.
 *
 * restore: refuses while another process has the store open (a running server), checks the backup
 * (integrity_check, schema version known to this build), keeps the current file as
 * `<db>.before-restore-<time>`, and moves the backup into place. The next `optirelay serve` migrates it forward if
 * it came from an older release. PostgreSQL stores are backed up with pg_dump / PITR (docs/operations.md).
 */
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { MIGRATIONS } from '../../store/sqlite/migrations/index.js';
import { type Out, stdout } from '../output.js';

export class BackupError extends Error {}

export interface StoreTarget {
  /** Absolute SQLite file. */
  file: string;
  /** The store URL as configured (for messages). */
  url: string;
}

const KNOWN_SCHEMA = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);

/** The SQLite file a store URL names (same rules as store/open.ts); PostgreSQL and :memory: are refused with the fix. */
export function sqliteTarget(url: string, dataDir: string): StoreTarget {
  if (/^postgres(ql)?:/i.test(url)) {
    throw new BackupError(
      'the store is PostgreSQL: back it up with pg_dump (e.g. `pg_dump -Fc -f optirelay.dump "$DATABASE_URL"`) or your provider\'s point-in-time recovery, ' +
        'and restore with pg_restore; see docs/operations.md "Backups"',
    );
  }
  if (!/^sqlite:/i.test(url)) throw new BackupError(`store: unsupported URL for backup; expected sqlite:path/to/optirelay.db`);
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') throw new BackupError('the store is sqlite::memory:, which lives only inside the server process; there is nothing on disk to back up');
  const path = rest === '' ? join(dataDir, 'optirelay.db') : rest.startsWith('//') ? rest.slice(2) : rest;
  return { file: resolve(path), url };
}

/** Which store: `--store URL` wins, else the config's `store:` (env interpolated), else the default sqlite file. */
export async function resolveTarget(opts: { config?: string; store?: string; env?: NodeJS.ProcessEnv }): Promise<StoreTarget> {
  if (opts.store) return sqliteTarget(opts.store, './data');
  const { config } = await loadConfig({ file: opts.config, env: opts.env ?? process.env });
  return sqliteTarget(config.store, config.dataDir);
}

export interface BackupCheck {
  schemaVersion: number;
  events: number;
  deliveries: number;
  bytes: number;
}

/** Open a backup read-only and check it: integrity, schema version known to this build. Throws BackupError. */
export function verifyBackup(file: string): BackupCheck {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new BackupError(`${file} is not a SQLite database (${(err as Error).message})`);
  }
  try {
    let integrity: string[];
    try {
      integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (err) {
      throw new BackupError(`${file} is not a readable SQLite database (${(err as Error).message})`);
    }
    if (integrity.length !== 1 || integrity[0] !== 'ok') {
      throw new BackupError(`${file} failed PRAGMA integrity_check: ${integrity.slice(0, 5).join('; ')}${integrity.length > 5 ? ` (+${integrity.length - 5} more)` : ''}`);
    }
    const hasSchema = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!hasSchema) throw new BackupError(`${file} is a SQLite database but not an optirelay store (no schema_migrations table)`);
    const version = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    if (version > KNOWN_SCHEMA) {
      throw new BackupError(
        `${file} has schema version ${version}, newer than this optirelay knows (up to ${KNOWN_SCHEMA}); ` +
          `restore it with an optirelay release that supports schema version ${version} or newer`,
      );
    }
    const count = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { schemaVersion: version, events: count('events'), deliveries: count('deliveries'), bytes: statSync(file).size };
  } finally {
    db.close();
  }
}

export interface BackupResult extends BackupCheck {
  file: string;
  source: string;
  ms: number;
}

/** Copy the live store at `source` to `dest` (consistent, online), then verify the copy. */
export async function backupSqlite(source: string, dest: string): Promise<BackupResult> {
  const t0 = performance.now();
  if (!existsSync(source)) throw new BackupError(`the store file ${source} does not exist (has optirelay serve run with this config?)`);
  const out = resolve(dest);
  if (out === resolve(source)) throw new BackupError('the backup file cannot be the store file itself; pick another path');
  if (!existsSync(dirname(out))) throw new BackupError(`the directory ${dirname(out)} does not exist; create it first`);
  const partial = `${out}.partial`;
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(f, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // One step copies every page inside one read transaction (see the header comment).
    await db.backup(partial, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new Database(partial);
  try {
    copy.pragma('journal_mode = DELETE'); // one self-contained file
  } finally {
    copy.close();
  }
  let check: BackupCheck;
  try {
    check = verifyBackup(partial);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  renameSync(partial, out);
  return { ...check, file: out, source, ms: Math.round(performance.now() - t0) };
}

/**
 * True when another connection has the database open: leaving WAL mode needs every other connection closed, so a
 * running server (which keeps its connection for its whole life) makes the switch fail at once.
 */
export function isInUse(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    const mode = db.pragma('journal_mode', { simple: true }) as string;
    if (mode !== 'wal') return false;
    try {
      return (db.pragma('journal_mode = DELETE', { simple: true }) as string) === 'wal';
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY') || (err as { code?: string }).code?.startsWith('SQLITE_LOCKED')) return true;
      throw err;
    }
  } finally {
    db.close();
  }
}

export interface RestoreResult extends BackupCheck {
  file: string;
  /** Where the previous store file was kept (undefined when there was none). */
  previous?: string;
}

export function restoreSqlite(backup: string, target: string, now = new Date()): RestoreResult {
  const src = resolve(backup);
  const check = verifyBackup(src);
  if (src === resolve(target)) throw new BackupError('the backup file is the store file itself; nothing to restore');
  if (isInUse(target)) {
    throw new BackupError(`${target} is open in another process (a running optirelay serve?); stop it first, then restore, then start it again`);
  }
  if (!existsSync(dirname(target))) throw new BackupError(`the directory ${dirname(target)} does not exist; create it first`);
  const tmp = `${target}.restoring`;
  copyFileSync(src, tmp);
  let previous: string | undefined;
  if (existsSync(target)) {
    previous = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, previous);
  }
  // isInUse left the old file in rollback-journal mode with no -wal; clear any stray sidecars of the old file.
  for (const f of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) rmSync(f, { force: true });
  renameSync(tmp, target);
  return { ...check, file: target, previous };
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export interface BackupCliOptions {
  config?: string;
  store?: string;
  /** backup: replace an existing file at the target path (without it, an existing file is refused). */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  out?: Out;
}

export async function runBackup(file: string, o: BackupCliOptions = {}): Promise<BackupResult> {
  const out = o.out ?? stdout;
  const target = await resolveTarget(o);
  if (!o.force && existsSync(file)) throw new BackupError(`${file} already exists; pick a new file name, or pass --force to replace it`);
  const r = await backupSqlite(target.file, file);
  out(`✓ backup of ${target.file} written to ${r.file}`);
  out(`  ${human(r.bytes)}, schema version ${r.schemaVersion}, ${r.events} events, ${r.deliveries} deliveries, integrity ok (${r.ms} ms)`);
  return r;
}

export async function runRestore(file: string, o: BackupCliOptions = {}): Promise<RestoreResult> {
  const out = o.out ?? stdout;
  const target = await resolveTarget(o);
  const r = restoreSqlite(file, target.file);
  out(`✓ restored ${resolve(file)} into ${r.file}`);
  out(`  schema version ${r.schemaVersion}${r.schemaVersion < KNOWN_SCHEMA ? ` (optirelay serve migrates it to ${KNOWN_SCHEMA} at start)` : ''}, ${r.events} events, ${r.deliveries} deliveries, integrity ok`);
  if (r.previous) out(`  the previous store was kept as ${basename(r.previous)} (delete it once the restored store serves)`);
  return r;
}

export function register(program: Command): void {
  const fail = (err: unknown): void => {
    if (err instanceof BackupError) {
      process.stderr.write(`✗ ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  };
  program
    .command('backup')
    .description('Write a consistent copy of the SQLite store while the server keeps serving')
    .argument('<file>', 'where to write the backup (a single SQLite file)')
    .option('-c, --config <file>', 'config file naming the store (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)')
    .option('--store <url>', 'store URL instead of the config (sqlite:path/to/optirelay.db)')
    .option('--force', 'replace the file if it already exists')
    .action(async (file: string, o: BackupCliOptions) => {
      await runBackup(file, o).catch(fail);
    });
  program
    .command('restore')
    .description('Replace the SQLite store with a backup (stop the server first; the current file is kept aside)')
    .argument('<file>', 'a file written by optirelay backup')
    .option('-c, --config <file>', 'config file naming the store (default: $OPTIRELAY_CONFIG or ./optirelay.yaml)')
    .option('--store <url>', 'store URL instead of the config (sqlite:path/to/optirelay.db)')
    .action(async (file: string, o: BackupCliOptions) => {
      await runRestore(file, o).catch(fail);
    });
}
