/**
 * What the long-running commands (`serve`, `worker`) share: port parsing, the "config has N problems" exit, and the
 * graceful stop on SIGTERM/SIGINT (a second signal or 30 s exits at once).
 */
import { ConfigError, formatConfigIssue } from '../core/errors.js';
import { redactString } from '../core/redact.js';
import type { App } from '../server/app-context.js';

export function parsePort(value: string | number, from: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${from} must be a port number (0-65535), got "${value}"`);
  return n;
}

export interface Running {
  app: App;
  stop(): Promise<void>;
}

export interface ShutdownMessages {
  /** Logged on the first signal: what stopping does. */
  stopping: string;
  /** Logged when stop() rejects. */
  failed: string;
}

/**
 * Starts the service; on a ConfigError prints every issue (redacted) and sets exit code 1, nothing started.
 * Once running, SIGTERM/SIGINT call stop() and exit 0 (1 when it fails, takes over 30 s, or a second signal comes).
 */
export async function runUntilSignalled(start: () => Promise<Running>, messages: ShutdownMessages): Promise<void> {
  let running: Running;
  try {
    running = await start();
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const issue of e.issues) process.stderr.write(`${redactString(formatConfigIssue(issue))}\n`);
      process.stderr.write(`✗ the config has ${e.issues.length === 1 ? '1 problem' : `${e.issues.length} problems`}; nothing was started\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
  stopOnSignals(running, messages);
}

function stopOnSignals(running: Running, messages: ShutdownMessages): void {
  const { logger } = running.app;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, messages.stopping);
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 30 s: exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    running.stop().then(
      () => {
        logger.info('stopped cleanly');
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, messages.failed);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
