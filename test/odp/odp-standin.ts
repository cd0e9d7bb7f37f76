/**
 * A tiny local HTTP server that answers like ODP REST v3 (reference/optimizely-apis.md §4, §6), used until the
 * shared sandbox serves ODP. Region by path prefix (`/us1/v3`, `/eu1/v3`, `/au1/v3`; bare `/v3` is US).
 * Rules: `x-api-key` must match, else 403 {"message":"Forbidden"}; events need type, action and one identifier;
 * profiles need one identifier in attributes; identifiers ending in `@invalid.test` are refused per item;
 * `faults` are answered first, in order.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  region: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface OdpStandin {
  url: string;
  /** Base URL of a region: `${url}/eu1/v3`. */
  base(region?: 'us1' | 'eu1' | 'au1'): string;
  requests: SeenRequest[];
  events: { region: string; event: Record<string, unknown> }[];
  profiles: Map<string, Record<string, unknown>>;
  faults: Fault[];
  close(): Promise<void>;
}

const IDENTIFIERS = ['email', 'vuid', 'fs_user_id', 'web_user_id'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startOdpStandin(apiKey: string): Promise<OdpStandin> {
  const requests: SeenRequest[] = [];
  const events: OdpStandin['events'] = [];
  const profiles = new Map<string, Record<string, unknown>>();
  const faults: Fault[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const u = new URL(req.url ?? '/', 'http://localhost');
      const m = /^(?:\/(us1|eu1|au1))?\/v3(\/.*)$/.exec(u.pathname);
      const region = m?.[1] ?? 'us1';
      const path = m?.[2] ?? u.pathname;
      requests.push({ method: req.method ?? 'GET', region, path, query: Object.fromEntries(u.searchParams), headers: req.headers, body });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      const now = new Date().toISOString();
      const fault = faults.shift();
      if (fault) return send(fault.status, fault.body ?? { title: 'Fault', status: fault.status, timestamp: now }, fault.headers);
      if (!m) return send(404, { title: 'Not Found', status: 404, timestamp: now, detail: { message: 'no such route' } });
      if (req.headers['x-api-key'] !== apiKey) return send(403, { message: 'Forbidden' });

      if (req.method === 'POST' && path === '/events') {
        const list = Array.isArray(body) ? body : [body];
        const invalids: { event: number; message: string }[] = [];
        list.forEach((e, i) => {
          if (!isObject(e) || typeof e.type !== 'string' || !e.type) return invalids.push({ event: i, message: 'type is required' });
          if (typeof e.action !== 'string' || !e.action) return invalids.push({ event: i, message: 'action is required' });
          const ids = isObject(e.identifiers) ? e.identifiers : {};
          if (Object.keys(ids).length === 0) return invalids.push({ event: i, message: 'at least one identifier is required' });
          if (String(ids.email ?? '').endsWith('@invalid.test')) return invalids.push({ event: i, message: `${String(ids.email)} is not a valid email` });
          events.push({ region, event: e });
          return undefined;
        });
        if (invalids.length) return send(400, { title: 'Bad Request', status: 400, timestamp: now, detail: { invalids } });
        return send(202, { title: 'Accepted', status: 202, timestamp: now });
      }
      if (req.method === 'POST' && path === '/profiles') {
        const list = Array.isArray(body) ? body : [body];
        const invalids: { field: string; reason: string }[] = [];
        list.forEach((p, i) => {
          const attrs = isObject(p) && isObject(p.attributes) ? p.attributes : undefined;
          if (!attrs) return invalids.push({ field: `[${i}].attributes`, reason: 'attributes is required' });
          const id = IDENTIFIERS.find((k) => typeof attrs[k] === 'string');
          if (!id) return invalids.push({ field: `[${i}].attributes`, reason: 'at least one identifier is required' });
          if (String(attrs.email ?? '').endsWith('@invalid.test')) return invalids.push({ field: `[${i}].attributes.email`, reason: 'invalid email' });
          const key = `${id}:${String(attrs[id])}`;
          profiles.set(key, { ...(profiles.get(key) ?? {}), ...attrs });
          return undefined;
        });
        if (invalids.length) return send(400, { title: 'Bad Request', status: 400, timestamp: now, detail: { invalids } });
        return send(202, { title: 'Accepted', status: 202, timestamp: now });
      }
      if (req.method === 'GET' && path === '/profiles') {
        const [field, value] = Object.entries(Object.fromEntries(u.searchParams))[0] ?? [];
        const found = field ? profiles.get(`${field}:${value}`) : undefined;
        if (!found) return send(404, { title: 'Not Found', status: 404, timestamp: now, detail: { message: 'customer not found' } });
        return send(200, { attributes: found });
      }
      return send(404, { title: 'Not Found', status: 404, timestamp: now, detail: { message: `no route ${req.method} ${path}` } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    base: (region = 'us1') => `${url}/${region}/v3`,
    requests,
    events,
    profiles,
    faults,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
