/**
 * Datafile CDN: GET /datafiles/{sdkKey}.json (public) and /datafiles/auth/{sdkKey}.json (Bearer datafile token).
 * Last-Modified / If-Modified-Since → 304 (the SDKs don't use ETag). Unknown key or wrong token → 403, the way
 * the CDN answers (an S3-style AccessDenied document).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../context.js';
import { buildDatafile } from '../datafile.js';

const ACCESS_DENIED = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>\n';

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.hostname}`;
}

export function registerCdn(app: FastifyInstance, ctx: SandboxContext): void {
  const serve = (req: FastifyRequest<{ Params: { file: string } }>, reply: FastifyReply, auth: boolean): FastifyReply => {
    const m = /^([A-Za-z0-9_-]+)\.json$/.exec(req.params.file);
    const project = m ? ctx.state.projectBySdkKey(m[1]!) : undefined;
    const deny = (): FastifyReply => reply.code(403).type('application/xml').send(ACCESS_DENIED);
    if (!project) return deny();
    if (auth) {
      const h = req.headers.authorization ?? '';
      const token = /^Bearer\s+(.+)$/i.exec(h)?.[1]?.trim();
      if (!project.datafileToken || token !== project.datafileToken) return deny();
    }
    const lastModified = new Date(project.lastModified).toUTCString();
    reply.header('last-modified', lastModified).header('cache-control', 'max-age=0, must-revalidate');
    const ims = req.headers['if-modified-since'];
    if (ims) {
      const since = Date.parse(ims);
      if (!Number.isNaN(since) && since >= project.lastModified) return reply.code(304).send();
    }
    return reply.code(200).type('application/json').send(JSON.stringify(buildDatafile(ctx.state, project, baseUrl(req))));
  };
  app.get<{ Params: { file: string } }>('/datafiles/auth/:file', (req, reply) => serve(req, reply, true));
  app.get<{ Params: { file: string } }>('/datafiles/:file', (req, reply) => serve(req, reply, false));
}
