/** The ceiling: a bare Fastify route that only parses the JSON body (same port-0 / child-process setup as the real server). */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/v1/batch', async (req) => {
  const body = req.body as { batch?: unknown[] };
  return { success: Array.isArray(body.batch) };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
process.stdout.write(`listening on http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
