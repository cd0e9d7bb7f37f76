/**
 * DestinationRuntimes: the live side of the configured destinations. For each enabled destination it looks up
 * the type, resolves endpoints (type default → function-of-settings default → config override), builds the
 * DestinationContext, and starts the type's runtime once. It also works out each lane's effective settings:
 * action defaults, overridden by `destination.lanes[action]`, bounded by the action's own limits.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { DestinationConfig, OptirelayConfig, RateLimitConfig } from '../config/types.js';
import type { ActionDefinition, DestinationContext, TestConnectionResult } from './kit.js';
import { getDestinationType, type AnyDestinationType as AnyType } from './registry.js';
import { createHttpClient, type HttpClient } from '../optimizely/http.js';
import { VERSION } from '../version.js';
import { redactString } from '../core/redact.js';

/** An action with its type's generics erased (as the registry erases them). */
export type AnyAction = ActionDefinition<Record<string, unknown>, Record<string, unknown>, unknown>;

export interface LiveDestination {
  id: string;
  type: AnyType;
  ctx: DestinationContext;
  runtime: unknown;
}

/** A lane's effective settings (what the deliverer runs it with). */
export interface LaneSettings {
  lane: string;
  destinationId: string;
  action: string;
  batchSize: number;
  maxBytes?: number;
  lingerMs: number;
  /** Batches of this lane in flight at once (the next is claimed while one is on the wire). */
  concurrency: number;
  rateLimit?: RateLimitConfig;
  maxAttempts: number;
  maxAgeMs: number;
  leaseMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** Batches in flight per lane. Rate-limited lanes are still paced by their limiter. */
export const DEFAULT_LANE_CONCURRENCY = 4;

export function laneKey(destinationId: string, action: string): string {
  return `${destinationId}:${action}`;
}

export function resolveEndpoints(type: AnyType, dest: Pick<DestinationConfig, 'settings' | 'endpoints'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(type.endpoints)) {
    out[name] = typeof def.default === 'function' ? def.default(dest.settings) : def.default;
  }
  for (const [name, url] of Object.entries(dest.endpoints ?? {})) if (url) out[name] = url;
  return out;
}

export function laneSettings(config: OptirelayConfig, dest: DestinationConfig, actionKey: string, action: AnyAction): LaneSettings {
  const tune = dest.lanes?.[actionKey] ?? {};
  const d = config.delivery;
  const max = action.batching.maxItems;
  return {
    lane: laneKey(dest.id, actionKey),
    destinationId: dest.id,
    action: actionKey,
    batchSize: Math.max(1, Math.min(max, tune.batchSize ?? max)),
    maxBytes: action.batching.maxBytes,
    lingerMs: Math.max(0, tune.lingerMs ?? action.batching.lingerMs),
    concurrency: DEFAULT_LANE_CONCURRENCY,
    rateLimit: tune.rateLimit ?? action.rateLimit,
    maxAttempts: tune.maxAttempts ?? d.maxAttempts,
    maxAgeMs: tune.maxAgeMs ?? d.maxAgeMs,
    leaseMs: d.leaseMs,
    backoffBaseMs: d.backoffBaseMs,
    backoffMaxMs: d.backoffMaxMs,
  };
}

export interface DestinationRuntimesOptions {
  config: OptirelayConfig;
  logger: Logger;
  clock: Clock;
  /** Shared HTTP client; by default one is created with `config.delivery.timeoutMs`. */
  http?: HttpClient;
}

export class DestinationRuntimes {
  private readonly live = new Map<string, LiveDestination>();
  private readonly laneList: LaneSettings[] = [];
  private readonly failed = new Map<string, { attempt: number; error: string; timer: NodeJS.Timeout }>();
  private stopped = false;
  readonly http: HttpClient;

  private constructor(private readonly opts: DestinationRuntimesOptions) {
    this.http = opts.http ?? createHttpClient({ timeoutMs: opts.config.delivery.timeoutMs, userAgent: `optirelay/${VERSION}` });
  }

