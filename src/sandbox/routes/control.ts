/**
 * Inspection and control under /_sandbox: a JSON mirror of SandboxController. No auth (the sandbox is a local
 * tool); never faulted, never recorded, never rate limited.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isPlainObject, jsonBody } from '../context.js';
import type { SandboxController } from '../controller.js';
import { DEMO } from '../demo.js';
import { FaultSpecError } from '../faults.js';
import { parseSeed, SeedError } from '../seed.js';
import type { ExperimentStatus, OdpRegion, RandomFaultSpec, SandboxApi } from '../types.js';

type Q = { Querystring: Record<string, string | undefined>; Params: Record<string, string> };

const REGIONS = new Set(['US', 'EU', 'AU']);
const region = (q: Record<string, string | undefined>): OdpRegion | undefined => (q.region && REGIONS.has(q.region.toUpperCase()) ? (q.region.toUpperCase() as OdpRegion) : undefined);

export function registerControl(app: FastifyInstance, sb: SandboxController): void {
  const bad = (reply: FastifyReply, message: string, issues?: string[]): FastifyReply => reply.code(400).send({ error: message, ...(issues ? { issues } : {}) });
  const jsonObject = (req: Parameters<typeof jsonBody>[0]): Record<string, unknown> | string => {
    const parsed = jsonBody(req);
    if (!parsed.ok) return parsed.error;
    return isPlainObject(parsed.value) ? parsed.value : 'the body must be a JSON object';
  };

  app.get('/_sandbox', () => ({
    endpoints: [
      'GET /_sandbox/demo',
      'GET|DELETE /_sandbox/requests?api=cdn|eventApi|rest|odp',
      'GET /_sandbox/conversions[?eventKey=]',
      'GET /_sandbox/events',
      'GET /_sandbox/odp/events|profiles|lists|subscriptions[?region=US|EU|AU]',
      'GET /_sandbox/lists/:idOrName',
      'GET /_sandbox/rate',
      'GET /_sandbox/state',
      'GET /_sandbox/projects/:id',
      'PATCH /_sandbox/projects/:id',
      'PATCH /_sandbox/experiments/:key',
      'GET /_sandbox/datafile/:projectIdOrSdkKey',
      'POST /_sandbox/reset',
      'POST /_sandbox/seed',
      'GET|POST|DELETE /_sandbox/faults',
      'DELETE /_sandbox/faults/:id',
      'POST|DELETE /_sandbox/faults/random',
    ],
  }));
  app.get('/_sandbox/demo', () => ({ ...DEMO }));

  app.get<Q>('/_sandbox/requests', (req) => sb.received(req.query.api as Exclude<SandboxApi, 'control'> | undefined));
  app.delete('/_sandbox/requests', (_req, reply) => {
    sb.clearReceived();
    return reply.code(204).send();
  });
  app.get<Q>('/_sandbox/conversions', (req) => (req.query.eventKey ? sb.conversions(req.query.eventKey) : sb.conversions()));
  app.get('/_sandbox/events', () => ({ accepted: sb.events(), dropped: sb.droppedEvents() }));
  app.get<Q>('/_sandbox/odp/events', (req) => sb.odpEvents(region(req.query)));
  app.get<Q>('/_sandbox/odp/profiles', (req) => sb.profiles(region(req.query)));
  app.get<Q>('/_sandbox/odp/lists', (req) => sb.odpLists(region(req.query)));
  app.get<Q>('/_sandbox/odp/subscriptions', (req) => sb.subscriptions(region(req.query)));
  app.get<Q>('/_sandbox/lists/:idOrName', (req, reply) => {
    const members = sb.listMembers(req.params.idOrName!);
    return members ? { members } : reply.code(404).send({ error: `no list attribute ${req.params.idOrName}` });
  });
  app.get('/_sandbox/rate', () => sb.rate());
  app.delete('/_sandbox/rate', (_req, reply) => {
    sb.resetRate();
    return reply.code(204).send();
  });
  app.get('/_sandbox/state', () => sb.state());
  app.get<Q>('/_sandbox/projects/:id', (req, reply) => sb.project(req.params.id!) ?? reply.code(404).send({ error: `no project ${req.params.id}` }));
  app.patch<Q>('/_sandbox/projects/:id', (req, reply) => {
    const b = jsonObject(req);
    if (typeof b === 'string') return bad(reply, b);
    try {
      return sb.updateProject(req.params.id!, b);
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
  });
  app.patch<Q>('/_sandbox/experiments/:key', (req, reply) => {
    const b = jsonObject(req);
    if (typeof b === 'string') return bad(reply, b);
    try {
      sb.setExperimentStatus(req.params.key!, b.status as ExperimentStatus);
      return reply.code(204).send();
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
  });
  app.get<Q>('/_sandbox/datafile/:id', (req, reply) => sb.datafile(req.params.id!) ?? reply.code(404).send({ error: `no datafile for ${req.params.id}` }));

  app.post('/_sandbox/reset', (_req, reply) => {
    sb.reset();
    return reply.code(204).send();
  });
  app.post('/_sandbox/seed', (req, reply) => {
    const b = jsonObject(req);
    if (typeof b === 'string') return bad(reply, b);
    try {
      sb.seed(parseSeed(b));
      return reply.code(204).send();
    } catch (err) {
      if (err instanceof SeedError) return bad(reply, 'invalid seed', err.issues);
      throw err;
    }
  });

  app.get('/_sandbox/faults', () => sb.faults.list());
  app.post('/_sandbox/faults', (req, reply) => {
    const parsed = jsonBody(req);
    if (!parsed.ok) return bad(reply, parsed.error);
    const specs = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    try {
      return reply.code(201).send(specs.map((s) => sb.faults.add(s)));
    } catch (err) {
      if (err instanceof FaultSpecError) return bad(reply, err.message);
      throw err;
    }
  });
  app.delete('/_sandbox/faults', (_req, reply) => {
    sb.faults.clear();
    return reply.code(204).send();
  });
  app.post('/_sandbox/faults/random', (req, reply) => {
    const b = jsonObject(req);
    if (typeof b === 'string') return bad(reply, b);
    try {
      sb.faults.random(b as unknown as RandomFaultSpec);
      return reply.code(204).send();
    } catch (err) {
      if (err instanceof FaultSpecError) return bad(reply, err.message);
      throw err;
    }
  });
  app.delete('/_sandbox/faults/random', (_req, reply) => {
    sb.faults.random(null);
    return reply.code(204).send();
  });
  app.delete<Q>('/_sandbox/faults/:id', (req, reply) => (sb.faults.remove(req.params.id!) ? reply.code(204).send() : reply.code(404).send({ error: `no fault ${req.params.id}` })));
}
