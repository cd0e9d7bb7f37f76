/**
 * Destinations for the console:
 *   GET  /destinations                              every configured destination: masked settings, resolved endpoints,
 *                                                   actions with their fields, mappings, presets, run state, datafile
 *   POST /destinations/:id/mappings/preview         a draft mapping against an event: match, payload, the request it
 *                                                   would make (captured, never sent), YAML for the config
 *   POST /destinations/:id/mappings/test-send       the same, sent once for real through the action
 * Secrets never leave the server: settings come masked (mask.ts), request headers redacted.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { getDestinationType } from '../../destinations/registry.js';
import { resolveEndpoints } from '../../destinations/runtime.js';
import { destinationMappings } from '../../pipeline/router.js';
import type { FieldDef } from '../../mapping/field-types.js';
import type { ServerDeps } from '../types.js';
import { sendError } from '../errors.js';
import { anyObject, errorResponses, errorSchema } from './schemas.js';
import { maskConfig, maskUrl } from './mask.js';
import { previewMapping, PreviewInputError, type PreviewInput } from './console-mapping-preview.js';

function presentField(f: FieldDef): Record<string, unknown> {
  return {
    label: f.label,
    description: f.description,
    type: f.type,
    required: f.required === true,
    conditionallyRequired: typeof f.required === 'object',
    multiple: f.multiple === true,
    ...(f.default !== undefined ? { default: f.default } : {}),
    ...(f.choices ? { choices: f.choices } : {}),
    ...(f.dynamic ? { dynamic: true } : {}),
  };
}

/** Datafile state when the destination's runtime has a datafile manager (structural: Feature Experimentation). */
function datafileStatus(runtime: unknown): Record<string, unknown> | null {
  const df = (runtime as { datafile?: { status?: () => Record<string, unknown>; ageMs?: () => number | undefined } } | undefined)?.datafile;
  if (!df || typeof df.status !== 'function') return null;
  const s = df.status();
  const iso = (v: unknown): string | null => (typeof v === 'number' ? new Date(v).toISOString() : null);
  return {
    url: typeof s.url === 'string' ? maskUrl(s.url) : null,
    ready: s.ready === true,
    revision: s.revision ?? null,
    projectId: s.projectId ?? null,
    lastSuccessAt: iso(s.lastSuccessAt),
    lastAttemptAt: iso(s.lastAttemptAt),
    ageMs: typeof df.ageMs === 'function' ? (df.ageMs() ?? null) : null,
    consecutiveFailures: s.consecutiveFailures ?? 0,
    lastError: s.lastError ?? null,
  };
}

const previewBody = {
  type: 'object',
  additionalProperties: false,
  required: ['action', 'event'],
  properties: {
    id: { type: 'string', description: 'Mapping id for the generated YAML.' },
    action: { type: 'string', description: "The destination type's action key (e.g. trackEvent)." },
    trigger: { type: 'string', description: "FQL; empty uses the action's default trigger." },
    fields: { ...anyObject, description: "Field mapping (directives); keys not given take the action's defaults, null removes one." },
    event: { ...anyObject, description: 'One Segment event (a recent one from /events, or pasted).' },
  },
} as const;

const exchangeSchema = {
  type: ['object', 'null'],
  additionalProperties: true,
  properties: { method: { type: 'string' }, url: { type: 'string' }, headers: anyObject, body: {} },
} as const;

const previewResponse = {
  type: 'object',
  properties: {
    trigger: { type: 'string' },
    matches: { type: 'boolean' },
    mismatch: { type: 'string', description: 'Why the trigger does not match.' },
    fields: anyObject,
    payload: anyObject,
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['field', 'message'] } },
    request: { ...exchangeSchema, description: 'The HTTP request (headers redacted).' },
    response: { type: ['object', 'null'], additionalProperties: true, properties: { status: { type: 'integer' }, headers: anyObject, body: {} } },
    outcome: { type: 'object', additionalProperties: true, properties: { status: { type: 'string' }, error: { type: 'string' } } },
    exchanges: { type: 'array', items: { type: 'object', additionalProperties: true, properties: { request: anyObject, response: anyObject, durationMs: { type: 'number' }, error: { type: 'string' } } } },
    yaml: { type: 'string', description: "The mapping as YAML for the destination's `mappings:`." },
    note: { type: 'string' },
  },
  required: ['trigger', 'matches', 'fields', 'yaml'],
} as const;

const destParams = { type: 'object', properties: { id: { type: 'string', description: 'The destination id.' } }, required: ['id'] } as const;

