/**
 * Event API (logx): POST /v1/events. 204 with an empty body for everything it can read; 400 for malformed JSON;
 * with `X-Optimizely-Strict: true`, 400 listing every schema violation (nothing is accepted). Without strict mode
 * unusable parts are dropped silently (204), as the real API does. Over 3.5 MB → 413 (see app.ts bodyLimit).
 * Events are de-duplicated on uuid across all batches.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPlainObject, jsonBody, type SandboxContext } from '../context.js';
import type { ProjectRec } from '../state.js';
import type { AcceptedEvent } from '../types.js';

/** 3.5 MB, read as decimal megabytes: the stricter reading, so a client that passes here passes there. */
export const EVENT_API_MAX_BYTES = 3_500_000;

export interface DroppedEvent {
  at: string;
  reason: string;
  uuid?: string;
}

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isScalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** Every violation of the Event API schema (reference §1.2), as "path: problem". */
export function strictViolations(body: unknown): string[] {
  const out: string[] = [];
  if (!isPlainObject(body)) return ['body must be a JSON object (an EventBatch)'];
  if (!isStr(body.account_id) || body.account_id === '') out.push('account_id: required string');
  if (body.project_id !== undefined && !isStr(body.project_id)) out.push('project_id: must be a string');
  if (body.revision !== undefined && !isStr(body.revision)) out.push('revision: must be a string');
  if (body.anonymize_ip !== undefined && typeof body.anonymize_ip !== 'boolean') out.push('anonymize_ip: must be a boolean');
  if (body.enrich_decisions !== undefined && typeof body.enrich_decisions !== 'boolean') out.push('enrich_decisions: must be a boolean');
  if (!Array.isArray(body.visitors) || body.visitors.length === 0) {
    out.push('visitors: required non-empty array');
    return out;
  }
  body.visitors.forEach((v: unknown, i: number) => {
    const p = `visitors[${i}]`;
    if (!isPlainObject(v)) return void out.push(`${p}: must be an object`);
    if (!isStr(v.visitor_id) || v.visitor_id === '') out.push(`${p}.visitor_id: required string`);
    if (v.attributes !== undefined) {
      if (!Array.isArray(v.attributes)) out.push(`${p}.attributes: must be an array`);
      else
        v.attributes.forEach((a: unknown, j: number) => {
          const ap = `${p}.attributes[${j}]`;
          if (!isPlainObject(a)) return void out.push(`${ap}: must be an object`);
          if (!isStr(a.entity_id)) out.push(`${ap}.entity_id: required string`);
          if (!isStr(a.type)) out.push(`${ap}.type: required string ("custom")`);
          if (!isScalar(a.value)) out.push(`${ap}.value: required string, number or boolean`);
        });
    }
    if (!Array.isArray(v.snapshots) || v.snapshots.length === 0) return void out.push(`${p}.snapshots: required non-empty array`);
    v.snapshots.forEach((s: unknown, j: number) => {
      const sp = `${p}.snapshots[${j}]`;
      if (!isPlainObject(s)) return void out.push(`${sp}: must be an object`);
      if (s.decisions !== undefined) {
        if (!Array.isArray(s.decisions)) out.push(`${sp}.decisions: must be an array`);
        else
          s.decisions.forEach((d: unknown, k: number) => {
            const dp = `${sp}.decisions[${k}]`;
            if (!isPlainObject(d)) return void out.push(`${dp}: must be an object`);
            if (!isStr(d.campaign_id)) out.push(`${dp}.campaign_id: required string`);
            if (!isStr(d.experiment_id)) out.push(`${dp}.experiment_id: required string`);
            if (!isStr(d.variation_id) && d.variation_id !== null) out.push(`${dp}.variation_id: required string`);
          });
      }
      if (!Array.isArray(s.events) || s.events.length === 0) return void out.push(`${sp}.events: required non-empty array`);
      s.events.forEach((e: unknown, k: number) => {
        const ep = `${sp}.events[${k}]`;
        if (!isPlainObject(e)) return void out.push(`${ep}: must be an object`);
        if (!isStr(e.entity_id)) out.push(`${ep}.entity_id: required string`);
        if (!isInt(e.timestamp)) out.push(`${ep}.timestamp: required integer (epoch milliseconds)`);
        else if ((e.timestamp as number) < 1e11) out.push(`${ep}.timestamp: looks like seconds; send epoch milliseconds`);
        if (!isStr(e.uuid) || e.uuid === '') out.push(`${ep}.uuid: required string`);
        if (e.key !== undefined && !isStr(e.key)) out.push(`${ep}.key: must be a string`);
        if (e.revenue !== undefined && !isInt(e.revenue)) out.push(`${ep}.revenue: must be an integer (cents)`);
        if (e.value !== undefined && (typeof e.value !== 'number' || !Number.isFinite(e.value))) out.push(`${ep}.value: must be a number`);
        if (e.quantity !== undefined && !isInt(e.quantity)) out.push(`${ep}.quantity: must be an integer`);
        if (e.tags !== undefined && !isPlainObject(e.tags)) out.push(`${ep}.tags: must be an object`);
      });
    });
  });
  return out;
}

