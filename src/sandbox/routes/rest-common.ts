/**
 * REST v2 plumbing: the Error envelope `{code,message,uuid}`, bearer-token auth (401 unknown/missing token, 403
 * a project the token may not touch), per-token rate limiting with X-RateLimit-* on every authenticated
 * response, pagination (`page`, `per_page` ≤ 100, Link header with unquoted rel), and strict body field checks.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPlainObject, jsonBody, type SandboxContext } from '../context.js';
import type { ProjectRec } from '../state.js';
import type { SeedToken } from '../types.js';

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (): RestError => new RestError(404, 'not_found', 'Nothing matches the given URI');
export const badRequest = (message: string): RestError => new RestError(400, 'bad_request', message);

export function sendRestError(reply: FastifyReply, err: RestError): FastifyReply {
  return reply.code(err.status).send({ code: err.code, message: err.message, uuid: randomUUID() });
}

const tokens = new WeakMap<FastifyRequest, { token: SeedToken; index: number }>();

/** 401 when the bearer token is missing or unknown. */
export function authenticate(ctx: SandboxContext, req: FastifyRequest): { token: SeedToken; index: number } {
  const h = req.headers.authorization;
  if (!h) throw new RestError(401, 'unauthorized', 'Authentication credentials were not provided. Send "Authorization: Bearer <personal access token>".');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new RestError(401, 'unauthorized', 'The Authorization header must be "Bearer <personal access token>".');
  const index = ctx.state.data.tokens.findIndex((t) => t.token === m[1]);
  if (index < 0) throw new RestError(401, 'unauthorized', 'Invalid authentication credentials.');
  const found = { token: ctx.state.data.tokens[index]!, index };
  tokens.set(req, found);
  return found;
}

export function tokenOf(req: FastifyRequest): SeedToken {
  const t = tokens.get(req);
  if (!t) throw new RestError(401, 'unauthorized', 'Invalid authentication credentials.');
  return t.token;
}

/**
 * Rate limit one request. The bucket is the token plus the kind of project the request touches (Web or Feature
 * Experimentation); a request that names no project uses the token's first project.
 */
export function rateLimit(ctx: SandboxContext, req: FastifyRequest, reply: FastifyReply, project: ProjectRec | undefined): void {
  const t = tokens.get(req);
  if (!t) return;
  const target = project ?? ctx.state.project(t.token.projectIds[0]);
  const kind = target?.platform === 'web' ? 'web' : 'fx';
  const rule = ctx.rateLimits[kind];
  const bucket = `${t.token.name ?? `token${t.index + 1}`}:${kind}`;
  const d = ctx.limiter.check(bucket, rule);
  reply.header('x-ratelimit-limit', String(d.limit)).header('x-ratelimit-remaining', String(d.remaining)).header('x-ratelimit-reset', String(d.resetUnixSeconds));
  if (!d.allowed) {
    reply.header('retry-after', String(d.retryAfterSeconds));
    throw new RestError(429, 'too_many_requests', `Rate limit exceeded (${describe(rule)} per token for this project). Retry after ${d.retryAfterSeconds} s.`);
  }
}

function describe(rule: { perSecond?: number; perMinute?: number }): string {
  return [rule.perSecond !== undefined ? `${rule.perSecond}/s` : '', rule.perMinute !== undefined ? `${rule.perMinute}/min` : ''].filter(Boolean).join(' and ');
}

/** 404 if the project does not exist, 403 if the token may not touch it. */
export function requireProjectAccess(req: FastifyRequest, project: ProjectRec | undefined): ProjectRec {
  if (!project) throw notFound();
  const token = tokenOf(req);
  if (!token.projectIds.includes(project.id)) throw new RestError(403, 'forbidden', `You do not have permission to access project ${project.id}.`);
  return project;
}

export function body(req: FastifyRequest): Record<string, unknown> {
  const parsed = jsonBody(req);
  if (!parsed.ok) throw badRequest(parsed.error);
  if (!isPlainObject(parsed.value)) throw badRequest('the request body must be a JSON object');
  return parsed.value;
}

export function rejectUnknown(b: Record<string, unknown>, allowed: string[]): void {
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length) throw badRequest(`Unknown field(s): ${unknown.join(', ')}. Allowed: ${allowed.join(', ')}.`);
}

/** Integer id as REST sends it: a JSON number, never a quoted string. */
export function intField(b: Record<string, unknown>, field: string, required: boolean): number | undefined {
  const v = b[field];
  if (v === undefined || v === null) {
    if (required) throw badRequest(`${field}: is required`);
    return undefined;
  }
  if (typeof v === 'string') throw badRequest(`${field}: must be an integer, not a string (send ${field}: ${v} without quotes)`);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${field}: must be an integer`);
  return v;
}

export function strField(b: Record<string, unknown>, field: string, opts: { required?: boolean; max?: number; pattern?: RegExp; oneOf?: string[] } = {}): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) {
    if (opts.required) throw badRequest(`${field}: is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw badRequest(`${field}: must be a string`);
  if (opts.required && v === '') throw badRequest(`${field}: must not be empty`);
  if (opts.max !== undefined && v.length > opts.max) throw badRequest(`${field}: must be at most ${opts.max} characters (got ${v.length})`);
  if (opts.pattern && !opts.pattern.test(v)) throw badRequest(`${field}: ${JSON.stringify(v)} must match ${opts.pattern.source}`);
  if (opts.oneOf && !opts.oneOf.includes(v)) throw badRequest(`${field}: must be one of ${opts.oneOf.join(', ')} (got ${JSON.stringify(v)})`);
  return v;
}

export function boolField(b: Record<string, unknown>, field: string): boolean | undefined {
  const v = b[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${field}: must be a boolean`);
  return v;
}

export const KEY_PATTERN = /^[a-zA-Z0-9_\- .]+$/;

/** Query param project_id: required integer. */
export function queryProjectId(req: FastifyRequest): string {
  const q = req.query as Record<string, unknown>;
  const v = q.project_id;
  if (v === undefined || v === '') throw badRequest('project_id: query parameter is required');
  if (!/^[0-9]+$/.test(String(v))) throw badRequest('project_id: must be an integer');
  return String(v);
}

/** Paginate a list: `page` (1-based, default 1), `per_page` (default 25, at most 100); sets the Link header. */
export function paginate<T>(req: FastifyRequest, reply: FastifyReply, items: T[]): T[] {
  const q = req.query as Record<string, unknown>;
  const page = q.page === undefined ? 1 : Number(q.page);
  const perPage = q.per_page === undefined ? 25 : Number(q.per_page);
  if (!Number.isInteger(page) || page < 1) throw badRequest('page: must be an integer ≥ 1');
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) throw badRequest('per_page: must be an integer between 1 and 100');
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const url = new URL(req.url, `${req.protocol}://${req.headers.host ?? 'localhost'}`);
  const link = (p: number, rel: string): string => {
    url.searchParams.set('page', String(p));
    url.searchParams.set('per_page', String(perPage));
    return `<${url.toString()}>; rel=${rel}`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(1, 'first'), link(Math.min(page - 1, last), 'prev'));
  if (page < last) links.push(link(page + 1, 'next'));
  links.push(link(last, 'last'));
  reply.header('link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

export const num = (id: string): number => Number(id);
