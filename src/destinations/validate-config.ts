/**
 * Semantic checks of the destinations part of a loaded config against the destination registry: types,
 * settings, endpoints, actions, triggers, field mappings, field keys, presets, the 50-mapping limit and
 * duplicate mapping ids. Every issue names the config path (`/destinations/1/mappings/0/trigger`), the line,
 * and the fix.
 */
import type { ConfigIssue } from '../core/errors.js';
import type { MappingConfig, OptirelayConfig } from '../config/types.js';
import { parseTrigger, TriggerParseError, validateMapping, ROOT_MAPPING_FIELD_KEY, type FieldDef } from '../mapping/index.js';
import type { DestinationType } from './kit.js';
import { getDestinationType, listDestinationTypes } from './registry.js';

export type Locate = (path: string) => { line: number; column: number } | undefined;

/** Segment's platform limit, enforced here: "Actions-based destinations have a limit of 50 individual mappings". */
export const MAX_MAPPINGS_PER_DESTINATION = 50;

type TypeLookup = (type: string) => DestinationType<unknown, unknown> | undefined;

function expectedType(def: FieldDef): string {
  switch (def.type) {
    case 'number':
      return 'a number';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a map';
    default:
      return 'a string';
  }
}

function settingTypeOk(def: FieldDef, v: unknown): boolean {
  switch (def.type) {
    case 'number':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
    case 'integer':
      return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v.trim()));
    case 'boolean':
      return typeof v === 'boolean' || v === 'true' || v === 'false';
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      // Ajv-style coercion (as Segment validates settings): numbers and booleans are accepted for string settings.
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Known-action names, for messages. */
function actionList(type: DestinationType<unknown, unknown>): string {
  return Object.keys(type.actions).join(', ') || '(none)';
}

export function validateDestinations(config: OptirelayConfig, locate: Locate, file: string, lookup: TypeLookup = getDestinationType as TypeLookup): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const push = (path: string, message: string, ...fallbacks: string[]): void => {
    let at = locate(path);
    for (const f of fallbacks) at ??= locate(f);
    issues.push({ file, path, message, ...(at ? { line: at.line, column: at.column } : {}) });
  };

  config.destinations.forEach((d, di) => {
    const base = `/destinations/${di}`;
    const type = lookup(d.type);
    if (!type) {
      const known = listDestinationTypes().map((t) => t.type);
      push(`${base}/type`, `unknown destination type "${d.type}". Fix: use one of: ${known.join(', ') || '(no destination types registered)'}.`, base);
      return;
    }

    // Settings.
    const settings = d.settings ?? {};
    for (const [key, def] of Object.entries(type.settings)) {
      const v = settings[key];
      if (v === undefined || v === null || v === '') {
        if (def.required === true) {
          push(`${base}/settings`, `destination "${d.id}" (${type.type}) is missing the required setting "${key}" (${def.label}). Fix: add settings.${key}${def.type === 'password' ? ' (e.g. ${ENV_VAR})' : ''}: ${def.description}`, base);
        }
        continue;
      }
      if (!settingTypeOk(def, v)) {
        push(`${base}/settings/${key}`, `setting "${key}" (${def.label}) must be ${expectedType(def)} but it is ${def.type === 'password' ? 'not' : describe(v)}. Fix: give settings.${key} as ${expectedType(def)}.`, `${base}/settings`);
        continue;
      }
      if (def.choices) {
        const allowed = def.choices.map((c) => (typeof c === 'string' ? c : c.value));
        if (!allowed.includes(String(v))) {
          push(`${base}/settings/${key}`, `setting "${key}" (${def.label}) must be one of: ${allowed.join(', ')} but it is ${JSON.stringify(v)}.`, `${base}/settings`);
        }
      }
    }
    for (const key of Object.keys(settings)) {
      if (!Object.prototype.hasOwnProperty.call(type.settings, key)) {
        push(`${base}/settings/${key}`, `unknown setting "${key}" for ${type.type}. Fix: remove it or use one of: ${Object.keys(type.settings).join(', ')}.`, `${base}/settings`);
      }
    }

    // Endpoints.
    for (const key of Object.keys(d.endpoints ?? {})) {
      if (!Object.prototype.hasOwnProperty.call(type.endpoints, key)) {
        push(`${base}/endpoints/${key}`, `unknown endpoint "${key}" for ${type.type}. Fix: use one of: ${Object.keys(type.endpoints).join(', ') || '(none)'}.`, `${base}/endpoints`);
      }
    }

    // Presets.
    const presetNames = (type.presets ?? []).map((p) => p.name);
    let presetCount = 0;
    if (d.presets === 'all') presetCount = presetNames.length;
    else {
      (d.presets ?? []).forEach((name, pi) => {
        if (presetNames.includes(name)) presetCount++;
        else push(`${base}/presets/${pi}`, `unknown preset "${name}" for ${type.type}. Fix: use one of: ${presetNames.map((n) => JSON.stringify(n)).join(', ') || '(this type has no presets)'}, or \`presets: all\`.`, `${base}/presets`);
      });
    }

    // Mapping count and ids.
    const total = d.mappings.length + presetCount;
    if (total > MAX_MAPPINGS_PER_DESTINATION) {
      push(`${base}/mappings`, `destination "${d.id}" has ${total} mappings${presetCount ? ` (${d.mappings.length} + ${presetCount} presets)` : ''}; at most ${MAX_MAPPINGS_PER_DESTINATION} are allowed per destination. Fix: split it into two destinations, or combine mappings with broader triggers.`, base);
    }
    const seen = new Map<string, number>();
    d.mappings.forEach((m, mi) => {
      const prev = seen.get(m.id);
      if (prev !== undefined) push(`${base}/mappings/${mi}/id`, `duplicate mapping id "${m.id}" (also used by mappings[${prev}]). Fix: give each mapping its own id.`, `${base}/mappings/${mi}`);
      else seen.set(m.id, mi);
      if (m.id.startsWith('preset:')) push(`${base}/mappings/${mi}/id`, `mapping id "${m.id}" uses the reserved prefix "preset:". Fix: choose another id.`, `${base}/mappings/${mi}`);
    });

    d.mappings.forEach((m, mi) => validateMappingConfig(type, m, `${base}/mappings/${mi}`, push));
  });
  return issues;
}

