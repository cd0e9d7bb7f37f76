/**
 * The admin API under /admin/v1: bearer auth, JSON errors, and the OpenAPI document generated from the route
 * schemas. To add a resource, write `admin/<resource>.ts` exporting a `FastifyPluginAsync<ServerDeps>` (routes
 * relative to /admin/v1, each with a `schema`) and add it to ADMIN_ROUTE_MODULES below: one line.
 */
import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import type { ServerDeps } from '../types.js';
import { errorBody, fastifyErrorCode } from '../errors.js';
import { bearerAuth } from './auth.js';
import { buildOpenApi } from './openapi.js';
import { eventsRoutes } from './events.js';
import { rejectedRoutes } from './rejected.js';
import { statsRoutes } from './stats.js';
import { configRoutes } from './config.js';
import { deliveriesRoutes } from './deliveries-routes.js';
import { opsRoutes } from './ops-routes.js';
import { privacyRoutes } from './privacy-routes.js';
import { syncsRoutes } from './syncs-routes.js';
import { consoleTimeseriesRoutes } from './console-timeseries.js';
import { consoleDestinationsRoutes } from './console-destinations.js';

export type AdminRouteModule = FastifyPluginAsync<ServerDeps>;

export const ADMIN_ROUTE_MODULES: AdminRouteModule[] = [
  eventsRoutes,
  rejectedRoutes,
  statsRoutes,
  configRoutes,
  deliveriesRoutes,
  opsRoutes,
  privacyRoutes,
  consoleTimeseriesRoutes,
  consoleDestinationsRoutes,
  syncsRoutes,
];

export const ADMIN_PREFIX = '/admin/v1';
const OPENAPI_PATH = '/openapi.json';

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** Names the offending parameter of a Fastify/ajv validation error (`limit`, `type`, `id`, …). */
function paramName(v: ValidationIssue): string {
  if (v.keyword === 'required' && typeof v.params?.missingProperty === 'string') return v.params.missingProperty;
  if (v.keyword === 'additionalProperties' && typeof v.params?.additionalProperty === 'string') return v.params.additionalProperty;
  return (v.instancePath ?? '').replace(/^\//, '').split('/')[0] ?? '';
}

export async function adminPlugin(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (r) => {
    routes.push(r);
  });
  const auth = bearerAuth(deps.adminToken);
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.url === `${ADMIN_PREFIX}${OPENAPI_PATH}`) return;
    await auth(req, reply);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: ValidationIssue[]; validationContext?: string }, req, reply) => {
    if (err.validation && err.validation.length) {
      const v = err.validation[0];
      const field = paramName(v);
      const where = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'request');
      let message = `${where} parameter "${field}" ${v.message ?? 'is invalid'}`;
      if (v.keyword === 'required') message = `${where} parameter "${field}" is required`;
      if (v.keyword === 'additionalProperties') message = `${where} parameter "${field}" is not known`;
      if (Array.isArray(v.params?.allowedValues)) message = `${where} parameter "${field}" must be one of: ${(v.params.allowedValues as unknown[]).join(', ')}`;
      return reply.code(400).send(errorBody('invalid_param', message, { field }));
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'admin request failed');
    const code = typeof err.code === 'string' && !err.code.startsWith('FST_') ? err.code : fastifyErrorCode(err);
    return reply.code(status).send(errorBody(code, status >= 500 ? 'internal error (see the server log)' : err.message));
  });

  for (const mod of ADMIN_ROUTE_MODULES) await app.register(mod, deps);

  let doc: Record<string, unknown> | undefined;
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => (doc ??= buildOpenApi(routes)));
}
