/**
 * The admin API token: `admin.token` from the config, else `<dataDir>/admin-token` (mode 0600), generated at the
 * first start (the caller prints it once, when `generated` is true).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from '../../core/redact.js';

export interface AdminToken {
  token: string;
  /** true only when this call created the token file (print it once). */
  generated: boolean;
  /** The file holding it, when it did not come from the config. */
  file?: string;
}

export function ensureAdminToken(config: { admin: { token?: string }; dataDir: string }): AdminToken {
  if (config.admin.token) {
    registerSecret(config.admin.token);
    return { token: config.admin.token, generated: false };
  }
  const file = join(config.dataDir, 'admin-token');
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token) {
      registerSecret(token);
      return { token, generated: false, file };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const token = `ort_${randomBytes(24).toString('base64url')}`;
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process won the race: use its token.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return ensureAdminToken(config);
    throw e;
  }
  chmodSync(file, 0o600);
  registerSecret(token);
  return { token, generated: true, file };
}
