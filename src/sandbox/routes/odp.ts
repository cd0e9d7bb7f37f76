/**
 * ODP REST v3 (reference §4): x-api-key auth (403 {"message":"Forbidden"}), events (one object or an array of
 * ≤ 500; any invalid item rejects the whole request with 400 detail.invalids and nothing is recorded), profiles,
 * lists and list subscriptions. Data is kept per region (US / EU / AU), chosen by path prefix (/eu1/v3, /au1/v3)
 * or Host header (api.eu1.odp.optimizely.com); a key is valid only in the regions its seed lists.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { classify, isPlainObject, jsonBody, type SandboxContext } from '../context.js';
import type { OdpProfile, OdpRegion } from '../types.js';

export const ODP_MAX_BATCH = 500;
/** Fields that identify a customer (inside profile attributes, event identifiers, subscription bodies). */
export const ODP_IDENTIFIERS = ['email', 'customer_id', 'vuid', 'fs_user_id', 'web_user_id', 'zaius_id', 'phone'];

type Invalid = { event: number; message: string } | { field: string; reason: string };

export function odpBadRequest(reply: FastifyReply, now: string, invalids: Invalid[]): FastifyReply {
  return reply.code(400).send({ title: 'Bad Request', status: 400, timestamp: now, detail: { invalids } });
}

export function odpNotFound(reply: FastifyReply, now: string, message: string): FastifyReply {
  return reply.code(404).send({ title: 'Not Found', status: 404, timestamp: now, detail: { message } });
}

const isScalarOrNull = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

export function eventProblems(e: unknown): string[] {
  if (!isPlainObject(e)) return ['event must be an object'];
  const out: string[] = [];
  if (typeof e.type !== 'string' || e.type.trim() === '') out.push('type is required (e.g. "product", "order", "custom")');
  if (typeof e.action !== 'string' || e.action.trim() === '') out.push('action is required (e.g. "add_to_cart")');
  if (!isPlainObject(e.identifiers)) out.push('identifiers is required: an object with at least one identifier (e.g. {"email": "…"})');
  else {
    const entries = Object.entries(e.identifiers);
    if (entries.length === 0) out.push('identifiers must contain at least one identifier');
    for (const [k, v] of entries) if (typeof v !== 'string' || v === '') out.push(`identifiers.${k} must be a non-empty string`);
  }
  if (e.data !== undefined) {
    if (!isPlainObject(e.data)) out.push('data must be an object');
    else for (const [k, v] of Object.entries(e.data)) if (!isScalarOrNull(v)) out.push(`data.${k} must be a string, number, boolean or null (got ${Array.isArray(v) ? 'array' : typeof v})`);
  }
  return out;
}

