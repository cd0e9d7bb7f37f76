import type { Logger } from 'pino';
import type { SegmentEvent } from '../../core/event.js';
import type { LimiterState, LimiterStore } from '../limiter-types.js';
import type { MaintenanceStore, PurgeInput, PurgeResult, ReclaimResult, StoreStats } from '../maintenance-types.js';
import type {
  AuditEntry,
  AuditInput,
  ClaimedPrivacyTarget,
  IdentifierKind,
  NewPrivacyRequest,
  PrivacyRequest,
  PrivacyRequestStatus,
  PrivacyTargetOutcome,
  PurgeCounts,
  Suppression,
  UserIdentifiers,
} from '../privacy-types.js';
import type { SnapshotChange, StartSyncRunResult, SyncRowError, SyncRun, SyncRunCounts, SyncStore, SyncTrigger } from '../sync-types.js';
import type {
  ActivitySeries,
  ActivitySeriesReader,
  AppendInput,
  AppendResult,
  ClaimedDelivery,
  ClaimInput,
  DeadFilter,
  Delivery,
  DeliveryBreakdown,
  DeliveryOutcome,
  DeliveryQuery,
  EventQuery,
  IngestStats,
  LaneStats,
  Store,
  StoredAttempt,
  StoredEvent,
  StoredRejected,
} from '../types.js';
import type { StoreWakeups } from '../wakeup-types.js';
import { appendEvents } from './append-events.js';
import { claimDeliveries } from './claim-deliveries.js';
import { completeDeliveries } from './complete-deliveries.js';
import { PgDb, type PgDbOptions } from './db.js';
import { purgeDead, replayDead, retryNow } from './dead-letters.js';
import { extendLeases, releaseExpiredLeases } from './leases.js';
import { PgLimiterState } from './limiter-state.js';
import { getDelivery, getEvent, listDeliveries, listEvents, listRejected } from './list.js';
import * as maintenance from './maintenance.js';
import { migratePg } from './migrate.js';
import * as privacy from './privacy.js';
import { purgeUserData } from './purge-user-data.js';
import { nextDueAt, readyLanes } from './ready-lanes.js';
import * as stats from './stats.js';
import * as syncs from './syncs.js';
import { Vacuumer, type VacuumOptions } from './vacuum.js';
import { PgWakeups } from './wakeups.js';

export interface PostgresStoreOptions extends PgDbOptions {
  logger?: Logger;
  /** The store's own vacuum of churned tables (vacuum.ts); false turns it off (autovacuum alone). */
  vacuum?: VacuumOptions | false;
}

/**
 * The PostgreSQL store: the same `Store` (and every optional capability the SQLite store has) for many optirelay
 * processes on many machines sharing one database. A thin shell over one-operation files, like the SQLite store.
 */
export class PostgresStore implements Store, SyncStore, MaintenanceStore, LimiterStore, ActivitySeriesReader, StoreWakeups {
  readonly kind = 'postgres' as const;
  readonly db: PgDb;
  readonly wakeups: PgWakeups;
  readonly vacuumer: Vacuumer | undefined;
  private readonly logger?: Logger;
  private limiter: PgLimiterState | undefined;
  private closed = false;

  constructor(url: string, opts: PostgresStoreOptions = {}) {
    this.db = new PgDb(url, opts);
    this.logger = opts.logger;
    this.wakeups = new PgWakeups(this.db, opts.logger);
    this.vacuumer = opts.vacuum === false ? undefined : new Vacuumer(this.db, opts.vacuum || {}, opts.logger);
  }

  async migrate(): Promise<void> {
    const applied = await migratePg(this.db);
    if (applied.length > 0) this.logger?.info({ applied }, 'store: schema migrations applied');
    this.vacuumer?.start();
  }

