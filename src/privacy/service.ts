/**
 * The privacy service: deletion requests (record → purge our store → submit to every destination that can delete,
 * retrying transient failures with backoff), suppressions, and the audit trail. The CLI, the admin API and the
 * privacy worker all go through it; the store is passed in.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { OptirelayError, RateLimitedError, RetryableError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { redactString } from '../core/redact.js';
import type { OptirelayConfig } from '../config/types.js';
import type { DeletionResult } from '../destinations/kit.js';
import { getDestinationType } from '../destinations/registry.js';
import { createHttpClient, type HttpClient } from '../optimizely/http.js';
import type {
  AuditEntry,
  ClaimedPrivacyTarget,
  IdentifierKind,
  PrivacyRequest,
  PrivacyRequestStatus,
  PrivacyStore,
  PrivacyTargetStatus,
  Suppression,
  UserIdentifiers,
} from '../store/privacy-types.js';
import type { SuppressionSet } from './suppression.js';
import { deletionContext, planTargets } from './destinations.js';

/** Optimizely accepts identifiers of at most 355 characters (reference §3.7); Segment ids are far shorter. */
export const MAX_IDENTIFIER_LENGTH = 355;

export class PrivacyInputError extends OptirelayError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('OR_PRIVACY_INVALID', message, 400, { field });
    this.field = field;
  }
}

export class PrivacyNotFoundError extends OptirelayError {
  constructor(message: string) {
    super('OR_PRIVACY_NOT_FOUND', message, 404);
  }
}

export interface RetrySettings {
  /** First retry after this long; doubles per attempt. Default 30 s. */
  baseMs: number;
  /** Cap on one wait. Default 1 h. */
  maxMs: number;
  /** Attempts per target before a transient failure becomes permanent. Default 12 (≈ 1 day with the defaults). */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetrySettings = { baseMs: 30_000, maxMs: 3_600_000, maxAttempts: 12 };

export interface PrivacyServiceDeps {
  config: Pick<OptirelayConfig, 'destinations' | 'delivery'>;
  store: PrivacyStore;
  logger: Logger;
  clock: Clock;
  http?: HttpClient;
  /** The running process's suppression list: refreshed at once after a change made here. */
  suppression?: SuppressionSet;
  retry?: Partial<RetrySettings>;
  /** Lease owner for claimed targets. Default `<hostname>:<pid>:<random>`. */
  owner?: string;
  /** How long one claimed target may take before another worker may take it over. Default 2 min. */
  leaseMs?: number;
  /**
   * When the second store purge runs (catches attempt rows written by batches that were in flight at the first).
   * Default: the delivery lease + 10 s.
   */
  repurgeDelayMs?: number;
}

export interface Requester {
  /** Who asked: a person's name, the CLI user, `admin-api`. */
  requestedBy: string;
  /** The channel: `cli`, `admin-api (token sha256:…)`. */
  via: string;
}

export interface DeletionInput extends UserIdentifiers, Requester {
  /** Also suppress the identifiers, so events still in flight from the user's devices are not stored again. */
  suppress?: boolean;
}

export interface SuppressionInput extends Requester {
  kind: IdentifierKind;
  identifier: string;
}

export interface ProcessResult {
  attempted: number;
  submitted: number;
  retrying: number;
  failed: number;
  repurged: number;
}

export function checkIdentifier(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new PrivacyInputError(field, `${field} must be a string (the Segment ${field} exactly as sent)`);
  if (value.trim() === '') throw new PrivacyInputError(field, `${field} is empty: give the Segment ${field} exactly as sent`);
  if (value.length > MAX_IDENTIFIER_LENGTH) {
    throw new PrivacyInputError(field, `${field} is ${value.length} characters; at most ${MAX_IDENTIFIER_LENGTH} (Optimizely's limit for a subject-access identifier)`);
  }
  return value;
}

function checkRequester(r: Requester): void {
  if (typeof r.requestedBy !== 'string' || r.requestedBy.trim() === '') throw new PrivacyInputError('requestedBy', 'requestedBy is empty: say who asks (a name or team)');
  if (r.requestedBy.length > 200) throw new PrivacyInputError('requestedBy', 'requestedBy is longer than 200 characters');
}

export function backoffMs(attempts: number, retry: RetrySettings): number {
  return Math.min(retry.maxMs, retry.baseMs * 2 ** Math.max(0, attempts - 1));
}

export class PrivacyService {
  private readonly http: HttpClient;
  private readonly retry: RetrySettings;
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly repurgeDelayMs: number;

