/** `/healthz`: the process is alive. `/readyz`: the store answers (load balancers route traffic only then). */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/types.js';

export async function healthRoutes(app: FastifyInstance, opts: { store: Pick<Store, 'ping'> }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    try {
      await opts.store.ping();
      return { status: 'ready' };
    } catch (err) {
      req.log.warn({ err }, 'readiness check failed: store unreachable');
      return reply.code(503).send({ status: 'unavailable', code: 'store_unavailable', message: 'the store is not reachable' });
    }
  });
}