function validateMappingConfig(type: DestinationType<unknown, unknown>, m: MappingConfig, at: string, push: (path: string, message: string, ...fallbacks: string[]) => void): void {
  const segment = m.origin === 'segment-import';
  const actionKey = segment ? (type.segmentActionAliases?.[m.action] ?? m.action) : m.action;
  const actionPath = segment ? `${at}/partnerAction` : `${at}/action`;
  const fieldsPath = segment ? `${at}/mapping` : `${at}/fields`;
  const triggerPath = segment ? `${at}/subscribe` : `${at}/trigger`;
  const action = Object.prototype.hasOwnProperty.call(type.actions, actionKey) ? type.actions[actionKey] : undefined;
  if (!action) {
    push(actionPath, `unknown action "${m.action}" for ${type.type}. Fix: use one of: ${actionList(type)}.`, at);
  }
  const trigger = m.trigger || action?.defaultTrigger || '';
  if (!trigger) {
    if (action) push(at, `mapping "${m.id}" has no trigger and action "${actionKey}" has no default trigger. Fix: add trigger: 'type = "track" and event = "…"'.`);
  } else {
    try {
      parseTrigger(trigger);
    } catch (err) {
      if (!(err instanceof TriggerParseError)) throw err;
      const where = m.trigger ? '' : ` (the default trigger of ${actionKey})`;
      push(triggerPath, `trigger ${JSON.stringify(trigger)}${where} does not parse: ${err.message}. Fix: see docs/mappings.md#triggers.`, at);
    }
  }
  // Field mappings: validate each given field (null removes a default and is always fine).
  for (const [key, value] of Object.entries(m.fields ?? {})) {
    if (value === null) continue;
    if (key === ROOT_MAPPING_FIELD_KEY) continue;
    if (action && !Object.prototype.hasOwnProperty.call(action.fields, key)) {
      push(`${fieldsPath}/${key}`, `unknown field "${key}" for action ${actionKey}. Fix: remove it or use one of: ${Object.keys(action.fields).join(', ')}.`, fieldsPath, at);
      continue;
    }
    for (const message of validateMapping({ [key]: value })) {
      push(`${fieldsPath}/${key}`, `invalid field mapping: ${message} Fix: see docs/mappings.md#directives.`, fieldsPath, at);
    }
  }
  if (Object.prototype.hasOwnProperty.call(m.fields ?? {}, ROOT_MAPPING_FIELD_KEY)) {
    for (const message of validateMapping(m.fields)) push(`${fieldsPath}/${ROOT_MAPPING_FIELD_KEY}`, `invalid root mapping: ${message}`, fieldsPath, at);
  }
}
