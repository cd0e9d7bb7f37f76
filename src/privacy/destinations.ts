/**
 * Which destinations take part in a deletion, and how to call a destination type's `deleteUser` outside the
 * delivery service (the CLI runs without it). Every configured destination is listed, enabled or not: disabling a
 * destination stops new sends, it does not undo what was sent before.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { DestinationConfig, OptirelayConfig } from '../config/types.js';
import type { DestinationContext } from '../destinations/kit.js';
import { getDestinationType } from '../destinations/registry.js';
import { resolveEndpoints } from '../destinations/runtime.js';
import type { HttpClient } from '../optimizely/http.js';
import type { IdentifierKind, NewPrivacyTarget, UserIdentifiers } from '../store/privacy-types.js';

/** Why a destination type cannot delete, and what the operator should do instead (docs/privacy.md). */
export const NOT_SUPPORTED_NOTES: Record<string, string> = {
  'optimizely-data-platform':
    'ODP REST v3 documents no API to delete a customer profile; optirelay cannot submit it: delete the customer in ODP itself (or through Optimizely support)',
  'optimizely-rest':
    'this destination writes project objects (audiences, attributes, custom events, list attributes) from warehouse syncs, not per-user events; remove the user from the warehouse model so the next sync removes them',
};

export function notSupportedNote(type: string): string {
  return NOT_SUPPORTED_NOTES[type] ?? `destination type ${type} offers no user deletion`;
}

export function identifierKindsOf(ids: UserIdentifiers): IdentifierKind[] {
  const kinds: IdentifierKind[] = [];
  if (ids.userId) kinds.push('userId');
  if (ids.anonymousId) kinds.push('anonymousId');
  return kinds;
}

/** One target per (destination, identifier kind): pending when the type can delete, not_supported otherwise. */
export function planTargets(config: Pick<OptirelayConfig, 'destinations'>, ids: UserIdentifiers): NewPrivacyTarget[] {
  const kinds = identifierKindsOf(ids);
  const out: NewPrivacyTarget[] = [];
  for (const dest of config.destinations) {
    const type = getDestinationType(dest.type);
    if (!type) continue; // config validation rejects unknown types; nothing to call
    for (const identifierKind of kinds) {
      if (type.deleteUser) out.push({ destinationId: dest.id, destinationType: dest.type, identifierKind, status: 'pending' });
      else out.push({ destinationId: dest.id, destinationType: dest.type, identifierKind, status: 'not_supported', error: notSupportedNote(dest.type) });
    }
  }
  return out;
}

/** The context a type's deleteUser gets: the same endpoint resolution as the delivery service. */
export function deletionContext(dest: DestinationConfig, deps: { http: HttpClient; logger: Logger; clock: Clock }): DestinationContext {
  const type = getDestinationType(dest.type);
  return {
    destinationId: dest.id,
    settings: dest.settings ?? {},
    endpoints: type ? resolveEndpoints(type, dest) : { ...(dest.endpoints ?? {}) },
    http: deps.http,
    logger: deps.logger.child({ destination: dest.id, destinationType: dest.type, component: 'privacy' }),
    clock: deps.clock,
    config: dest,
  };
}
