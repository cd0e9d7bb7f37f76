/**
 * Mapping entries come in two forms: ours `{ id?, action, trigger?, fields?, enabled? }` and Segment's export form
 * `{ name?, subscribe, partnerAction, mapping, enabled? }`. Both become a MappingConfig.
 */
import type { MappingConfig } from './types.js';

type Raw = Record<string, unknown>;

/** Keys Segment's platform adds to a mapping that mean nothing outside Segment (batching knobs, internal state). */
const SEGMENT_ONLY_FIELDS = new Set(['enable_batching', 'batch_size', 'batch_keys', 'batch_bytes']);

export function isSegmentForm(raw: Raw): boolean {
  return 'partnerAction' in raw || 'subscribe' in raw || 'mapping' in raw;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
}

/**
 * Segment export → MappingConfig. Local stand-in for destinations/segment-import.ts (importSegmentMapping), which
 * owns the full conversion; this keeps the config loader free of a dependency on destinations/.
 */
export function importSegmentMappingLocal(raw: Raw, index: number): MappingConfig {
  const action = String(raw.partnerAction ?? '');
  const fields: Record<string, unknown> = {};
  const mapping = raw.mapping && typeof raw.mapping === 'object' ? (raw.mapping as Raw) : {};
  for (const [k, v] of Object.entries(mapping)) {
    if (k.startsWith('__segment_internal') || SEGMENT_ONLY_FIELDS.has(k)) continue;
    fields[k] = v;
  }
  const named = typeof raw.name === 'string' ? slug(raw.name) : '';
  return {
    id: typeof raw.id === 'string' ? raw.id : named || `${action}-${index}`,
    action,
    trigger: typeof raw.subscribe === 'string' ? raw.subscribe : '',
    fields,
    enabled: raw.enabled !== false,
    origin: 'segment-import',
  };
}

export function toMapping(raw: Raw, index: number): MappingConfig {
  if (isSegmentForm(raw)) return importSegmentMappingLocal(raw, index);
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
