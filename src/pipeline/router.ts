/**
 * The router: every enabled mapping of every enabled destination, compiled once (trigger predicate, field
 * mapping, payload validator). Ingest calls route(event) to create one delivery per matching mapping; the
 * deliverer calls resolvePayload(mapping, event) to build and validate what the action receives.
 *
 * Field resolution: the action's field defaults, overridden by the mapping's `fields` (a `null` removes a
 * default); mappings imported from a Segment export are used as they are. Presets (`presets: all | [names]`) become mappings with id `preset:<name>`.
 */
import type { OptirelayConfig, DestinationConfig, MappingConfig } from '../config/types.js';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { SegmentEvent } from '../core/event.js';
import type { ActionDefinition, DestinationType } from '../destinations/kit.js';
import { getDestinationType } from '../destinations/registry.js';
import type { NewDelivery } from '../store/types.js';
import {
  compileFields,
  compileMapping,
  compileTrigger,
  MappingError,
  MappingValidationError,
  parseTrigger,
  TriggerParseError,
  type CompiledMappingFn,
  type FieldDef,
  type FieldError,
  type PayloadValidator,
  type Predicate,
  type TriggerAst,
} from '../mapping/index.js';

export interface CompiledMapping {
  destinationId: string;
  mappingId: string;
  /** The destination type's action key. */
  action: string;
  /** The FQL in effect (the mapping's, or the action's default trigger). */
  trigger: string;
  triggerAst: TriggerAst;
  /** The resolved field mapping: action defaults overridden by the mapping's fields. */
  fields: Record<string, unknown>;
  origin: MappingConfig['origin'];
  enabled: boolean;
  /** Compiled pieces (use route / resolvePayload rather than calling these directly). */
  readonly predicate: Predicate;
  readonly transform: CompiledMappingFn;
  readonly validator: PayloadValidator;
  readonly actionFields: Record<string, FieldDef>;
}

export type ResolvedPayload = { ok: true; payload: Record<string, unknown> } | { ok: false; errors: FieldError[] };

type TypeLookup = (type: string) => DestinationType<unknown, unknown> | undefined;

/** Action key for a mapping: Segment exports may use Segment's key (`partnerAction`), mapped by the type's aliases. */
export function resolveActionKey(type: DestinationType<unknown, unknown>, m: Pick<MappingConfig, 'action' | 'origin'>): string {
  if (m.origin === 'segment-import') return type.segmentActionAliases?.[m.action] ?? m.action;
  return m.action;
}

/** Action defaults overridden by mapping fields; a null override removes the default. */
export function resolveFields(action: ActionDefinition<Record<string, unknown>, unknown, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(action.fields)) if (def.default !== undefined) out[key] = def.default;
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

/** The mappings a destination runs: its configured mappings, then its enabled presets. */
export function destinationMappings(d: DestinationConfig, type: DestinationType<unknown, unknown>): MappingConfig[] {
  const presets = type.presets ?? [];
  const chosen = d.presets === 'all' ? presets : presets.filter((p) => (d.presets as string[]).includes(p.name));
  return [
    ...d.mappings,
    ...chosen.map((p): MappingConfig => ({ id: `preset:${p.name}`, action: p.action, trigger: p.trigger, fields: p.fields ?? {}, enabled: true, origin: 'preset' })),
  ];
}

export class Router {
  private readonly byId = new Map<string, CompiledMapping>();
  private readonly active: CompiledMapping[] = [];

  constructor(config: OptirelayConfig, lookup: TypeLookup = getDestinationType as TypeLookup) {
    const issues: ConfigIssue[] = [];
    const file = config.file ?? 'config';
    config.destinations.forEach((d, di) => {
      if (!d.enabled) return;
      const type = lookup(d.type);
      if (!type) {
        issues.push({ file, path: `/destinations/${di}/type`, message: `unknown destination type "${d.type}"` });
        return;
      }
      destinationMappings(d, type).forEach((m, mi) => {
        const path = m.origin === 'preset' ? `/destinations/${di}/presets` : `/destinations/${di}/mappings/${mi}`;
        try {
          const cm = compileOne(d, type, m);
          this.byId.set(key(d.id, m.id), cm);
          if (cm.enabled) this.active.push(cm);
        } catch (err) {
          issues.push({ file, path, message: `mapping "${m.id}": ${(err as Error).message}` });
        }
      });
    });
    if (issues.length) throw new ConfigError(issues);
  }

  /** One NewDelivery per enabled mapping whose trigger matches the event. */
  route(event: SegmentEvent): NewDelivery[] {
    const out: NewDelivery[] = [];
    const e = event as unknown as Record<string, unknown>;
    for (const m of this.active) {
      if (m.predicate(e)) out.push({ destinationId: m.destinationId, mappingId: m.mappingId, action: m.action });
    }
    return out;
  }

  getMapping(destinationId: string, mappingId: string): CompiledMapping | undefined {
    return this.byId.get(key(destinationId, mappingId));
  }

  /** Maps the event with the mapping's fields and validates the result against the action's field definitions. */
  resolvePayload(m: CompiledMapping, event: SegmentEvent): ResolvedPayload {
    let mapped: Record<string, unknown>;
    try {
      mapped = m.transform(event);
    } catch (err) {
      if (err instanceof MappingError || err instanceof MappingValidationError) return { ok: false, errors: [{ field: '', message: err.message }] };
      throw err;
    }
    return m.validator.validate(mapped);
  }

  /** Every compiled mapping (enabled or not) of the enabled destinations. */
  mappings(): CompiledMapping[] {
    return [...this.byId.values()];
  }
}

function key(destinationId: string, mappingId: string): string {
  return `${destinationId}\u0000${mappingId}`;
}

function compileOne(d: DestinationConfig, type: DestinationType<unknown, unknown>, m: MappingConfig): CompiledMapping {
  const actionKey = resolveActionKey(type, m);
  const action = Object.prototype.hasOwnProperty.call(type.actions, actionKey) ? type.actions[actionKey] : undefined;
  if (!action) throw new Error(`unknown action "${m.action}" for ${type.type} (actions: ${Object.keys(type.actions).join(', ')})`);
  const trigger = m.trigger || action.defaultTrigger || '';
  if (!trigger) throw new Error(`no trigger, and action "${actionKey}" has no default trigger. Fix: add trigger: 'type = "track"' (or any FQL)`);
  let triggerAst: TriggerAst;
  try {
    triggerAst = parseTrigger(trigger);
  } catch (err) {
    if (err instanceof TriggerParseError) throw new Error(`trigger ${JSON.stringify(trigger)}: ${err.message}`);
    throw err;
  }
  // A Segment export is a complete mapping (Segment never fills in defaults at run time): load it unchanged.
  const fields = m.origin === 'segment-import' ? { ...m.fields } : resolveFields(action, m.fields);
  return {
    destinationId: d.id,
    mappingId: m.id,
    action: actionKey,
    trigger,
    triggerAst,
    fields,
    origin: m.origin,
    enabled: m.enabled,
    predicate: compileTrigger(triggerAst),
    transform: compileMapping(fields),
    validator: compileFields(action.fields),
    actionFields: action.fields,
  };
}
