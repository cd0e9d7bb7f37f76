/** Rebuild examples/warehouse/warehouse.db from seed.sql: `npx tsx examples/warehouse/build.ts`. */
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Database from 'better-sqlite3';

const dir = path.dirname(fileURLToPath(import.meta.url));
const target = path.join(dir, 'warehouse.db');
rmSync(target, { force: true });
const db = new Database(target);
db.exec(readFileSync(path.join(dir, 'seed.sql'), 'utf8'));
db.close();
process.stdout.write(`wrote ${target}\n`);
