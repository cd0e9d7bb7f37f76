/** GET /admin/v1/config: the loaded config (defaults applied, durations in ms) with every secret masked. */
import type { FastifyPluginAsync } from 'fastify';
import type { ServerDeps } from '../types.js';
import { anyObject, errorResponses } from './schemas.js';
import { maskConfig } from './mask.js';

export const configRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  app.get(
    '/config',
    {
      schema: {
        summary: 'The loaded configuration, secrets masked',
        tags: ['config'],
        response: { 200: { ...anyObject, description: 'OptirelayConfig (docs/configuration.md) with write keys, tokens and API keys replaced by "[redacted]".' }, ...errorResponses },
      },
    },
    async () => maskConfig(deps.config), // per request: a live reload replaces deps.config
  );
};
