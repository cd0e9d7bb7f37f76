/** Which config values are secrets: they are registered for redaction and never echoed in messages. */
import { registerSecret } from '../core/redact.js';
import { pointer, pointerSegments } from './locate.js';

const SECRET_KEYS = new Set(['writeKey', 'token', 'accessToken', 'apiKey']);
const SECRET_WORDS = /token|key|secret|password|passwd|credential/i;

/** `/sources/0/writeKey`, `/admin/token`, `/destinations/1/settings/apiSecret`, … */
export function isSecretPath(path: string): boolean {
  const segs = pointerSegments(path);
  const last = segs[segs.length - 1];
  if (last === undefined) return false;
  if (SECRET_KEYS.has(last)) return true;
  // Inside destination settings any key naming a token/key/secret/password is secret; elsewhere (`primaryKey`,
  // mapping fields such as `eventKey`) such words are ordinary.
  return segs[0] === 'destinations' && segs[2] === 'settings' && SECRET_WORDS.test(last);
}

/** Register every secret in the config: secret-like fields, and passwords inside store / warehouse URLs. */
export function registerConfigSecrets(data: unknown, path: string[] = []): void {
  if (typeof data === 'string') {
    const p = pointer(path);
    if (isSecretPath(p)) registerSecret(data);
    if (/^postgres(ql)?:\/\//.test(data)) {
      try {
        const u = new URL(data);
        if (u.password) registerSecret(decodeURIComponent(u.password));
      } catch {
        // not a URL after all: nothing to register
      }
    }
    return;
  }
  if (Array.isArray(data)) data.forEach((v, i) => registerConfigSecrets(v, [...path, String(i)]));
  else if (data && typeof data === 'object') for (const [k, v] of Object.entries(data)) registerConfigSecrets(v, [...path, k]);
}