  /** Start the runtime of every enabled destination. An unknown type is a config error (config check catches it first). */
  static async start(opts: DestinationRuntimesOptions): Promise<DestinationRuntimes> {
    const rt = new DestinationRuntimes(opts);
    try {
      for (const dest of opts.config.destinations) {
        if (dest.enabled === false) continue;
        await rt.startOne(dest);
      }
    } catch (err) {
      await rt.stop();
      throw err;
    }
    return rt;
  }

  private async startOne(dest: DestinationConfig): Promise<void> {
    const type = getDestinationType(dest.type);
    if (!type) throw new Error(`destination "${dest.id}": unknown type "${dest.type}"`);
    const ctx: DestinationContext = {
      destinationId: dest.id,
      settings: dest.settings ?? {},
      endpoints: resolveEndpoints(type, dest),
      http: this.http,
      logger: this.opts.logger.child({ destination: dest.id, destinationType: dest.type }),
      clock: this.opts.clock,
      config: dest,
    };
    let runtime: unknown;
    try {
      runtime = type.createRuntime ? await type.createRuntime(ctx) : undefined;
    } catch (err) {
      // One destination failing to start must not stop the others: its deliveries wait, and we try again.
      const attempt = (this.failed.get(dest.id)?.attempt ?? 0) + 1;
      const message = redactString((err as Error).message);
      const delay = Math.min(60_000, 1000 * 2 ** Math.min(attempt - 1, 6));
      ctx.logger.error({ err: { message }, retryInMs: delay }, 'destination runtime failed to start; its deliveries wait');
      const timer = setTimeout(() => {
        if (this.stopped) return;
        void this.startOne(dest);
      }, delay);
      timer.unref();
      this.failed.set(dest.id, { attempt, error: message, timer });
      return;
    }
    if (this.stopped) {
      if (type.stopRuntime) await type.stopRuntime(runtime);
      return;
    }
    const prev = this.failed.get(dest.id);
    if (prev) clearTimeout(prev.timer);
    this.failed.delete(dest.id);
    this.live.set(dest.id, { id: dest.id, type, ctx, runtime });
    for (const [key, action] of Object.entries(type.actions)) {
      this.laneList.push(laneSettings(this.opts.config, dest, key, action as AnyAction));
    }
  }

  /** Destinations whose runtime failed to start (retried in the background), with the last error. */
  startFailures(): { destinationId: string; attempts: number; error: string }[] {
    return [...this.failed.entries()].map(([destinationId, f]) => ({ destinationId, attempts: f.attempt, error: f.error }));
  }

  get(destinationId: string): LiveDestination | undefined {
    return this.live.get(destinationId);
  }

  ids(): string[] {
    return [...this.live.keys()];
  }

  /** Every (destination, action) lane of the enabled destinations, with effective settings. */
  lanes(): LaneSettings[] {
    return [...this.laneList];
  }

  lane(lane: string): LaneSettings | undefined {
    return this.laneList.find((l) => l.lane === lane);
  }

  async testConnection(destinationId: string): Promise<TestConnectionResult> {
    const d = this.live.get(destinationId);
    if (!d) {
      const failure = this.failed.get(destinationId);
      if (failure) return { ok: false, message: `destination "${destinationId}" failed to start: ${failure.error}` };
      const configured = this.opts.config.destinations.find((x) => x.id === destinationId);
      return { ok: false, message: configured ? `destination "${destinationId}" is disabled` : `no destination "${destinationId}" in the config` };
    }
    if (!d.type.testConnection) return { ok: true, message: `destination type "${d.type.type}" has no connection test` };
    try {
      return await d.type.testConnection(d.ctx, d.runtime);
    } catch (err) {
      return { ok: false, message: redactString((err as Error).message) };
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const f of this.failed.values()) clearTimeout(f.timer);
    this.failed.clear();
    const all = [...this.live.values()];
    this.live.clear();
    this.laneList.length = 0;
    for (const d of all) {
      try {
        if (d.type.stopRuntime) await d.type.stopRuntime(d.runtime);
      } catch (err) {
        d.ctx.logger.warn({ err }, 'stopping destination runtime failed');
      }
    }
  }
}
