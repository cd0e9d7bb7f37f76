/**
 * The web console's static assets (console/dist, built by `npm run build:console`) at `/`.
 * GET /assets/* and other files in console/dist are served as they are; any other GET that asks for HTML and is not
 * an API path (/v1, /admin, /metrics, /healthz, /readyz) gets index.html, so deep links into the single-page app work.
 * Requests that do not accept HTML keep the JSON 404. When the console is not built, `/` explains how to build it.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const API_PATH = /^\/(v1|admin|metrics|healthz|readyz)(\/|$)/;

/** Finds console/dist walking up from this file (src/server when run from source, dist/server when built). */
export function findConsoleDist(start: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'console', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>optirelay console</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>optirelay console is not built</h1>
<p>Build it with <code>npm run build</code> (or <code>npm run build:console</code>) and reload this page.
The admin API is available meanwhile at <a href="/admin/v1/openapi.json">/admin/v1/openapi.json</a>.</p></body></html>`;

export interface ConsoleRoutesOptions {
  /** Directory of the built console; default: console/dist found next to the package. */
  root?: string;
}

export async function consoleRoutes(app: FastifyInstance, opts: ConsoleRoutesOptions = {}): Promise<void> {
  const root = opts.root ?? findConsoleDist();
  const wantsHtml = (req: FastifyRequest): boolean => String(req.headers.accept ?? '').includes('text/html');

  if (!root) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  const absRoot = resolve(root);
  await app.register(fastifyStatic, { root: absRoot, serve: false });

  const sendIndex = (reply: FastifyReply): FastifyReply =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', absRoot);

  app.get('/', { schema: { hide: true } }, async (_req, reply) => sendIndex(reply));
  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = decodeURIComponent(req.url.split('?')[0] ?? '/');
    if (API_PATH.test(path)) return reply.callNotFound();
    const file = resolve(absRoot, `.${path}`);
    if (file.startsWith(absRoot + sep) && existsSync(file) && statSync(file).isFile()) {
      // Hashed asset names never change content: cache them for long.
      if (path.startsWith('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.sendFile(file.slice(absRoot.length + 1), absRoot);
    }
    if (wantsHtml(req)) return sendIndex(reply);
    return reply.callNotFound();
  });
}