export const consoleDestinationsRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  app.get(
    '/destinations',
    {
      schema: {
        summary: 'Configured destinations: masked settings, endpoints, actions and fields, mappings, presets, run state',
        tags: ['destinations'],
        response: {
          200: {
            type: 'object',
            properties: {
              destinations: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: true,
                  properties: {
                    id: { type: 'string' },
                    type: { type: 'string' },
                    typeTitle: { type: ['string', 'null'] },
                    enabled: { type: 'boolean' },
                    running: { type: 'boolean' },
                    startError: { type: ['string', 'null'] },
                    settings: { ...anyObject, description: 'Secrets replaced by "[redacted]".' },
                    secretSettings: { type: 'array', items: { type: 'string' }, description: 'Setting keys that are secrets.' },
                    endpoints: anyObject,
                    actions: anyObject,
                    mappings: { type: 'array', items: anyObject },
                    presets: { type: 'array', items: anyObject },
                    datafile: { type: ['object', 'null'], additionalProperties: true },
                  },
                  required: ['id', 'type', 'enabled', 'running', 'settings', 'mappings', 'presets'],
                },
              },
            },
            required: ['destinations'],
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const masked = maskConfig(deps.config); // per request: a live reload replaces deps.config
      const runtimes = deps.delivery?.destinations;
      const destinations = deps.config.destinations.map((d, i) => {
        const type = getDestinationType(d.type);
        const live = runtimes?.get(d.id);
        const m = masked.destinations[i]!;
        const secretSettings = type ? Object.entries(type.settings).filter(([, f]) => (f as FieldDef).type === 'password').map(([k]) => k) : [];
        const settings: Record<string, unknown> = { ...m.settings };
        for (const k of secretSettings) if (settings[k] !== undefined && settings[k] !== '') settings[k] = '[redacted]';
        const enabledPresets = d.presets === 'all' ? (type?.presets ?? []).map((p) => p.name) : d.presets;
        return {
          id: d.id,
          type: d.type,
          typeTitle: type?.title ?? null,
          enabled: d.enabled !== false,
          running: live !== undefined,
          startError: runtimes?.startFailures().find((f) => f.destinationId === d.id)?.error ?? null,
          settings,
          secretSettings,
          endpoints: type ? Object.fromEntries(Object.entries(resolveEndpoints(type, d)).map(([k, v]) => [k, maskUrl(v)])) : m.endpoints,
          actions: type
            ? Object.fromEntries(
                Object.entries(type.actions).map(([key, a]) => [
                  key,
                  { title: a.title, description: a.description, defaultTrigger: a.defaultTrigger ?? null, fields: Object.fromEntries(Object.entries(a.fields).map(([fk, f]) => [fk, presentField(f)])) },
                ]),
              )
            : {},
          mappings: type
            ? destinationMappings(d, type).map((mp) => ({
                id: mp.id,
                action: mp.action,
                trigger: mp.trigger || type.actions[mp.action]?.defaultTrigger || '',
                fields: mp.fields,
                enabled: mp.enabled,
                origin: mp.origin,
              }))
            : [],
          presets: (type?.presets ?? []).map((p) => ({ name: p.name, action: p.action, trigger: p.trigger, fields: p.fields ?? {}, enabled: enabledPresets.includes(p.name) })),
          datafile: live ? datafileStatus(live.runtime) : null,
        };
      });
      return { destinations };
    },
  );

  type PreviewRequest = FastifyRequest<{ Params: { id: string }; Body: PreviewInput }>;
  const handler = (mode: 'preview' | 'send') => async (req: PreviewRequest, reply: FastifyReply) => {
    const dest = deps.config.destinations.find((d) => d.id === req.params.id);
    if (!dest) return sendError(reply, 404, 'not_found', `no destination "${req.params.id}" in the config (configured: ${deps.config.destinations.map((d) => d.id).join(', ') || 'none'})`);
    const type = getDestinationType(dest.type);
    if (!type) return sendError(reply, 404, 'not_found', `destination "${dest.id}" has unknown type "${dest.type}"`);
    const live = deps.delivery?.destinations?.get(dest.id);
    if (mode === 'send' && !live) {
      return sendError(reply, 503, 'unavailable', `destination "${dest.id}" is not running in this process (disabled, failed to start, or serve --no-workers); a test event needs it`);
    }
    try {
      const result = await previewMapping(dest, type, live, req.body, mode, deps.clock.now());
      if (mode === 'send') req.log.info({ destination: dest.id, action: req.body.action, outcome: result.outcome?.status }, 'console: test event sent');
      return result;
    } catch (err) {
      if (err instanceof PreviewInputError) return sendError(reply, 400, 'invalid_param', err.message, { field: err.field });
      throw err;
    }
  };

  app.post<{ Params: { id: string }; Body: PreviewInput }>(
    '/destinations/:id/mappings/preview',
    {
      schema: {
        summary: 'Preview a draft mapping on an event: match, payload and the exact HTTP request (never sent)',
        description:
          "Runs the trigger, the field mapping, the action's validation and checks, then the action itself against a capturing HTTP client that records the request and answers a fake 200: nothing leaves the server.",
        tags: ['destinations'],
        params: destParams,
        body: previewBody,
        response: { 200: previewResponse, 404: errorSchema, ...errorResponses },
      },
    },
    handler('preview'),
  );

  app.post<{ Params: { id: string }; Body: PreviewInput }>(
    '/destinations/:id/mappings/test-send',
    {
      schema: {
        summary: 'Send a test event once through a draft mapping and return the exchange (request and response, redacted)',
        description: 'A real request to the destination (no delivery is stored, no retry). The payload must validate.',
        tags: ['destinations'],
        params: destParams,
        body: previewBody,
        response: { 200: previewResponse, 404: errorSchema, 503: errorSchema, ...errorResponses },
      },
    },
    handler('send'),
  );
};
