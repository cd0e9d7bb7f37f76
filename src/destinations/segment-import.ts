/**
 * A mapping as Segment exports it (`{ name?, subscribe, partnerAction, mapping, enabled? }`) → our MappingConfig.
 * The trigger and the field mapping load unchanged; what only means something inside Segment is dropped:
 * `__segment_internal_*` keys (sync mode, matching key, hook outputs) and the batching knobs
 * (`enable_batching`, `batch_size`, `batch_bytes`, `batch_keys`), which lanes configure here. The one internal key
 * with run-time meaning, `__segment_internal_directive` (the root mapping), is kept.
 * `partnerAction` stays Segment's action key; the router maps it through the type's `segmentActionAliases`.
 */
import type { MappingConfig } from '../config/types.js';
import { ROOT_MAPPING_FIELD_KEY } from '../mapping/index.js';

const SEGMENT_ONLY_FIELDS = new Set(['enable_batching', 'batch_size', 'batch_bytes', 'batch_keys']);

export interface SegmentMappingExport {
  name?: string;
  subscribe?: string;
  partnerAction?: string;
  mapping?: Record<string, unknown>;
  enabled?: boolean;
  id?: string;
  [key: string]: unknown;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
}

export function importSegmentMapping(raw: SegmentMappingExport, index: number): MappingConfig {
  const action = typeof raw.partnerAction === 'string' ? raw.partnerAction : '';
  const mapping = raw.mapping && typeof raw.mapping === 'object' && !Array.isArray(raw.mapping) ? raw.mapping : {};
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mapping)) {
    if (k === ROOT_MAPPING_FIELD_KEY) fields[k] = v;
    else if (k.startsWith('__segment_internal') || SEGMENT_ONLY_FIELDS.has(k)) continue;
    else fields[k] = v;
  }
  const named = typeof raw.name === 'string' ? slug(raw.name) : '';
  return {
    id: typeof raw.id === 'string' && raw.id ? raw.id : named || `${action || 'mapping'}-${index}`,
    action,
    trigger: typeof raw.subscribe === 'string' ? raw.subscribe : '',
    fields,
    enabled: raw.enabled !== false,
    origin: 'segment-import',
  };
}