  constructor(private readonly deps: PrivacyServiceDeps) {
    this.http = deps.http ?? createHttpClient({ timeoutMs: deps.config.delivery?.timeoutMs ?? 30_000, userAgent: 'optirelay-privacy' });
    this.retry = { ...DEFAULT_RETRY, ...(deps.retry ?? {}) };
    this.owner = deps.owner ?? `${hostname()}:${process.pid}:${newId().slice(0, 8)}`;
    this.leaseMs = deps.leaseMs ?? 120_000;
    this.repurgeDelayMs = deps.repurgeDelayMs ?? (deps.config.delivery?.leaseMs ?? 60_000) + 10_000;
  }

  get store(): PrivacyStore {
    return this.deps.store;
  }

  get suppression(): SuppressionSet | undefined {
    return this.deps.suppression;
  }

  /**
   * Delete a user: record the request (one target per destination and identifier), purge our store, optionally
   * suppress, then try every pending target once. Transient failures stay pending for the privacy worker.
   */
  async requestDeletion(input: DeletionInput): Promise<PrivacyRequest> {
    const userId = checkIdentifier('userId', input.userId);
    const anonymousId = checkIdentifier('anonymousId', input.anonymousId);
    if (!userId && !anonymousId) throw new PrivacyInputError('userId', 'say whom to delete: give userId, anonymousId, or both');
    checkRequester(input);
    const ids: UserIdentifiers = { ...(userId ? { userId } : {}), ...(anonymousId ? { anonymousId } : {}) };
    const now = this.deps.clock.now();
    const id = `del_${newId().replace(/-/g, '').slice(0, 20)}`;
    const targets = planTargets(this.deps.config, ids);
    await this.deps.store.createPrivacyRequest({ id, ...ids, requestedBy: input.requestedBy, via: input.via, now, targets, purgeAt: now });
    this.deps.logger.info({ requestId: id, destinations: [...new Set(targets.map((t) => t.destinationId))], requestedBy: input.requestedBy, via: input.via }, 'privacy: deletion requested');

    if (input.suppress) {
      for (const kind of ['userId', 'anonymousId'] as const) {
        const identifier = ids[kind];
        if (identifier) await this.suppress({ kind, identifier, requestedBy: input.requestedBy, via: input.via });
      }
    }
    await this.purge(id, ids, 'first');
    await this.processTargets({ requestId: id });
    return (await this.deps.store.getPrivacyRequest(id))!;
  }

  /** One purge pass; the first schedules the second (late batch completions), the second clears the schedule. */
  private async purge(requestId: string, ids: UserIdentifiers, pass: 'first' | 'second'): Promise<void> {
    const counts = await this.deps.store.purgeUserData(ids, { note: `removed by privacy request ${requestId}` });
    const now = this.deps.clock.now();
    await this.deps.store.recordPurge(requestId, counts, now, pass === 'first' ? now + this.repurgeDelayMs : null);
    await this.deps.store.appendPrivacyAudit({ at: now, action: 'delete.purged', actor: 'optirelay', via: pass === 'first' ? 'store purge' : 'store purge (second pass)', requestId, detail: { ...counts } });
    this.deps.logger.info({ requestId, pass, ...counts }, 'privacy: store purged');
  }

  async getRequest(id: string): Promise<PrivacyRequest> {
    const r = await this.deps.store.getPrivacyRequest(id);
    if (!r) throw new PrivacyNotFoundError(`no privacy request ${JSON.stringify(id)}: list them with \`optirelay privacy list\` or GET /admin/v1/privacy/requests`);
    return r;
  }

  listRequests(q: { limit?: number; before?: number; status?: PrivacyRequestStatus } = {}): Promise<PrivacyRequest[]> {
    return this.deps.store.listPrivacyRequests(q);
  }

  listAudit(q: { limit?: number; before?: number; requestId?: string } = {}): Promise<AuditEntry[]> {
    return this.deps.store.listPrivacyAudit(q);
  }

  listSuppressions(): Promise<Suppression[]> {
    return this.deps.store.listSuppressions();
  }

  async suppress(input: SuppressionInput): Promise<{ created: boolean }> {
    const identifier = checkIdentifier(input.kind, input.identifier);
    if (!identifier) throw new PrivacyInputError(input.kind, `give the ${input.kind} to suppress`);
    checkRequester(input);
    const now = this.deps.clock.now();
    const created = await this.deps.store.addSuppression({ kind: input.kind, identifier, createdAt: now, createdBy: input.requestedBy });
    await this.deps.store.appendPrivacyAudit({ at: now, action: 'suppress', actor: input.requestedBy, via: input.via, identifierKind: input.kind, identifier, detail: { created } });
    await this.deps.suppression?.refresh();
    return { created };
  }

