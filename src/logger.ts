/**
 * The pino logger every long-running part shares. Secrets are censored by path (LOG_REDACT_PATHS plus auth
 * headers); request bodies are never logged (Fastify's request serializer logs method, url and remote address only).
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { LOG_REDACT_PATHS, MASK } from './core/redact.js';

export type { Logger } from 'pino';

export const LOGGER_REDACT_PATHS: string[] = [
  ...LOG_REDACT_PATHS,
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'authorization',
  '*.authorization',
  '*.password',
  '*.secret',
];

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export interface LoggerOptions {
  /** Defaults to `LOG_LEVEL`, then `info`. */
  level?: string;
  /** Where JSON lines go; stdout by default (tests pass a stream to capture them). */
  destination?: DestinationStream;
  /** Extra fields on every line. */
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const wanted = (opts.level ?? process.env.LOG_LEVEL ?? 'info').toLowerCase();
  const level = LEVELS.has(wanted) ? wanted : 'info';
  const options = {
    level,
    base: { name: 'optirelay', ...(opts.base ?? {}) },
    redact: { paths: LOGGER_REDACT_PATHS, censor: MASK },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const logger = opts.destination ? pino(options, opts.destination) : pino(options);
  if (wanted !== level) logger.warn({ LOG_LEVEL: wanted }, `LOG_LEVEL "${wanted}" is not a level; using "info" (one of ${[...LEVELS].join(', ')})`);
  return logger;
}
