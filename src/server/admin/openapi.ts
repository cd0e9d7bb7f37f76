/**
 * Builds the OpenAPI 3.1 document of the admin API from the Fastify route schemas (the single source of truth):
 * every route registered under /admin/v1 with a `schema` appears, including ones other modules add later.
 */
import type { RouteOptions } from 'fastify';
import { VERSION } from '../../version.js';

type Json = Record<string, unknown>;

interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  hide?: boolean;
  querystring?: Json;
  params?: Json;
  body?: Json;
  response?: Record<string, Json>;
}

function withoutDescription(schema: Json): Json {
  const { description: _d, ...rest } = schema;
  return rest;
}

function parameters(schema: Json | undefined, where: 'query' | 'path'): Json[] {
  if (!schema || typeof schema.properties !== 'object' || schema.properties === null) return [];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(schema.properties as Record<string, Json>).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' ? true : required.has(name),
    ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    schema: withoutDescription(prop),
  }));
}

const STATUS_TEXT: Record<string, string> = {
  '200': 'OK', '201': 'Created', '202': 'Accepted', '204': 'No content', '400': 'Invalid parameter (the message names it)',
  '401': 'No bearer token', '403': 'Wrong bearer token', '404': 'Not found', '409': 'Conflict', '503': 'Unavailable',
};

export function buildOpenApi(routes: RouteOptions[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const schema = r.schema as RouteSchema | undefined;
    if (!schema || schema.hide) continue;
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).map((m) => m.toLowerCase()).filter((m) => m !== 'head');
    for (const method of methods) {
      const responses: Record<string, Json> = {};
      for (const [code, s] of Object.entries(schema.response ?? {})) {
        responses[code] = {
          description: typeof s.description === 'string' ? s.description : (STATUS_TEXT[code] ?? 'Response'),
          content: { 'application/json': { schema: s } },
        };
      }
      const op: Json = {
        ...(schema.summary ? { summary: schema.summary } : {}),
        ...(schema.description ? { description: schema.description } : {}),
        ...(schema.tags ? { tags: schema.tags } : {}),
        operationId: `${method}${path.replace(/\{([^}]+)\}/g, 'By_$1').replace(/^\/admin\/v1/, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        parameters: [...parameters(schema.params, 'path'), ...parameters(schema.querystring, 'query')],
        ...(schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } } : {}),
        responses: Object.keys(responses).length ? responses : { '200': { description: 'OK' } },
      };
      (paths[path] ??= {})[method] = op;
    }
  }
  const sorted: typeof paths = {};
  for (const p of Object.keys(paths).sort()) sorted[p] = paths[p];
  return {
    openapi: '3.1.0',
    info: {
      title: 'optirelay admin API',
      version: VERSION,
      description: 'Inspect and steer optirelay. Every route needs `Authorization: Bearer <admin token>`. Errors are `{success:false, code, message}`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths: sorted,
  };
}
