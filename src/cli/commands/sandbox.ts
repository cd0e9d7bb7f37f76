/**
 * `optirelay sandbox`: run the local Optimizely simulator (docs/sandbox.md) and print the demo credentials.
 */
import type { Command } from 'commander';
import { DEMO } from '../../sandbox/demo.js';

interface SandboxCliOptions {
  port: string;
  host: string;
  state?: string;
  seed?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('sandbox')
    .description('Run the Optimizely sandbox: datafile CDN, Event API, REST API v2 and ODP v3 on one local port')
    .option('--port <port>', 'port to listen on', String(DEMO.port))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--state <file>', 'persist the sandbox state to this JSON file and reload it at start')
    .option('--seed <file>', 'seed projects from this JSON file instead of the demo project')
    .option('--quiet', 'do not log each request')
    .action(async (o: SandboxCliOptions) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), got "${o.port}"`);
      const { startSandbox } = await import('../../sandbox/index.js');
      const sb = await startSandbox({ port, host: o.host, stateFile: o.state, seed: o.seed, logger: !o.quiet });
      process.stdout.write(banner(sb.url, o));
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`\n${signal}: stopping the sandbox${o.state ? ` (state saved to ${o.state})` : ''}\n`);
        sb.close().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`sandbox: close failed: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}

function banner(url: string, o: SandboxCliOptions): string {
  const custom = o.seed ? `\n  (seeded from ${o.seed}; the demo credentials below apply only to the default seed)` : '';
  return [
    `optirelay sandbox listening on ${url}${custom}`,
    '',
    '  Endpoints',
    `    datafile       ${url}/datafiles/${DEMO.sdkKey}.json   (auth: ${url}/datafiles/auth/${DEMO.sdkKey}.json)`,
    `    Event API      ${url}/v1/events`,
    `    REST API v2    ${url}/v2`,
    `    ODP v3         ${url}/v3   (EU: ${url}/eu1/v3, AU: ${url}/au1/v3)`,
    `    control        ${url}/_sandbox`,
    '',
    '  Demo credentials (sandbox only)',
    `    account id             ${DEMO.accountId}`,
    `    FX project id          ${DEMO.projectId}   (experiment ${DEMO.experiment.key}: purchase, signup, add_to_cart)`,
    `    Web project id         ${DEMO.webProjectId}`,
    `    sdkKey                 ${DEMO.sdkKey}`,
    `    datafile token         ${DEMO.datafileToken}`,
    `    personal access token  ${DEMO.personalAccessToken}`,
    `    ODP API key            ${DEMO.odpApiKey}   (EU-only: ${DEMO.odpApiKeyEu}, AU-only: ${DEMO.odpApiKeyAu})`,
    o.state ? `\n  State file: ${o.state}` : '',
    '',
  ].join('\n');
}
