/**
 * REST API v2 (reference §3): projects, attributes, audiences, custom events + event listing, list attributes,
 * subject access requests. Ids are JSON integers. Creating returns 201, PATCH 200, DELETE (archive) 204.
 * Changes to a project's events, attributes or audiences bump its datafile revision.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from '../context.js';
import { validateConditions } from '../conditions.js';
import type { AttributeRec, AudienceRec, EventRec, ListAttributeRec, ProjectRec, SarRec } from '../state.js';
import {
  authenticate,
  badRequest,
  body,
  boolField,
  intField,
  KEY_PATTERN,
  notFound,
  num,
  paginate,
  queryProjectId,
  rateLimit,
  rejectUnknown,
  requireProjectAccess,
  RestError,
  sendRestError,
  strField,
  tokenOf,
} from './rest-common.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string> }>;
type Handler = (req: Req, reply: FastifyReply) => unknown;

const CATEGORIES = ['add_to_cart', 'save', 'search', 'share', 'purchase', 'convert', 'sign_up', 'subscribe', 'other'];
const LIST_TYPES = ['cookies', 'query_parameters', 'zip_codes', 'js_variables'];
const IDENTIFIER_TYPES = ['email', 'optimizely_end_user_id', 'dcp_id', 'fullstack_id', 'other'];

// ---------- serializers ----------

const projectOut = (p: ProjectRec): Record<string, unknown> => ({
  id: num(p.id),
  account_id: num(p.accountId),
  name: p.name,
  description: p.description,
  platform: p.platform,
  sdks: p.platform === 'custom' ? ['node'] : [],
  status: 'active',
  is_classic: p.platform === 'web',
  is_flags_enabled: p.platform === 'custom',
  confidence_threshold: 0.9,
  dcp_service_id: null,
  socket_token: null,
  third_party_platform: null,
  created: p.created,
  last_modified: new Date(p.lastModified).toISOString(),
});

const eventOut = (e: EventRec): Record<string, unknown> => ({
  archived: e.archived,
  category: e.category,
  created: e.created,
  description: e.description,
  event_type: 'custom',
  event_properties: e.eventProperties,
  id: num(e.id),
  is_classic: false,
  key: e.key,
  name: e.name,
  project_id: num(e.projectId),
});

const attributeOut = (a: AttributeRec): Record<string, unknown> => ({
  archived: a.archived,
  condition_type: 'custom_attribute',
  description: a.description,
  id: num(a.id),
  key: a.key,
  last_modified: a.lastModified,
  name: a.name,
  project_id: num(a.projectId),
});

const listAttributeOut = (l: ListAttributeRec): Record<string, unknown> => ({
  id: num(l.id),
  account_id: num(l.accountId),
  project_id: num(l.projectId),
  name: l.name,
  description: l.description,
  key_field: l.key_field,
  list_type: l.list_type,
  list_content: l.list_content,
  archived: l.archived,
  created: l.created,
  last_modified: l.lastModified,
  s3_path: null,
  aws_access_key: null,
  aws_secret_key: null,
});

const sarOut = (s: SarRec): Record<string, unknown> => ({ ...s, id: num(s.id), account_id: num(s.accountId), accountId: undefined, export_location: null, expired_at_time: null });

export function registerRest(app: FastifyInstance, ctx: SandboxContext): void {
  const st = ctx.state;
  const d = (): typeof st.data => st.data;

  /** auth (401) → rate limit (429) → handler; RestError → v2 envelope. */
  const route =
    (projectOf: (req: Req) => ProjectRec | undefined, fn: Handler) =>
    (req: Req, reply: FastifyReply): unknown => {
      try {
        authenticate(ctx, req);
        rateLimit(ctx, req, reply, projectOf(req));
        return fn(req, reply);
      } catch (err) {
        if (err instanceof RestError) return sendRestError(reply, err);
        throw err;
      }
    };

  const fromQuery = (req: Req): ProjectRec | undefined => st.project(req.query.project_id);
  const fromBody = (req: Req): ProjectRec | undefined => {
    try {
      const b = body(req);
      return typeof b.project_id === 'number' ? st.project(b.project_id) : undefined;
    } catch {
      return undefined;
    }
  };
  const fromParam = (req: Req): ProjectRec | undefined => st.project(req.params.projectId);
  const none = (): undefined => undefined;
  const ofObject =
    (list: () => { id: string; projectId: string }[]) =>
    (req: Req): ProjectRec | undefined =>
      st.project(list().find((o) => o.id === req.params.id)?.projectId);
  const findIn = <T extends { id: string; projectId: string }>(req: Req, list: T[]): T => {
    const o = list.find((x) => x.id === req.params.id);
    if (!o) throw notFound();
    requireProjectAccess(req, st.project(o.projectId));
    return o;
  };
  const keyTaken = (list: { projectId: string; key: string; id: string }[], projectId: string, key: string, exceptId?: string): boolean =>
    list.some((x) => x.projectId === projectId && x.key === key && x.id !== exceptId);

  // ---------- projects ----------
  app.get(
    '/v2/projects',
    route(none, (req, reply) => {
      const token = tokenOf(req);
      return paginate(req, reply, d().projects.filter((p) => token.projectIds.includes(p.id)).map(projectOut));
    }),
  );
  app.get(
    '/v2/projects/:projectId',
    route(fromParam, (req) => projectOut(requireProjectAccess(req, fromParam(req)))),
  );

  // ---------- custom events ----------
  const eventFields = ['key', 'name', 'description', 'archived', 'event_type', 'category', 'event_properties'];
  const eventProps = (b: Record<string, unknown>): EventRec['eventProperties'] | undefined => {
    const v = b.event_properties;
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw badRequest('event_properties: must be an array of {name, data_type}');
    return v.map((p: unknown, i) => {
      const o = (p ?? {}) as Record<string, unknown>;
      const name = strField(o, 'name', { required: true });
      const dataType = strField(o, 'data_type', { required: true, oneOf: ['boolean', 'number', 'string'] });
      if (!name || !dataType) throw badRequest(`event_properties[${i}]: needs name and data_type`);
      return { name, data_type: dataType, ...(typeof o.description === 'string' ? { description: o.description } : {}) };
    });
  };
  const applyEvent = (e: EventRec, b: Record<string, unknown>): void => {
    const name = strField(b, 'name', { max: 255 });
    const description = strField(b, 'description');
    const category = strField(b, 'category', { oneOf: CATEGORIES });
    strField(b, 'event_type', { oneOf: ['custom'] });
    const archived = boolField(b, 'archived');
    const props = eventProps(b);
    if (name !== undefined) e.name = name;
    if (description !== undefined) e.description = description;
    if (category !== undefined) e.category = category;
    if (archived !== undefined) e.archived = archived;
    if (props !== undefined) e.eventProperties = props;
  };
  app.post(
    '/v2/projects/:projectId/custom_events',
    route(fromParam, (req, reply) => {
      const project = requireProjectAccess(req, fromParam(req));
      const b = body(req);
      rejectUnknown(b, eventFields);
      const key = strField(b, 'key', { required: true, max: 64, pattern: KEY_PATTERN })!;
      if (keyTaken(d().events, project.id, key)) throw badRequest(`An event with key "${key}" already exists in project ${project.id}.`);
      const e: EventRec = { id: st.nextId(), projectId: project.id, key, name: key, description: '', category: 'other', archived: false, eventProperties: [], created: st.nowIso() };
      applyEvent(e, b);
      d().events.push(e);
      st.touch(project.id);
      return reply.code(201).send(eventOut(e));
    }),
  );
  const eventInProject = (req: Req): EventRec => {
    const project = requireProjectAccess(req, fromParam(req));
    const e = d().events.find((x) => x.id === req.params.eventId && x.projectId === project.id);
    if (!e) throw notFound();
    return e;
  };
  app.patch(
    '/v2/projects/:projectId/custom_events/:eventId',
    route(fromParam, (req) => {
      const e = eventInProject(req);
      const b = body(req);
      rejectUnknown(b, eventFields);
      const key = strField(b, 'key', { max: 64, pattern: KEY_PATTERN });
      if (key !== undefined && keyTaken(d().events, e.projectId, key, e.id)) throw badRequest(`An event with key "${key}" already exists in project ${e.projectId}.`);
      const copy = { ...e };
      applyEvent(copy, b);
      Object.assign(e, copy, key !== undefined ? { key } : {});
      st.touch(e.projectId);
      return eventOut(e);
    }),
  );
  app.delete(
    '/v2/projects/:projectId/custom_events/:eventId',
    route(fromParam, (req, reply) => {
      const e = eventInProject(req);
      e.archived = true;
      st.touch(e.projectId);
      return reply.code(204).send();
    }),
  );
  app.get(
    '/v2/events',
    route(fromQuery, (req, reply) => {
      const project = requireProjectAccess(req, st.project(queryProjectId(req)));
      let events = d().events.filter((e) => e.projectId === project.id);
      if (req.query.archived !== undefined) events = events.filter((e) => String(e.archived) === req.query.archived);
      return paginate(req, reply, events.map(eventOut));
    }),
  );
  app.get(
    '/v2/events/:id',
    route(ofObject(() => d().events), (req) => eventOut(findIn(req, d().events))),
  );

  // ---------- attributes ----------
  const attributeFields = ['key', 'project_id', 'name', 'description', 'archived', 'condition_type'];
  const applyAttribute = (a: AttributeRec, b: Record<string, unknown>): void => {
    const name = strField(b, 'name', { max: 255 });
    const description = strField(b, 'description');
    const archived = boolField(b, 'archived');
    strField(b, 'condition_type', { oneOf: ['custom_attribute'] });
    if (name !== undefined) a.name = name;
    if (description !== undefined) a.description = description;
    if (archived !== undefined) a.archived = archived;
    a.lastModified = st.nowIso();
  };
  app.get(
    '/v2/attributes',
    route(fromQuery, (req, reply) => {
      const project = requireProjectAccess(req, st.project(queryProjectId(req)));
      return paginate(req, reply, d().attributes.filter((a) => a.projectId === project.id).map(attributeOut));
    }),
  );
  app.post(
    '/v2/attributes',
    route(fromBody, (req, reply) => {
      const b = body(req);
      rejectUnknown(b, attributeFields);
      const pid = intField(b, 'project_id', true)!;
      const project = requireProjectAccess(req, st.project(pid));
      const key = strField(b, 'key', { required: true, max: 64, pattern: KEY_PATTERN })!;
      if (keyTaken(d().attributes, project.id, key)) throw badRequest(`An attribute with key "${key}" already exists in project ${project.id}.`);
      const a: AttributeRec = { id: st.nextId(), projectId: project.id, key, name: key, description: '', archived: false, lastModified: st.nowIso() };
      applyAttribute(a, b);
      // Full Stack / FX projects: name is the key.
      if (project.platform === 'custom') a.name = key;
      d().attributes.push(a);
      st.touch(project.id);
      return reply.code(201).send(attributeOut(a));
    }),
  );
  app.get(
    '/v2/attributes/:id',
    route(ofObject(() => d().attributes), (req) => attributeOut(findIn(req, d().attributes))),
  );
  app.patch(
    '/v2/attributes/:id',
    route(ofObject(() => d().attributes), (req) => {
      const a = findIn(req, d().attributes);
      const b = body(req);
      rejectUnknown(b, attributeFields);
      if (b.project_id !== undefined && String(intField(b, 'project_id', false)) !== a.projectId) throw badRequest('project_id: an attribute cannot move to another project');
      const key = strField(b, 'key', { max: 64, pattern: KEY_PATTERN });
      if (key !== undefined && keyTaken(d().attributes, a.projectId, key, a.id)) throw badRequest(`An attribute with key "${key}" already exists in project ${a.projectId}.`);
      const copy = { ...a };
      applyAttribute(copy, b);
      Object.assign(a, copy, key !== undefined ? { key } : {});
      st.touch(a.projectId);
      return attributeOut(a);
    }),
  );
  app.delete(
    '/v2/attributes/:id',
    route(ofObject(() => d().attributes), (req, reply) => {
      const a = findIn(req, d().attributes);
      a.archived = true;
      a.lastModified = st.nowIso();
      st.touch(a.projectId);
      return reply.code(204).send();
    }),
  );

  // ---------- audiences ----------
  const audienceFields = ['project_id', 'name', 'conditions', 'description', 'archived', 'segmentation', 'is_classic'];
  const experimentCount = (a: AudienceRec): number => d().experiments.filter((x) => x.audienceIds.includes(a.id)).length;
  const audienceOut = (a: AudienceRec): Record<string, unknown> => ({
    archived: a.archived,
    conditions: a.conditions,
    created: a.created,
    description: a.description,
    experiment_count: experimentCount(a),
    id: num(a.id),
    is_classic: false,
    last_modified: a.lastModified,
    name: a.name,
    project_id: num(a.projectId),
    segmentation: false,
  });
  const checkConditions = (project: ProjectRec, conditions: unknown, selfId?: string): string => {
    const audienceIds = new Set(d().audiences.filter((a) => a.projectId === project.id && a.id !== selfId).map((a) => a.id));
    try {
      validateConditions(conditions, { platform: project.platform, audienceIds });
    } catch (err) {
      throw badRequest(`conditions: ${(err as Error).message}`);
    }
    return conditions as string;
  };
  app.get(
    '/v2/audiences',
    route(fromQuery, (req, reply) => {
      const project = requireProjectAccess(req, st.project(queryProjectId(req)));
      let list = d().audiences.filter((a) => a.projectId === project.id);
      if (req.query.archived !== undefined) list = list.filter((a) => String(a.archived) === req.query.archived);
      return paginate(req, reply, list.map(audienceOut));
    }),
  );
  app.post(
    '/v2/audiences',
    route(fromBody, (req, reply) => {
      const b = body(req);
      rejectUnknown(b, audienceFields);
      const project = requireProjectAccess(req, st.project(intField(b, 'project_id', true)));
      const name = strField(b, 'name', { required: true, max: 255 })!;
      if (b.conditions === undefined) throw badRequest('conditions: is required (a serialized JSON string)');
      const conditions = checkConditions(project, b.conditions);
      const description = strField(b, 'description') ?? '';
      const archived = boolField(b, 'archived') ?? false;
      const now = st.nowIso();
      const a: AudienceRec = { id: st.nextId(), projectId: project.id, name, description, conditions, archived, created: now, lastModified: now };
      d().audiences.push(a);
      st.touch(project.id);
      return reply.code(201).send(audienceOut(a));
    }),
  );
  app.get(
    '/v2/audiences/:id',
    route(ofObject(() => d().audiences), (req) => audienceOut(findIn(req, d().audiences))),
  );
  app.patch(
    '/v2/audiences/:id',
    route(ofObject(() => d().audiences), (req) => {
      const a = findIn(req, d().audiences);
      const b = body(req);
      rejectUnknown(b, audienceFields);
      const project = st.project(a.projectId)!;
      const name = strField(b, 'name', { max: 255 });
      if (name === '') throw badRequest('name: must not be empty');
      const conditions = b.conditions !== undefined ? checkConditions(project, b.conditions, a.id) : undefined;
      const description = strField(b, 'description');
      const archived = boolField(b, 'archived');
      if (name !== undefined) a.name = name;
      if (conditions !== undefined) a.conditions = conditions;
      if (description !== undefined) a.description = description;
      if (archived !== undefined) a.archived = archived;
      a.lastModified = st.nowIso();
      st.touch(a.projectId);
      return audienceOut(a);
    }),
  );

  // ---------- list attributes ----------
  const listFields = ['name', 'key_field', 'list_type', 'project_id', 'description', 'archived', 'list_content'];
  const readList = (b: Record<string, unknown>): Pick<ListAttributeRec, 'name' | 'key_field' | 'list_type'> & { description?: string; archived?: boolean; list_content?: string } => {
    rejectUnknown(b, listFields);
    return {
      name: strField(b, 'name', { required: true, max: 255, pattern: /^[-_0-9A-Za-z]+$/ })!,
      key_field: strField(b, 'key_field', { required: true, max: 255 })!,
      list_type: strField(b, 'list_type', { required: true, oneOf: LIST_TYPES })!,
      description: strField(b, 'description'),
      archived: boolField(b, 'archived'),
      list_content: strField(b, 'list_content'),
    };
  };
  app.get(
    '/v2/list_attributes',
    route(fromQuery, (req, reply) => {
      const project = requireProjectAccess(req, st.project(queryProjectId(req)));
      return paginate(req, reply, d().listAttributes.filter((l) => l.projectId === project.id).map(listAttributeOut));
    }),
  );
  app.post(
    '/v2/list_attributes',
    route(fromBody, (req, reply) => {
      const b = body(req);
      const project = requireProjectAccess(req, st.project(intField(b, 'project_id', true)));
      const v = readList(b);
      const now = st.nowIso();
      const l: ListAttributeRec = {
        id: st.nextId(),
        projectId: project.id,
        accountId: project.accountId,
        name: v.name,
        key_field: v.key_field,
        list_type: v.list_type,
        description: v.description ?? '',
        archived: v.archived ?? false,
        list_content: v.list_content ?? '',
        created: now,
        lastModified: now,
      };
      d().listAttributes.push(l);
      st.changed();
      return reply.code(201).send(listAttributeOut(l));
    }),
  );
  app.get(
    '/v2/list_attributes/:id',
    route(ofObject(() => d().listAttributes), (req) => listAttributeOut(findIn(req, d().listAttributes))),
  );
  app.patch(
    '/v2/list_attributes/:id',
    route(ofObject(() => d().listAttributes), (req) => {
      const l = findIn(req, d().listAttributes);
      const b = body(req);
      if (b.project_id !== undefined && String(intField(b, 'project_id', false)) !== l.projectId) throw badRequest('project_id: a list attribute cannot move to another project');
      // PATCH takes the same required arguments as create; list_content, when given, overwrites the whole list.
      const v = readList(b);
      Object.assign(l, { name: v.name, key_field: v.key_field, list_type: v.list_type, lastModified: st.nowIso() });
      if (v.description !== undefined) l.description = v.description;
      if (v.archived !== undefined) l.archived = v.archived;
      if (v.list_content !== undefined) l.list_content = v.list_content;
      st.changed();
      return listAttributeOut(l);
    }),
  );
  app.delete(
    '/v2/list_attributes/:id',
    route(ofObject(() => d().listAttributes), (req, reply) => {
      const l = findIn(req, d().listAttributes);
      l.archived = true;
      l.lastModified = st.nowIso();
      st.changed();
      return reply.code(204).send();
    }),
  );

  // ---------- subject access requests ----------
  app.post(
    '/v2/subject-access-requests',
    route(none, (req, reply) => {
      const b = body(req);
      rejectUnknown(b, ['data_type', 'identifier', 'identifier_type', 'request_type']);
      const dataType = strField(b, 'data_type', { required: true, oneOf: ['user', 'visitor'] })!;
      const identifier = strField(b, 'identifier', { required: true, max: 355 })!;
      const identifierType = strField(b, 'identifier_type', { required: true, oneOf: IDENTIFIER_TYPES })!;
      const requestType = strField(b, 'request_type', { required: true, oneOf: ['access', 'delete'] })!;
      if (dataType === 'user' && identifierType !== 'email') throw badRequest('identifier_type: only "email" is valid when data_type is "user"');
      const s: SarRec = {
        id: st.nextId(),
        accountId: tokenOf(req).accountId,
        data_type: dataType,
        identifier,
        identifier_type: identifierType,
        request_type: requestType,
        status: 'pending',
        requested_at_time: st.nowIso(),
        processing_started_time: null,
        completed_at_time: null,
        sla_deadline_time: null,
      };
      d().sars.push(s);
      st.changed();
      return reply.code(201).send(sarOut(s));
    }),
  );
  app.get(
    '/v2/subject-access-requests',
    route(none, (req, reply) => {
      const account = tokenOf(req).accountId;
      return paginate(req, reply, d().sars.filter((s) => s.accountId === account).map(sarOut));
    }),
  );
  app.get(
    '/v2/subject-access-requests/:id',
    route(none, (req) => {
      const s = d().sars.find((x) => x.id === req.params.id && x.accountId === tokenOf(req).accountId);
      if (!s) throw notFound();
      return sarOut(s);
    }),
  );
}
