/**
 * The seed's troubleshooting list as clear errors: authentication failed, project not found, list attribute not
 * found, invalid audience conditions, duplicate custom event key. `describeRestError` turns a REST client error
 * (by status and body) into one of these, keeping its class (retryable or not).
 */
import { OptirelayError, PermanentError, RateLimitedError, RetryableError } from '../../core/errors.js';

export const SYNC_ERRORS = {
  authFailed: 'OR_SYNC_AUTH_FAILED',
  projectNotFound: 'OR_SYNC_PROJECT_NOT_FOUND',
  listAttributeNotFound: 'OR_SYNC_LIST_ATTRIBUTE_NOT_FOUND',
  invalidConditions: 'OR_SYNC_INVALID_CONDITIONS',
  duplicateEventKey: 'OR_SYNC_DUPLICATE_EVENT_KEY',
  invalidRow: 'OR_SYNC_INVALID_ROW',
  rejected: 'OR_SYNC_REJECTED',
  retriesExhausted: 'OR_SYNC_RETRIES_EXHAUSTED',
} as const;

export function authFailed(): PermanentError {
  return new PermanentError(
    'authentication failed: the personal access token is invalid or revoked. Check it under Profile → API Access in Optimizely; SDK keys and datafile access tokens cannot be used for the REST API.',
    SYNC_ERRORS.authFailed,
    401,
  );
}

export function projectNotFound(projectId: string): PermanentError {
  return new PermanentError(
    `project not found: project ${projectId} does not exist or this token cannot see it. Use the numeric project id (Settings → Project, or the number in https://app.optimizely.com/v2/projects/<id>), not the project name.`,
    SYNC_ERRORS.projectNotFound,
    404,
  );
}

export function listAttributeNotFound(id: string): PermanentError {
  return new PermanentError(
    `list attribute not found: ${id} is not a list attribute of this project. List attributes must be created in Optimizely before syncing (Audiences → Attributes); put its numeric id in target.listAttributeId.`,
    SYNC_ERRORS.listAttributeNotFound,
    404,
  );
}

function statusOf(err: unknown): number | undefined {
  return err instanceof OptirelayError ? err.statusCode : undefined;
}

/** The REST error's own message, without our "METHOD /path: " prefix. */
export function apiMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/^(GET|POST|PATCH|PUT|DELETE) \S+: /, '');
}

/** Map a project-level failure (GET /projects/:id and any 401) to the troubleshooting errors. */
export function describeRestError(err: unknown, ctx: { projectId: string }): OptirelayError {
  if (err instanceof OptirelayError && err.code.startsWith('OR_SYNC_')) return err;
  const status = statusOf(err);
  if (status === 401) return authFailed();
  if (status === 403 || status === 404 || (status === 400 && /project/i.test(apiMessage(err)))) return projectNotFound(ctx.projectId);
  if (err instanceof RateLimitedError || err instanceof RetryableError || err instanceof PermanentError) return err;
  return new RetryableError(err instanceof Error ? err.message : String(err));
}
