/**
 * The error registry. Every error optirelay raises has a stable `code` (greppable, documented in docs/errors.md)
 * and, where it reaches HTTP, a status. For deliveries, the error's CLASS decides the delivery's fate:
 * - RetryableError       → retry_wait with backoff (5xx, timeouts, connection errors, 408)
 * - RateLimitedError     → retry_wait at retryAfterMs, and the lane pauses (429)
 * - PermanentError       → dead (other 4xx, auth failures)
 * - PayloadValidationError → dead, never sent (the mapped payload breaks the action's fields)
 */
export class OptirelayError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details?: Record<string, unknown>;
  constructor(code: string, message: string, statusCode = 500, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export class RetryableError extends OptirelayError {
  constructor(message: string, code = 'OR_RETRYABLE', statusCode = 503, details?: Record<string, unknown>) {
    super(code, message, statusCode, details);
  }
}

export class RateLimitedError extends RetryableError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, details?: Record<string, unknown>) {
    super(message, 'OR_RATE_LIMITED', 429, details);
    this.retryAfterMs = retryAfterMs;
  }
}

export class PermanentError extends OptirelayError {
  constructor(message: string, code = 'OR_PERMANENT', statusCode = 400, details?: Record<string, unknown>) {
    super(code, message, statusCode, details);
  }
}

export class PayloadValidationError extends PermanentError {
  /** The field (label or JSON pointer) the message is about, when there is one. */
  readonly field?: string;
  constructor(message: string, field?: string, details?: Record<string, unknown>) {
    super(message, 'OR_PAYLOAD_INVALID', 400, details);
    this.field = field;
  }
}

/** A config problem, located in a file. Rendered as `file:line:col: message`. */
export class ConfigError extends OptirelayError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super('OR_CONFIG_INVALID', issues.map(formatConfigIssue).join('\n'), 400, { issues });
    this.issues = issues;
  }
}

export interface ConfigIssue {
  file: string;
  line?: number;
  column?: number;
  /** JSON-pointer-ish path of the offending key, e.g. `/destinations/0/type`. */
  path: string;
  message: string;
}

export function formatConfigIssue(i: ConfigIssue): string {
  const where = i.line ? `${i.file}:${i.line}${i.column ? `:${i.column}` : ''}` : i.file;
  return `${where}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

/** Request-level errors of the Tracking API and admin API: answered as `{success:false, code, message}`. */
export class RequestError extends OptirelayError {
  constructor(code: string, message: string, statusCode: number, details?: Record<string, unknown>) {
    super(code, message, statusCode, details);
  }
}

export function isRetryable(err: unknown): boolean {
  return err instanceof RetryableError;
}

/** Normalise anything thrown into an Error with a code (graphile-worker's coerceError). */
export function coerceError(err: unknown): Error & { code?: string } {
  if (err instanceof Error) return err as Error & { code?: string };
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}
