/**
 * Segment user identifiers → ODP identifiers. The Segment field `user_identifiers` carries anonymousId, userId,
 * email, optimizely_vuid, fs_user_id and web_user_id; ODP knows identifiers by its own field names. Choices
 * (documented in docs/destinations/optimizely-data-platform.md, all inferred: the Segment function does this
 * server-side and its mapping is not public):
 *   email            → email
 *   optimizely_vuid  → vuid          (ODP's name for the Optimizely visitor cookie id)
 *   fs_user_id       → fs_user_id    (Feature Experimentation user id)
 *     else userId    → fs_user_id    (the same id optirelay's Feature Experimentation destination sends)
 *     else anonymousId → fs_user_id  (FX identifies anonymous visitors by anonymousId)
 *   web_user_id      → web_user_id
 * userId and anonymousId are never sent under their Segment names: ODP has no such identifier fields.
 */
import { PayloadValidationError } from '../../core/errors.js';
import { isPlainObject, str } from './values.js';

export function odpIdentifiers(value: unknown, opts: { requireEmail?: boolean } = {}): Record<string, string> {
  const ids = isPlainObject(value) ? value : {};
  const out: Record<string, string> = {};
  const email = str(ids.email);
  if (email) out.email = email;
  const vuid = str(ids.optimizely_vuid);
  if (vuid) out.vuid = vuid;
  const fsUserId = str(ids.fs_user_id) ?? str(ids.userId) ?? str(ids.anonymousId);
  if (fsUserId) out.fs_user_id = fsUserId;
  const webUserId = str(ids.web_user_id);
  if (webUserId) out.web_user_id = webUserId;
  if (opts.requireEmail && !email) {
    throw new PayloadValidationError(
      'user_identifiers.email is required for an email event: map it (default: properties.email, else context.traits.email, else traits.email)',
      'user_identifiers.email',
    );
  }
  if (Object.keys(out).length === 0) {
    throw new PayloadValidationError(
      'user_identifiers has no identifier: map at least one of userId, anonymousId, email, optimizely_vuid, fs_user_id, web_user_id',
      'user_identifiers',
    );
  }
  return out;
}
