/**
 * Backups: `optirelay backup` under load restores to a store that serves and holds every acknowledged event;
 * restore refuses a store in use, a damaged file and a schema from a newer release; migrations refuse to run
 * backwards and name the version needed.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupError, backupSqlite, isInUse, restoreSqlite, runBackup, runRestore, verifyBackup } from '../../src/cli/commands/backup.js';
import { openStore } from '../../src/store/open.js';
import { basic, removeDir, startTestServer, tempDir, WEB_KEY, type TestServer } from '../server/helpers.js';

const dirs: string[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) removeDir(d);
});

function mkdir(): string {
  const d = tempDir('optirelay-backup-');
  dirs.push(d);
  return d;
}

async function track(url: string, id: string): Promise<number> {
  const res = await fetch(`${url}/v1/track`, {
    method: 'POST',
    headers: { authorization: basic(WEB_KEY), 'content-type': 'application/json' },
    body: JSON.stringify({ userId: `u-${id}`, event: 'Order Completed', messageId: id, properties: { revenue: 1 } }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function storedMessageIds(file: string): Promise<Set<string>> {
  const db = new Database(file, { readonly: true });
  try {
    return new Set((db.prepare('SELECT message_id AS m FROM events').all() as { m: string }[]).map((r) => r.m));
  } finally {
    db.close();
  }
}

describe('backup and restore (SQLite)', () => {
  it('a backup taken under load restores to a store that serves and holds every acknowledged event', async () => {
    const dir = mkdir();
    const server = await startTestServer({ dir });
    servers.push(server);
    const dbFile = join(dir, 'optirelay.db');

    // Load: a steady stream of single-event requests, recording each acknowledged messageId.
    const acked: string[] = [];
    let stop = false;
    let n = 0;
    const senders = Array.from({ length: 4 }, async (_, w) => {
      while (!stop) {
        const id = `m-${w}-${n++}`;
        if ((await track(server.url, id)) === 200) acked.push(id);
      }
    });
    while (acked.length < 200) await new Promise((r) => setTimeout(r, 5));
    const ackedBefore = [...acked];
    const backupFile = join(mkdir(), 'backup.db');
    const lines: string[] = [];
    const result = await runBackup(backupFile, { store: `sqlite:${dbFile}`, out: (l) => lines.push(l) });
    const ackedDuring = acked.length;
    while (acked.length < ackedDuring + 50) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await Promise.all(senders);

    expect(lines[0]).toContain('backup of');
    expect(lines[1]).toContain('integrity ok');
    // An existing file is never overwritten by accident.
    await expect(runBackup(backupFile, { store: `sqlite:${dbFile}`, out: () => undefined })).rejects.toThrow(/already exists.*--force/);
    expect(existsSync(`${backupFile}-wal`)).toBe(false); // one self-contained file
    const inBackup = await storedMessageIds(backupFile);
    expect(ackedBefore.filter((m) => !inBackup.has(m))).toEqual([]);
    expect(result.events).toBe(inBackup.size);
    // The server went on serving during the backup.
    expect(acked.length).toBeGreaterThan(ackedDuring);

    // Restore refuses while the server holds the store.
    expect(isInUse(dbFile)).toBe(true);
    expect(() => restoreSqlite(backupFile, dbFile)).toThrow(/open in another process/);
    await server.stop();

    // Restore, then serve from the restored store.
    const out: string[] = [];
    const r = await runRestore(backupFile, { store: `sqlite:${dbFile}`, out: (l) => out.push(l) });
    expect(r.previous).toBeDefined();
    expect(existsSync(r.previous!)).toBe(true);
    expect(out.join('\n')).toContain('previous store was kept');
    const again = await startTestServer({ dir });
    servers.push(again);
    expect(await track(again.url, 'after-restore')).toBe(200);
    const events = await again.app.store.listEvents({ limit: 1000 });
    expect(events.length).toBe(inBackup.size + 1);
    // A messageId acknowledged before the backup is still a duplicate after the restore.
    const dup = await fetch(`${again.url}/v1/track`, {
      method: 'POST',
      headers: { authorization: basic(WEB_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u', event: 'Order Completed', messageId: ackedBefore[0] }),
    });
    expect(dup.status).toBe(200);
    expect((await again.app.store.listEvents({ limit: 1000 })).length).toBe(inBackup.size + 1);
  });

  it('refuses a damaged file, a non-optirelay database and a schema from a newer release', async () => {
    const dir = mkdir();
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, Buffer.alloc(8192, 7));
    expect(() => verifyBackup(garbage)).toThrow(BackupError);

    const other = join(dir, 'other.db');
    const o = new Database(other);
    o.exec('CREATE TABLE x (a)');
    o.close();
    expect(() => verifyBackup(other)).toThrow(/not an optirelay store/);

    const store = await openStore(`sqlite:${join(dir, 'live.db')}`);
    await store.close();
    const good = join(dir, 'good.db');
    await backupSqlite(join(dir, 'live.db'), good);
    expect(verifyBackup(good).schemaVersion).toBeGreaterThan(0);
    const newer = join(dir, 'newer.db');
    copyFileSync(good, newer);
    const n = new Database(newer);
    n.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    n.close();
    expect(() => verifyBackup(newer)).toThrow(/schema version 999, newer than this optirelay knows.*supports schema version 999/);
    expect(() => restoreSqlite(newer, join(dir, 'target.db'))).toThrow(/schema version 999/);
    expect(existsSync(join(dir, 'target.db'))).toBe(false);
  });

  it('migrations refuse to run backwards and say which version is needed', async () => {
    const dir = mkdir();
    const file = join(dir, 'optirelay.db');
    const store = await openStore(`sqlite:${file}`);
    await store.close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    db.close();
    await expect(openStore(`sqlite:${file}`)).rejects.toThrow(/schema is at version 999.*supports schema version 999/);
  });

  it('explains PostgreSQL and in-memory stores instead of copying them', async () => {
    await expect(runBackup(join(mkdir(), 'x.db'), { store: 'postgres://u@localhost/db', out: () => undefined })).rejects.toThrow(/pg_dump/);
    await expect(runBackup(join(mkdir(), 'x.db'), { store: 'sqlite::memory:', out: () => undefined })).rejects.toThrow(/nothing on disk/);
  });
});
