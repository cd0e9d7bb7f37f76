import type { Logger } from 'pino';
import type { SegmentEvent } from '../../core/event.js';
import type {
  ActivitySeries,
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
import { prepareAppend, type PreparedAppend } from './append-events.js';
import { checkpointWalIfLarge } from './checkpoint-wal.js';
import { claimDeliveries } from './claim-deliveries.js';
import { completeDeliveries } from './complete-deliveries.js';
import { openConnection, type SqliteDb } from './db.js';
import { extendLeases } from './extend-leases.js';
import { nextDueAt, readyLanes } from './find-ready-lanes.js';
import { GroupCommitter } from './group-commit.js';
import { getDelivery, listDeliveries } from './list-deliveries.js';
import { getEvent, listEvents } from './list-events.js';
import { listRejected } from './list-rejected.js';
import { migrate } from './migrate.js';
import { purgeDead } from './purge-dead.js';
import { readActivitySeries } from './read-activity-series.js';
import { readDeliveryBreakdown } from './read-delivery-breakdown.js';
import { readIngestStats } from './read-ingest-stats.js';
import { readLaneStats } from './read-lane-stats.js';
import { releaseExpiredLeases } from './release-expired-leases.js';
import { replayDead } from './replay-dead.js';
import { retryNow } from './retry-now.js';
import type { SnapshotChange, StartSyncRunResult, SyncRowError, SyncRun, SyncRunCounts, SyncStore, SyncTrigger } from '../sync-types.js';
import * as syncRuns from './sync-runs.js';
import * as syncRowErrors from './sync-row-errors.js';
import * as syncSnapshot from './sync-snapshot.js';
import type { MaintenanceStore, PurgeInput, PurgeResult, ReclaimResult, StoreStats } from '../maintenance-types.js';
import { purgeDeliveredEvents } from './purge-delivered-events.js';
import { purgeDeadLetters } from './purge-dead-letters.js';
import { purgeRejected } from './purge-rejected.js';
import { reclaimSpace } from './reclaim-space.js';
import { readStoreStats } from './read-store-stats.js';
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
import * as privacyRequests from './privacy-requests.js';
import * as privacyTargets from './privacy-targets.js';
import * as privacyAudit from './privacy-audit.js';
import * as suppressions from './suppressions.js';
import { purgeUserData } from './purge-user-data.js';

export interface SqliteStoreOptions {
  /** Group-commit window in ms (config `ingest.commitWindowMs`). Default 2. */
  commitWindowMs?: number;
  /** Checkpoint (TRUNCATE) when the -wal file exceeds this many bytes. Default 64 MiB. */
  walCheckpointBytes?: number;
  /** How often the WAL size is checked. Default 1 s. */
  walCheckIntervalMs?: number;
  /** Page cache in KiB. Default 32 MiB. */
  cacheKiB?: number;
  logger?: Logger;
}

/** The SQLite store: a thin shell that delegates each method to its one-operation file. */
export class SqliteStore implements Store, SyncStore, MaintenanceStore {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  readonly db: SqliteDb;
  private readonly committer: GroupCommitter;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly logger?: Logger;
  private readonly opts: SqliteStoreOptions;
  private migrated = false;
  private closed = false;

  constructor(file: string, opts: SqliteStoreOptions = {}) {
    this.file = file;
    this.opts = opts;
    this.logger = opts.logger;
    this.db = openConnection(file, { cacheKiB: opts.cacheKiB });
    this.committer = new GroupCommitter(this.db, { commitWindowMs: opts.commitWindowMs });
  }

  async migrate(): Promise<void> {
    const applied = migrate(this.db);
    if (applied.length > 0) this.logger?.info({ applied, file: this.file }, 'store: schema migrations applied');
    if (!this.migrated) {
      this.migrated = true;
      this.startTimers();
    }
  }

  private startTimers(): void {
    if (this.file !== ':memory:') {
      const walFile = `${this.file}-wal`;
      const threshold = this.opts.walCheckpointBytes ?? 64 * 1024 * 1024;
      const t = setInterval(() => {
        try {
          if (checkpointWalIfLarge(this.db, walFile, threshold)) this.logger?.debug({ walFile }, 'store: WAL checkpoint');
        } catch (err) {
          this.logger?.warn({ err }, 'store: WAL checkpoint failed');
        }
      }, this.opts.walCheckIntervalMs ?? 1000);
      t.unref();
      this.timers.push(t);
    }
  }

  async ping(): Promise<void> {
    this.db.stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.committer.flush();
    this.closed = true;
    const c = this.committer.stats;
    if (c.groups > 0) {
      this.logger?.info({ ...c, busyMs: Math.round(c.busyMs), eventsPerGroup: Math.round(c.events / c.groups) }, 'store: group commit totals');
    }
    for (const t of this.timers) clearInterval(t);
    this.db.raw.close();
  }

  appendEvents(input: AppendInput): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    let prepared: PreparedAppend;
    try {
      prepared = prepareAppend(input);
    } catch (err) {
      return Promise.reject(err); // e.g. a body JSON.stringify cannot serialise
    }
    return this.committer.append(prepared);
  }

  /** appendEvents with the input already prepared (worker-store.ts prepares on the caller's thread). */
  appendPrepared(input: PreparedAppend): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return this.committer.append(input);
  }

  /** Bucketed counts for the console's charts (optional capability, see ActivitySeriesReader). */
  async activitySeries(q: { since: number; bucketMs: number }): Promise<ActivitySeries> {
    return readActivitySeries(this.db, q);
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
    return readIngestStats(this.db);
  }

  async claimDeliveries(input: ClaimInput): Promise<ClaimedDelivery[]> {
    return claimDeliveries(this.db, input);
  }

  async completeDeliveries(outcomes: DeliveryOutcome[], now: number): Promise<void> {
    completeDeliveries(this.db, outcomes, now);
  }

  async extendLeases(ids: number[], owner: string, leaseExpiresAt: number): Promise<void> {
    extendLeases(this.db, ids, owner, leaseExpiresAt);
  }

  async releaseExpiredLeases(now: number): Promise<number> {
    return releaseExpiredLeases(this.db, now);
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
    return replayDead(this.db, filter, now);
  }

  async purgeDead(filter: DeadFilter): Promise<number> {
    return purgeDead(this.db, filter);
  }

  async retryNow(id: number, now: number): Promise<boolean> {
    return retryNow(this.db, id, now);
  }

  async laneStats(now: number): Promise<LaneStats[]> {
    return readLaneStats(this.db, now);
  }

  async deliveryBreakdown(destinationId: string): Promise<DeliveryBreakdown> {
    return readDeliveryBreakdown(this.db, destinationId);
  }

  // ---- syncs (SyncStore, src/store/sync-types.ts) ----
  async startSyncRun(input: { syncId: string; trigger: SyncTrigger; owner: string; leaseMs: number; now: number }): Promise<StartSyncRunResult> {
    return syncRuns.startSyncRun(this.db, input);
  }
  async extendSyncRunLease(runId: number, owner: string, leaseExpiresAt: number): Promise<boolean> {
    return syncRuns.extendSyncRunLease(this.db, runId, owner, leaseExpiresAt);
  }
  async updateSyncRun(runId: number, owner: string, counts: SyncRunCounts): Promise<void> {
    syncRuns.updateSyncRun(this.db, runId, owner, counts);
  }
  async finishSyncRun(runId: number, owner: string, result: { status: 'completed' | 'failed' | 'cancelled'; counts: SyncRunCounts; error?: string; now: number }): Promise<void> {
    syncRuns.finishSyncRun(this.db, runId, owner, result);
  }
  async getSyncRun(runId: number): Promise<SyncRun | undefined> {
    return syncRuns.getSyncRun(this.db, runId);
  }
  async listSyncRuns(syncId: string, q?: { limit?: number; before?: number }): Promise<SyncRun[]> {
    return syncRuns.listSyncRuns(this.db, syncId, q);
  }
  async addSyncRowErrors(errors: SyncRowError[]): Promise<void> {
    syncRowErrors.addSyncRowErrors(this.db, errors);
  }
  async listSyncRowErrors(runId: number, q?: { limit?: number }): Promise<SyncRowError[]> {
    return syncRowErrors.listSyncRowErrors(this.db, runId, q);
  }
  iterateSnapshot(syncId: string): AsyncIterable<{ pk: string; hash: string }[]> {
    return syncSnapshot.iterateSnapshot(this.db, syncId);
  }
  async applySnapshot(syncId: string, changes: SnapshotChange[]): Promise<void> {
    syncSnapshot.applySnapshot(this.db, syncId, changes);
  }
  async snapshotSize(syncId: string): Promise<number> {
    return syncSnapshot.snapshotSize(this.db, syncId);
  }
  async resetSnapshot(syncId: string): Promise<number> {
    return syncSnapshot.resetSnapshot(this.db, syncId);
  }

  // ---- privacy (PrivacyStore, src/store/privacy-types.ts) ----
  async createPrivacyRequest(input: NewPrivacyRequest): Promise<PrivacyRequest> {
    return privacyRequests.createPrivacyRequest(this.db, input);
  }
  async getPrivacyRequest(id: string): Promise<PrivacyRequest | undefined> {
    return privacyRequests.getPrivacyRequest(this.db, id);
  }
  async listPrivacyRequests(q?: { limit?: number; before?: number; status?: PrivacyRequestStatus }): Promise<PrivacyRequest[]> {
    return privacyRequests.listPrivacyRequests(this.db, q);
  }
  async purgeUserData(ids: UserIdentifiers, opts: { note: string }): Promise<PurgeCounts> {
    this.committer.flush(); // events acknowledged before the request are purged too
    return purgeUserData(this.db, ids, opts);
  }
  async recordPurge(requestId: string, counts: PurgeCounts, now: number, repurgeAt: number | null): Promise<void> {
    privacyRequests.recordPurge(this.db, requestId, counts, now, repurgeAt);
  }
  async dueRepurges(now: number, limit?: number): Promise<{ requestId: string; userId?: string; anonymousId?: string }[]> {
    return privacyRequests.dueRepurges(this.db, now, limit);
  }
  async claimPrivacyTargets(q: { owner: string; leaseMs: number; now: number; limit: number; requestId?: string }): Promise<ClaimedPrivacyTarget[]> {
    return privacyTargets.claimPrivacyTargets(this.db, q);
  }
  async completePrivacyTarget(outcome: PrivacyTargetOutcome): Promise<boolean> {
    return privacyTargets.completePrivacyTarget(this.db, outcome);
  }
  async nextPrivacyDueAt(): Promise<number | undefined> {
    return privacyTargets.nextPrivacyDueAt(this.db);
  }
  async addSuppression(s: Suppression): Promise<boolean> {
    return suppressions.addSuppression(this.db, s);
  }
  async removeSuppression(kind: IdentifierKind, identifier: string): Promise<boolean> {
    return suppressions.removeSuppression(this.db, kind, identifier);
  }
  async listSuppressions(): Promise<Suppression[]> {
    return suppressions.listSuppressions(this.db);
  }
  async suppressionVersion(): Promise<number> {
    return suppressions.suppressionVersion(this.db);
  }
  async appendPrivacyAudit(entry: AuditInput): Promise<void> {
    privacyAudit.appendPrivacyAudit(this.db, entry);
  }
  async listPrivacyAudit(q?: { limit?: number; before?: number; requestId?: string }): Promise<AuditEntry[]> {
    return privacyAudit.listPrivacyAudit(this.db, q);
  }

  // ---- maintenance (MaintenanceStore, src/store/maintenance-types.ts) ----
  async purgeDeliveredEvents(input: PurgeInput): Promise<PurgeResult> {
    return purgeDeliveredEvents(this.db, input);
  }
  async purgeDeadLetters(input: PurgeInput): Promise<PurgeResult> {
    return purgeDeadLetters(this.db, input);
  }
  async purgeRejected(input: PurgeInput): Promise<PurgeResult> {
    return purgeRejected(this.db, input);
  }
  async reclaimSpace(opts?: { maxBytes?: number }): Promise<ReclaimResult> {
    return reclaimSpace(this.db, { maxBytes: opts?.maxBytes, memory: this.file === ':memory:' });
  }
  async storeStats(_now: number): Promise<StoreStats> {
    return readStoreStats(this.db, this.file);
  }
}
