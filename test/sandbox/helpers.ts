/** Shared test helpers for the sandbox: a manual clock and a small fetch wrapper. */
import { request } from 'undici';
import { DEMO } from '../../src/sandbox/demo.js';

export class ManualClock {
  constructor(public t = Date.UTC(2025, 0, 1, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(base: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown; raw?: string | Buffer } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  // undici.request (not fetch) so a test may set the Host header.
  const r = await request(`${base}${path}`, { method: method as 'GET', headers, body });
  const text = await r.body.text();
  const h = new Headers();
  for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: h, text, json };
}

export const PAT = { authorization: `Bearer ${DEMO.personalAccessToken}` };
export const ODP = { 'x-api-key': DEMO.odpApiKey };

/** A conversion batch the way a server-side sender would post it. */
export function conversionBatch(events: { key: string; uuid: string; entityId?: string; revenue?: number; visitor?: string }[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account_id: DEMO.accountId,
    project_id: DEMO.projectId,
    client_name: 'optirelay',
    anonymize_ip: true,
    enrich_decisions: true,
    visitors: events.map((e) => ({
      visitor_id: e.visitor ?? 'user-1',
      attributes: [{ entity_id: DEMO.attributes[0].id, key: 'plan', type: 'custom', value: 'gold' }],
      snapshots: [
        {
          decisions: [],
          events: [
            {
              entity_id: e.entityId ?? DEMO.events.find((x) => x.key === e.key)?.id ?? '999',
              key: e.key,
              timestamp: 1735732800000,
              uuid: e.uuid,
              ...(e.revenue !== undefined ? { revenue: e.revenue } : {}),
            },
          ],
        },
      ],
    })),
    ...extra,
  };
}
