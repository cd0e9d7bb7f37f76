/**
 * The sandbox as the benchmark's Optimizely, in its own process: `npx tsx bench/delivery/sandbox-child.ts <port>`.
 * Recorded requests are capped low (each Event API request is recorded with its parsed ~250 KB body; a million
 * conversions would otherwise keep gigabytes of bodies), so Event API requests are counted by a hook instead.
 * `GET /_bench/stats` → { eventApiRequests, eventApiVisitors, accepted }; `GET /_bench/conversions` → per key.
 */
import { buildSandboxApp } from '../../src/sandbox/index.js';

const port = Number(process.argv[2] ?? 0);
const built = buildSandboxApp({ maxRecordedRequests: 10 });
let eventApiRequests = 0;
let eventApiFailures = 0;
built.app.addHook('onResponse', async (req, reply) => {
  if (req.method === 'POST' && req.url.startsWith('/v1/events')) {
    if (reply.statusCode === 204) eventApiRequests++;
    else eventApiFailures++;
  }
});
built.app.get('/_bench/stats', async () => ({ eventApiRequests, eventApiFailures, accepted: built.controller.events().length }));
built.app.get('/_bench/conversions', async () => built.controller.conversions());
await built.app.listen({ port, host: '127.0.0.1' });
const addr = built.app.server.address();
const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
built.setBaseUrl(url);
process.stdout.write(`sandbox ready ${url}\n`);
const stop = (): void => void built.app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