  async ping(): Promise<void> {
    await this.db.q('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.vacuumer?.stop();
    await this.wakeups.close();
    await this.db.close();
  }

  // ---- events ----
  async appendEvents(input: AppendInput): Promise<AppendResult> {
    if (this.closed) throw new Error('store is closed');
    const r = await appendEvents(this.db, input);
    if (r.deliveriesCreated > 0) this.wakeups.signal();
    return r;
  }
  async listEvents(q: EventQuery): Promise<StoredEvent[]> {
    return listEvents(this.db, q);
  }
  async getEvent(id: number): Promise<StoredEvent | undefined> {
    return getEvent(this.db, id);
  }
  async listRejected(q: { limit?: number; before?: number; sourceId?: string }): Promise<StoredRejected[]> {
    return listRejected(this.db, q);
  }
  async ingestStats(): Promise<IngestStats> {
    return stats.ingestStats(this.db);
  }
  async activitySeries(q: { since: number; bucketMs: number }): Promise<ActivitySeries> {
    return stats.activitySeries(this.db, q);
  }

  // ---- deliveries ----
  async claimDeliveries(input: ClaimInput): Promise<ClaimedDelivery[]> {
    return claimDeliveries(this.db, input);
  }
  async completeDeliveries(outcomes: DeliveryOutcome[], now: number): Promise<void> {
    await completeDeliveries(this.db, outcomes, now);
    // Released or retried rows may be due for another process's deliverer.
    if (outcomes.some((o) => o.status === 'pending')) this.wakeups.signal();
  }
  async extendLeases(ids: number[], owner: string, leaseExpiresAt: number): Promise<void> {
    await extendLeases(this.db, ids, owner, leaseExpiresAt);
  }
  async releaseExpiredLeases(now: number): Promise<number> {
    const n = await releaseExpiredLeases(this.db, now);
    if (n > 0) this.wakeups.signal();
    return n;
  }
  async readyLanes(now: number): Promise<string[]> {
    return readyLanes(this.db, now);
  }
  async nextDueAt(): Promise<number | undefined> {
    return nextDueAt(this.db);
  }
  async listDeliveries(q: DeliveryQuery): Promise<Delivery[]> {
    return listDeliveries(this.db, q);
  }
  async getDelivery(id: number): Promise<(Delivery & { event: SegmentEvent; attemptLog: StoredAttempt[] }) | undefined> {
    return getDelivery(this.db, id);
  }
  async replayDead(filter: DeadFilter, now: number): Promise<number> {
    const n = await replayDead(this.db, filter, now);
    if (n > 0) this.wakeups.signal();
    return n;
  }
  async purgeDead(filter: DeadFilter): Promise<number> {
    return purgeDead(this.db, filter);
  }
  async retryNow(id: number, now: number): Promise<boolean> {
    const ok = await retryNow(this.db, id, now);
    if (ok) this.wakeups.signal();
    return ok;
  }
  async laneStats(now: number): Promise<LaneStats[]> {
    return stats.laneStats(this.db, now);
  }
  async deliveryBreakdown(destinationId: string): Promise<DeliveryBreakdown> {
    return stats.deliveryBreakdown(this.db, destinationId);
  }

  // ---- wake-up hints (StoreWakeups) ----
  onWake(listener: () => void): () => void {
    return this.wakeups.onWake(listener);
  }

  // ---- shared rate limits (LimiterStore) ----
  limiterState(): LimiterState {
    return (this.limiter ??= new PgLimiterState(this.db));
  }

  // ---- syncs (SyncStore) ----
  async startSyncRun(input: { syncId: string; trigger: SyncTrigger; owner: string; leaseMs: number; now: number }): Promise<StartSyncRunResult> {
    return syncs.startSyncRun(this.db, input);
  }
  async extendSyncRunLease(runId: number, owner: string, leaseExpiresAt: number): Promise<boolean> {
    return syncs.extendSyncRunLease(this.db, runId, owner, leaseExpiresAt);
  }
  async updateSyncRun(runId: number, owner: string, counts: SyncRunCounts): Promise<void> {
    await syncs.updateSyncRun(this.db, runId, owner, counts);
  }
  async finishSyncRun(runId: number, owner: string, result: { status: 'completed' | 'failed' | 'cancelled'; counts: SyncRunCounts; error?: string; now: number }): Promise<void> {
    await syncs.finishSyncRun(this.db, runId, owner, result);
  }
  async getSyncRun(runId: number): Promise<SyncRun | undefined> {
    return syncs.getSyncRun(this.db, runId);
  }
  async listSyncRuns(syncId: string, q?: { limit?: number; before?: number }): Promise<SyncRun[]> {
    return syncs.listSyncRuns(this.db, syncId, q);
  }
  async addSyncRowErrors(errors: SyncRowError[]): Promise<void> {
    await syncs.addSyncRowErrors(this.db, errors);
  }
  async listSyncRowErrors(runId: number, q?: { limit?: number }): Promise<SyncRowError[]> {
    return syncs.listSyncRowErrors(this.db, runId, q);
  }
  iterateSnapshot(syncId: string): AsyncIterable<{ pk: string; hash: string }[]> {
    return syncs.iterateSnapshot(this.db, syncId);
  }
  async applySnapshot(syncId: string, changes: SnapshotChange[]): Promise<void> {
    await syncs.applySnapshot(this.db, syncId, changes);
  }
  async snapshotSize(syncId: string): Promise<number> {
    return syncs.snapshotSize(this.db, syncId);
  }
  async resetSnapshot(syncId: string): Promise<number> {
    return syncs.resetSnapshot(this.db, syncId);
  }

  // ---- privacy (PrivacyStore) ----
  async createPrivacyRequest(input: NewPrivacyRequest): Promise<PrivacyRequest> {
    return privacy.createPrivacyRequest(this.db, input);
  }
  async getPrivacyRequest(id: string): Promise<PrivacyRequest | undefined> {
    return privacy.getPrivacyRequest(this.db, id);
  }
  async listPrivacyRequests(q?: { limit?: number; before?: number; status?: PrivacyRequestStatus }): Promise<PrivacyRequest[]> {
    return privacy.listPrivacyRequests(this.db, q);
  }
  async purgeUserData(ids: UserIdentifiers, opts: { note: string }): Promise<PurgeCounts> {
    return purgeUserData(this.db, ids, opts);
  }
  async recordPurge(requestId: string, counts: PurgeCounts, now: number, repurgeAt: number | null): Promise<void> {
    await privacy.recordPurge(this.db, requestId, counts, now, repurgeAt);
  }
  async dueRepurges(now: number, limit?: number): Promise<{ requestId: string; userId?: string; anonymousId?: string }[]> {
    return privacy.dueRepurges(this.db, now, limit);
  }
  async claimPrivacyTargets(q: { owner: string; leaseMs: number; now: number; limit: number; requestId?: string }): Promise<ClaimedPrivacyTarget[]> {
    return privacy.claimPrivacyTargets(this.db, q);
  }
  async completePrivacyTarget(outcome: PrivacyTargetOutcome): Promise<boolean> {
    return privacy.completePrivacyTarget(this.db, outcome);
  }
  async nextPrivacyDueAt(): Promise<number | undefined> {
    return privacy.nextPrivacyDueAt(this.db);
  }
  async addSuppression(s: Suppression): Promise<boolean> {
    return privacy.addSuppression(this.db, s);
  }
  async removeSuppression(kind: IdentifierKind, identifier: string): Promise<boolean> {
    return privacy.removeSuppression(this.db, kind, identifier);
  }
  async listSuppressions(): Promise<Suppression[]> {
    return privacy.listSuppressions(this.db);
  }
  async suppressionVersion(): Promise<number> {
    return privacy.suppressionVersion(this.db);
  }
  async appendPrivacyAudit(entry: AuditInput): Promise<void> {
    await privacy.appendPrivacyAudit(this.db, entry);
  }
  async listPrivacyAudit(q?: { limit?: number; before?: number; requestId?: string }): Promise<AuditEntry[]> {
    return privacy.listPrivacyAudit(this.db, q);
  }

  // ---- maintenance (MaintenanceStore) ----
  async purgeDeliveredEvents(input: PurgeInput): Promise<PurgeResult> {
    return maintenance.purgeDeliveredEvents(this.db, input);
  }
  async purgeDeadLetters(input: PurgeInput): Promise<PurgeResult> {
    return maintenance.purgeDeadLetters(this.db, input);
  }
  async purgeRejected(input: PurgeInput): Promise<PurgeResult> {
    return maintenance.purgeRejected(this.db, input);
  }
  async reclaimSpace(_opts?: { maxBytes?: number }): Promise<ReclaimResult> {
    return maintenance.reclaimSpace(this.db);
  }
  async storeStats(_now: number): Promise<StoreStats> {
    return maintenance.storeStats(this.db);
  }
}
