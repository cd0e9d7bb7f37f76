import { statSync } from 'node:fs';
import type { SqliteDb } from './db.js';

/**
 * Checkpoint when the -wal file passed `thresholdBytes` (anchors §2.3: with readers in other processes the automatic
 * PASSIVE checkpoints can starve and the WAL grows without bound; opsqueue saw 850 MiB). TRUNCATE is RESTART (wait
 * for readers, rewind the WAL) plus truncating the file to zero, so the size check below sees the file shrink;
 * after a plain RESTART the file keeps its size and the check would fire on every tick.
 * Returns whether a checkpoint ran.
 */
export function checkpointWalIfLarge(db: SqliteDb, walFile: string, thresholdBytes: number): boolean {
  let size: number;
  try {
    size = statSync(walFile).size;
  } catch {
    return false; // no WAL file (memory db, or nothing written yet)
  }
  if (size < thresholdBytes) return false;
  db.raw.pragma('wal_checkpoint(TRUNCATE)');
  return true;
}