export function registerOdp(app: FastifyInstance, ctx: SandboxContext, prefix: string): void {
  const st = ctx.state;
  const odp = (): typeof st.data.odp => st.data.odp;
  const regionOf = (req: FastifyRequest): OdpRegion => classify(req.url, req.headers.host).region ?? 'US';

  const authorized = (req: FastifyRequest, reply: FastifyReply): OdpRegion | undefined => {
    const region = regionOf(req);
    const key = req.headers['x-api-key'];
    const entry = typeof key === 'string' ? st.data.odpKeys.find((k) => k.key === key) : undefined;
    if (!entry || !entry.regions.includes(region)) {
      void reply.code(403).send({ message: 'Forbidden' });
      return undefined;
    }
    return region;
  };

  /** Find (merging when several match) or create the profile holding any of these identifier values. */
  const upsertProfile = (region: OdpRegion, fields: Record<string, unknown>): OdpProfile => {
    const ids = Object.entries(fields).filter(([k, v]) => ODP_IDENTIFIERS.includes(k) && typeof v === 'string' && v !== '');
    const matches = odp().profiles.filter((p) => p.region === region && ids.some(([k, v]) => p.attributes[k] === v));
    let profile = matches[0];
    if (!profile) {
      profile = { region, attributes: {}, updatedAt: st.nowIso() };
      odp().profiles.push(profile);
    }
    for (const other of matches.slice(1)) {
      profile.attributes = { ...other.attributes, ...profile.attributes };
      odp().profiles.splice(odp().profiles.indexOf(other), 1);
    }
    for (const [k, v] of Object.entries(fields)) {
      if (v === null) delete profile.attributes[k];
      else profile.attributes[k] = v;
    }
    profile.updatedAt = st.nowIso();
    st.changed();
    return profile;
  };

  /** The profile named by the one identifier in the query; undefined once it has answered 400 (bad query) or 404 (none). */
  const customerOf = (req: FastifyRequest, reply: FastifyReply, region: OdpRegion): OdpProfile | undefined => {
    const entries = Object.entries(req.query as Record<string, unknown>).filter(([, v]) => typeof v === 'string' && v !== '');
    if (entries.length !== 1 || !ODP_IDENTIFIERS.includes(entries[0]![0])) {
      void odpBadRequest(reply, st.nowIso(), [{ field: 'query', reason: `pass exactly one identifier as a query parameter (${ODP_IDENTIFIERS.join(', ')})` }]);
      return undefined;
    }
    const [field, value] = entries[0]!;
    const p = odp().profiles.find((x) => x.region === region && x.attributes[field] === value);
    if (!p) void odpNotFound(reply, st.nowIso(), `No customer with ${field} ${value as string}`);
    return p;
  };

  app.post(`${prefix}/v3/events`, (req, reply) => {
    const region = authorized(req, reply);
    if (!region) return reply;
    const parsed = jsonBody(req);
    if (!parsed.ok) return odpBadRequest(reply, st.nowIso(), [{ field: 'body', reason: parsed.error }]);
    const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    if (items.length === 0) return odpBadRequest(reply, st.nowIso(), [{ field: 'body', reason: 'send at least one event' }]);
    if (items.length > ODP_MAX_BATCH) return odpBadRequest(reply, st.nowIso(), [{ field: 'body', reason: `a request may carry at most ${ODP_MAX_BATCH} events (got ${items.length})` }]);
    const invalids: Invalid[] = [];
    items.forEach((e, i) => {
      for (const message of eventProblems(e)) invalids.push({ event: i, message });
    });
    if (invalids.length) return odpBadRequest(reply, st.nowIso(), invalids);
    for (const e of items as Record<string, unknown>[]) {
      const identifiers = e.identifiers as Record<string, string>;
      odp().events.push({ region, receivedAt: st.nowIso(), type: e.type as string, action: e.action as string, identifiers, data: (e.data as Record<string, unknown>) ?? {} });
      upsertProfile(region, identifiers);
    }
    st.changed();
    return reply.code(202).send({ title: 'Accepted', status: 202, timestamp: st.nowIso() });
  });

  app.post(`${prefix}/v3/profiles`, (req, reply) => {
    const region = authorized(req, reply);
    if (!region) return reply;
    const parsed = jsonBody(req);
    if (!parsed.ok) return odpBadRequest(reply, st.nowIso(), [{ field: 'body', reason: parsed.error }]);
    const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    if (items.length > ODP_MAX_BATCH) return odpBadRequest(reply, st.nowIso(), [{ field: 'body', reason: `a request may carry at most ${ODP_MAX_BATCH} profiles (got ${items.length})` }]);
    const invalids: Invalid[] = [];
    items.forEach((p, i) => {
      if (!isPlainObject(p) || !isPlainObject(p.attributes)) return void invalids.push({ field: `[${i}].attributes`, reason: 'each profile must be {"attributes": {…}}' });
      if (!ODP_IDENTIFIERS.some((k) => typeof (p.attributes as Record<string, unknown>)[k] === 'string' && (p.attributes as Record<string, unknown>)[k] !== '')) {
        invalids.push({ field: `[${i}].attributes`, reason: `needs at least one identifier (${ODP_IDENTIFIERS.join(', ')})` });
      }
      for (const [k, v] of Object.entries(p.attributes)) if (!isScalarOrNull(v)) invalids.push({ field: `[${i}].attributes.${k}`, reason: 'must be a string, number, boolean or null' });
    });
    if (invalids.length) return odpBadRequest(reply, st.nowIso(), invalids);
    for (const p of items as { attributes: Record<string, unknown> }[]) upsertProfile(region, p.attributes);
    return reply.code(202).send({ title: 'Accepted', status: 202, timestamp: st.nowIso() });
  });

  app.get(`${prefix}/v3/profiles`, (req, reply) => {
    const region = authorized(req, reply);
    if (!region) return reply;
    const p = customerOf(req, reply, region);
    if (!p) return reply;
    return reply.code(200).send({ attributes: p.attributes });
  });

  app.get(`${prefix}/v3/lists`, (req, reply) => {
    const region = authorized(req, reply);
    if (!region) return reply;
    return { lists: odp().lists.filter((l) => l.region === region).map(({ list_id, name, created_at }) => ({ list_id, name, created_at })) };
  });

  app.post(`${prefix}/v3/lists`, (req, reply) => {
    const region = authorized(req, reply);
    if (!region) return reply;
    const parsed = jsonBody(req);
    if (!parsed.ok) return odpBadRequest(reply, st.nowIso(), [{ field: 'body', reason: parsed.error }]);
    const b = parsed.value;
    if (!isPlainObject(b) || typeof b.name !== 'string' || b.name.trim() === '') return odpBadRequest(reply, st.nowIso(), [{ field: 'name', reason: 'name is required' }]);
    const listId = b.name.toLowerCase().replace(/[^a-z0-9]/g, '_');
    if (odp().lists.some((l) => l.region === region && l.list_id === listId)) return odpBadRequest(reply, st.nowIso(), [{ field: 'name', reason: `list ${listId} already exists` }]);
    odp().lists.push({ region, list_id: listId, name: b.name, created_at: st.nowIso() });
    st.changed();
    return reply.code(200).send({ created: { list_id: listId, name: b.name } });
  });

  app.post(`${prefix}/v3/lists/subscriptions`, (req, reply) => {
    const region = authorized(req, reply);
    if (!region) return reply;
    const parsed = jsonBody(req);
    if (!parsed.ok) return odpBadRequest(reply, st.nowIso(), [{ field: 'body', reason: parsed.error }]);
    const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    if (items.length === 0 || items.length > ODP_MAX_BATCH) return odpBadRequest(reply, st.nowIso(), [{ field: 'body', reason: `send 1 to ${ODP_MAX_BATCH} subscription updates` }]);
    const invalids: Invalid[] = [];
    const updates: { list_id: string; field: string; value: string; subscribed: boolean }[] = [];
    items.forEach((s, i) => {
      if (!isPlainObject(s)) return void invalids.push({ field: `[${i}]`, reason: 'must be an object' });
      const listId = s.list_id;
      if (typeof listId !== 'string' || !odp().lists.some((l) => l.region === region && l.list_id === listId)) invalids.push({ field: `[${i}].list_id`, reason: `unknown list ${JSON.stringify(listId)}` });
      if (typeof s.subscribed !== 'boolean') invalids.push({ field: `[${i}].subscribed`, reason: 'must be true or false' });
      const ids = ODP_IDENTIFIERS.filter((k) => typeof s[k] === 'string' && s[k] !== '');
      if (ids.length !== 1) invalids.push({ field: `[${i}]`, reason: `needs exactly one identifier (${ODP_IDENTIFIERS.join(', ')})` });
      else updates.push({ list_id: String(listId), field: ids[0]!, value: s[ids[0]!] as string, subscribed: s.subscribed === true });
    });
    if (invalids.length) return odpBadRequest(reply, st.nowIso(), invalids);
    const ts = Math.floor(ctx.now() / 1000);
    for (const u of updates) {
      upsertProfile(region, { [u.field]: u.value });
      const existing = odp().subscriptions.find((s) => s.region === region && s.list_id === u.list_id && s.identifier.field === u.field && s.identifier.value === u.value);
      if (existing) Object.assign(existing, { subscribed: u.subscribed, ts_status_updated: ts });
      else odp().subscriptions.push({ region, list_id: u.list_id, identifier: { field: u.field, value: u.value }, subscribed: u.subscribed, ts_status_updated: ts });
    }
    st.changed();
    return reply.code(202).send({ updates: updates.map((u) => ({ list_id: u.list_id, [u.field]: u.value, subscribed: u.subscribed })) });
  });

  app.get(`${prefix}/v3/lists/subscriptions`, (req, reply) => {
    const region = authorized(req, reply);
    if (!region) return reply;
    const p = customerOf(req, reply, region);
    if (!p) return reply;
    const subs = odp().subscriptions.filter((s) => s.region === region && p.attributes[s.identifier.field] === s.identifier.value);
    return {
      customer: p.attributes,
      opted_in: true,
      explicit_opt_in: false,
      subscriptions: odp()
        .lists.filter((l) => l.region === region)
        .map((l) => {
          const s = subs.find((x) => x.list_id === l.list_id);
          return { name: l.name, list_id: l.list_id, subscribed: s?.subscribed ?? false, ts_status_updated: s?.ts_status_updated ?? null };
        }),
    };
  });
}