  async unsuppress(input: SuppressionInput): Promise<{ removed: boolean }> {
    const identifier = checkIdentifier(input.kind, input.identifier);
    if (!identifier) throw new PrivacyInputError(input.kind, `give the ${input.kind} to unsuppress`);
    checkRequester(input);
    const now = this.deps.clock.now();
    const removed = await this.deps.store.removeSuppression(input.kind, identifier);
    await this.deps.store.appendPrivacyAudit({ at: now, action: 'unsuppress', actor: input.requestedBy, via: input.via, identifierKind: input.kind, identifier, detail: { removed } });
    await this.deps.suppression?.refresh();
    return { removed };
  }

  /** The worker's tick: submit every due target, and run due second purge passes. */
  async processDue(): Promise<ProcessResult> {
    const result = await this.processTargets({});
    for (const r of await this.deps.store.dueRepurges(this.deps.clock.now())) {
      await this.purge(r.requestId, { userId: r.userId, anonymousId: r.anonymousId }, 'second');
      result.repurged++;
    }
    return result;
  }

  nextDueAt(): Promise<number | undefined> {
    return this.deps.store.nextPrivacyDueAt();
  }

  private async processTargets(q: { requestId?: string }): Promise<ProcessResult> {
    const result: ProcessResult = { attempted: 0, submitted: 0, retrying: 0, failed: 0, repurged: 0 };
    for (;;) {
      const claimed = await this.deps.store.claimPrivacyTargets({ owner: this.owner, leaseMs: this.leaseMs, now: this.deps.clock.now(), limit: 10, requestId: q.requestId });
      if (claimed.length === 0) return result;
      for (const t of claimed) {
        const status = await this.submit(t);
        result.attempted++;
        if (status === 'submitted') result.submitted++;
        else if (status === 'pending') result.retrying++;
        else if (status === 'failed') result.failed++;
      }
    }
  }

  /** Call the destination type's deleteUser for one target and record the outcome. */
  private async submit(t: ClaimedPrivacyTarget): Promise<PrivacyTargetStatus> {
    const { config, logger, clock, store } = this.deps;
    const dest = config.destinations.find((d) => d.id === t.destinationId);
    const type = dest ? getDestinationType(dest.type) : undefined;
    let res: DeletionResult;
    let retryAfterMs: number | undefined;
    if (!dest) res = { status: 'failed', error: `destination ${t.destinationId} is no longer in the config`, retryable: false };
    else if (!type?.deleteUser) res = { status: 'not_supported', error: `destination type ${dest.type} offers no user deletion` };
    else {
      try {
        const ctx = deletionContext(dest, { http: this.http, logger, clock });
        // deleteUser gets no runtime here: the CLI has none, and FX's deletion needs only settings and endpoints.
        res = await type.deleteUser(ctx, { [t.identifierKind]: t.identifier }, undefined);
      } catch (err) {
        if (err instanceof RateLimitedError) retryAfterMs = err.retryAfterMs;
        res = { status: 'failed', error: (err as Error).message, retryable: err instanceof RetryableError || !(err instanceof OptirelayError) };
      }
    }
    const now = clock.now();
    const attempt = t.attempts + 1;
    const error = res.error ? redactString(res.error) : undefined;
    let status: PrivacyTargetStatus = res.status;
    let nextAttemptAt: number | undefined;
    let finalError = error;
    if (res.status === 'failed' && res.retryable) {
      if (attempt < this.retry.maxAttempts) {
        status = 'pending';
        nextAttemptAt = now + Math.max(retryAfterMs ?? 0, backoffMs(attempt, this.retry));
      } else finalError = `${error ?? 'failed'} (gave up after ${attempt} attempts)`;
    }
    const applied = await store.completePrivacyTarget({
      requestId: t.requestId,
      destinationId: t.destinationId,
      identifierKind: t.identifierKind,
      owner: this.owner,
      status,
      nextAttemptAt,
      externalId: res.externalId,
      error: finalError,
      now,
    });
    if (!applied) return status; // our lease ran out and another worker took the target
    const action = status === 'pending' ? 'delete.retry' : `delete.${status}`;
    const detail: Record<string, unknown> = { destinationId: t.destinationId, destinationType: t.destinationType, attempt };
    if (res.externalId) detail['externalId'] = res.externalId;
    if (finalError) detail['error'] = finalError;
    if (nextAttemptAt !== undefined) detail['nextAttemptAt'] = new Date(nextAttemptAt).toISOString();
    await store.appendPrivacyAudit({ at: now, action, actor: 'optirelay', via: 'privacy worker', identifierKind: t.identifierKind, requestId: t.requestId, detail });
    const log = { requestId: t.requestId, destination: t.destinationId, identifierKind: t.identifierKind, attempt, status, externalId: res.externalId, error: finalError };
    if (status === 'failed') logger.error(log, 'privacy: deletion failed for a destination');
    else if (status === 'pending') logger.warn({ ...log, nextAttemptAt }, 'privacy: deletion will be retried');
    else logger.info(log, 'privacy: deletion submitted');
    return status;
  }
}