export function registerEventApi(app: FastifyInstance, ctx: SandboxContext, dropped: DroppedEvent[]): void {
  const drop = (reason: string, uuid?: string): void => {
    dropped.push({ at: ctx.state.nowIso(), reason, uuid });
    if (dropped.length > 10_000) dropped.shift();
  };

  const handler = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const parsed = jsonBody(req);
    if (!parsed.ok) return reply.code(400).send({ message: parsed.error });
    const body = parsed.value;
    const strict = String(req.headers['x-optimizely-strict'] ?? '').toLowerCase() === 'true';
    if (strict) {
      const violations = strictViolations(body);
      if (violations.length) return reply.code(400).send({ message: 'The event batch failed validation', errors: violations });
    }
    if (!isPlainObject(body) || !isStr(body.account_id) || !Array.isArray(body.visitors)) {
      drop('batch without account_id or visitors');
      return reply.code(204).send();
    }
    const accountId = body.account_id;
    const projectId = body.project_id === undefined ? undefined : String(body.project_id);
    const projects = ctx.state.data.projects.filter((p) => p.accountId === accountId && p.sdkKey && (projectId === undefined || p.id === projectId));
    for (const v of body.visitors as unknown[]) {
      if (!isPlainObject(v) || !isStr(v.visitor_id) || !Array.isArray(v.snapshots)) {
        drop('visitor without visitor_id or snapshots');
        continue;
      }
      const attributes = Array.isArray(v.attributes)
        ? v.attributes.filter(isPlainObject).map((a) => ({ key: String(a.key ?? a.entity_id ?? ''), value: a.value }))
        : [];
      for (const s of v.snapshots as unknown[]) {
        if (!isPlainObject(s) || !Array.isArray(s.events)) {
          drop('snapshot without events');
          continue;
        }
        const decisions = Array.isArray(s.decisions)
          ? s.decisions.filter(isPlainObject).map((d) => ({ experimentId: String(d.experiment_id ?? ''), variationId: isStr(d.variation_id) ? d.variation_id : null }))
          : [];
        for (const e of s.events as unknown[]) {
          if (!isPlainObject(e) || !isStr(e.uuid) || !isInt(e.timestamp) || (!isStr(e.key) && !isStr(e.entity_id))) {
            drop('event without uuid, integer timestamp or key/entity_id', isPlainObject(e) && isStr(e.uuid) ? e.uuid : undefined);
            continue;
          }
          const known = resolveEvent(ctx, projects, isStr(e.entity_id) ? e.entity_id : undefined, isStr(e.key) ? e.key : undefined);
          if (ctx.state.hasUuid(e.uuid)) {
            ctx.state.countDuplicate(known?.key ?? String(e.key ?? e.entity_id));
            continue;
          }
          const accepted: AcceptedEvent = {
            uuid: e.uuid,
            key: isStr(e.key) ? e.key : String(e.entity_id),
            entityId: isStr(e.entity_id) ? e.entity_id : undefined,
            knownKey: known?.key,
            projectId: known?.projectId ?? projectId,
            accountId,
            visitorId: v.visitor_id,
            timestamp: e.timestamp as number,
            revenue: isInt(e.revenue) ? (e.revenue as number) : undefined,
            value: typeof e.value === 'number' ? e.value : undefined,
            tags: isPlainObject(e.tags) ? e.tags : undefined,
            attributes,
            decisions,
            clientName: isStr(body.client_name) ? body.client_name : undefined,
            receivedAt: ctx.state.nowIso(),
          };
          ctx.state.accept(accepted);
        }
      }
    }
    return reply.code(204).send();
  };
  // The EU endpoint (eu.logx.optimizely.com) is reachable as /eu/v1/events or by Host header; the region is recorded.
  app.post('/v1/events', { bodyLimit: EVENT_API_MAX_BYTES }, handler);
  app.post('/eu/v1/events', { bodyLimit: EVENT_API_MAX_BYTES }, handler);
}

/** Results key conversions on the event's entity_id; without one, on its key. A wrong entity_id is not counted. */
function resolveEvent(ctx: SandboxContext, projects: ProjectRec[], entityId: string | undefined, key: string | undefined): { key: string; projectId: string } | undefined {
  const ids = new Set(projects.map((p) => p.id));
  const events = ctx.state.data.events.filter((ev) => ids.has(ev.projectId) && !ev.archived);
  const hit = entityId !== undefined ? events.find((ev) => ev.id === entityId) : events.find((ev) => ev.key === key);
  return hit ? { key: hit.key, projectId: hit.projectId } : undefined;
}
