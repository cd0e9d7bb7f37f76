/**
 * Mapping entries come in two forms: ours `{ id?, action, trigger?, fields?, enabled? }` and Segment's export form
 * `{ name?, subscribe, partnerAction, mapping, enabled? }`. Both become a MappingConfig.
 */
import type { MappingConfig } from './types.js';
// The Segment form's conversion belongs to the destinations layer (it knows the root-mapping directive); the
// config loader only decides which form an entry is in.
import { importSegmentMapping } from '../destinations/segment-import.js';

type Raw = Record<string, unknown>;

export function isSegmentForm(raw: Raw): boolean {
  return 'partnerAction' in raw || 'subscribe' in raw || 'mapping' in raw;
}

export function toMapping(raw: Raw, index: number): MappingConfig {
  if (isSegmentForm(raw)) return importSegmentMapping(raw, index);
  const action = String(raw.action ?? '');
  return {
    id: typeof raw.id === 'string' ? raw.id : `${action}-${index}`,
    action,
    // '' = the action's default trigger; the router fills it in.
    trigger: typeof raw.trigger === 'string' ? raw.trigger : '',
    fields: raw.fields && typeof raw.fields === 'object' ? { ...(raw.fields as Raw) } : {},
    enabled: raw.enabled !== false,
    origin: 'config',
  };
}
