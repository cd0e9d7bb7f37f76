/**
 * Action `trackEvent` ("Track Event"): Segment track events → Feature Experimentation conversions through the
 * Event API, many visitors per request. `prepare` refuses what can never be delivered (unknown event key,
 * non-integer revenue, wrong account) with a reason the dead-letter list shows; `performBatch` builds the
 * EventBatch exactly as the SDK would, packs it by context, count and bytes, and reports per item, flagging
 * conversions whose event key is in no running experiment and attributes the datafile does not define.
 */
import { PayloadValidationError, PermanentError, RateLimitedError, RetryableError, type OptirelayError } from '../../core/errors.js';
import type { JsonObject } from '../../core/event.js';
import type { ActionDefinition, BatchItem, BatchResult, DestinationContext, Exchange, ItemOutcome } from '../kit.js';
import {
  buildVisitor,
  eventApiUrl,
  eventBatchHead,
  eventContextOf,
  EVENT_API_DEFAULT_MAX_VISITORS,
  EVENT_API_MAX_BYTES,
  EventApiRejectedError,
  EventApiTooLargeError,
  planRequests,
  postEvents,
  type BuiltVisitor,
  type EventApiError,
  type EventContext,
  type Visitor,
} from '../../optimizely/event-api.js';
import { eventInRunningExperiment, type ProjectConfig } from '../../optimizely/project-config.js';
import { trackEventFields, type FxSettings, type TrackEventPayload } from './fields.js';
import type { FxRuntime } from './runtime.js';

const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

export function accountMismatchMessage(config: ProjectConfig, settingsAccountId: string, displayUrl: string): string {
  return (
    `the datafile at ${displayUrl} belongs to account ${config.accountId} but settings.accountId is ${settingsAccountId}: ` +
    'fix settings.accountId or settings.dataFileUrl'
  );
}

function checkAccount(ctx: DestinationContext<FxSettings>, config: ProjectConfig, runtime: FxRuntime): void {
  const want = String(ctx.settings.accountId ?? '').trim();
  if (want && want !== config.accountId) {
    throw new PermanentError(accountMismatchMessage(config, want, runtime.datafile.displayUrl), 'OR_FX_ACCOUNT_MISMATCH', 400);
  }
}

/** Epoch milliseconds from a datetime field (ISO string, numeric string, seconds or milliseconds). */
export function toEpochMs(ts: unknown): number | undefined {
  if (typeof ts === 'number') return Number.isFinite(ts) ? Math.round(ts < 1e11 ? ts * 1000 : ts) : undefined;
  if (typeof ts !== 'string' || !ts.trim()) return undefined;
  if (/^\d+(\.\d+)?$/.test(ts.trim())) return toEpochMs(Number(ts));
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

function checkPayload(payload: TrackEventPayload, config: ProjectConfig): void {
  if (typeof payload.userId !== 'string' || payload.userId === '') {
    throw new PayloadValidationError('User ID is empty: the event has neither userId nor anonymousId', 'User ID');
  }
  if (typeof payload.eventKey !== 'string' || payload.eventKey === '') throw new PayloadValidationError('Event Key is empty', 'Event Key');
  if (!config.events.has(payload.eventKey)) {
    // Same wording as buildVisitor, which performBatch uses if the datafile changed in between.
    buildVisitor(config, { visitorId: payload.userId, eventKey: payload.eventKey, timestampMs: 0, uuid: '' });
  }
  const r = payload.revenue;
  if (r !== undefined && r !== null) {
    if (typeof r !== 'number' || !Number.isInteger(r) || Math.abs(r) > MAX_SAFE_INTEGER) {
      throw new PayloadValidationError(
        `Revenue must be an integer number of cents (4200 for $42.00) but it was ${JSON.stringify(r)}: map Revenue to a value in cents, e.g. multiply a dollar amount by 100`,
        'Revenue',
      );
    }
  }
  const v = payload.value;
  if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
    throw new PayloadValidationError(`Value must be a finite number but it was ${JSON.stringify(v)}`, 'Value');
  }
  if (toEpochMs(payload.timestamp) === undefined) {
    throw new PayloadValidationError(`Timestamp must be a date and time but it was ${JSON.stringify(payload.timestamp)}`, 'Timestamp');
  }
}

interface Prepared {
  index: number;
  built: BuiltVisitor;
  context: EventContext;
}

function flagsFor(config: ProjectConfig, b: BuiltVisitor): JsonObject | undefined {
  const flags: JsonObject = {};
  if (!eventInRunningExperiment(config, b.event)) flags.notInRunningExperiment = true;
  if (b.droppedAttributes.length) flags.droppedAttributes = b.droppedAttributes;
  if (b.invalidAttributes.length) flags.invalidAttributes = b.invalidAttributes;
  if (b.droppedTags.length) flags.droppedTags = b.droppedTags;
  return Object.keys(flags).length ? flags : undefined;
}

function retryOutcome(err: OptirelayError, prefix = ''): ItemOutcome {
  return {
    status: 'retry',
    error: prefix + err.message,
    statusCode: (err.details?.['status'] as number | undefined) ?? err.statusCode,
    retryAfterMs: err instanceof RateLimitedError ? err.retryAfterMs : (err.details?.['retryAfterMs'] as number | undefined),
  };
}

/**
 * `endpoints.eventApi` from the config wins; otherwise the datafile's region picks the host (EU datafiles go to
 * eu.logx), falling back to the type's default.
 */
export function resolveEventApiUrl(ctx: DestinationContext<FxSettings>, region: string): string {
  const override = ctx.config?.endpoints?.['eventApi'];
  if (override) return override;
  return region === 'EU' ? eventApiUrl('EU') : (ctx.endpoints['eventApi'] ?? eventApiUrl(region));
}

function serialize(context: EventContext, visitors: Visitor[]): string {
  return JSON.stringify({ ...eventBatchHead(context), visitors });
}

export const trackEvent: ActionDefinition<TrackEventPayload, FxSettings, FxRuntime> = {
  title: 'Track Event',
  description: 'Track Conversion Events',
  defaultTrigger: 'type = "track"',
  fields: trackEventFields,
  batching: { maxItems: EVENT_API_DEFAULT_MAX_VISITORS, maxBytes: EVENT_API_MAX_BYTES, lingerMs: 1000 },

  async prepare(ctx, payload, _event, runtime) {
    const config = await runtime.datafile.get();
    checkAccount(ctx, config, runtime);
    checkPayload(payload, config);
    return payload;
  },

  dynamicFields: {
    async eventKey(_ctx, runtime) {
      const config = await runtime.datafile.get();
      return [...config.events.values()]
        .sort((a, b) => a.key.localeCompare(b.key))
        .map((e) => ({
          label: eventInRunningExperiment(config, e) ? e.key : `${e.key} (in no running experiment)`,
          value: e.key,
        }));
    },
  },

  async performBatch(ctx, items, runtime): Promise<BatchResult> {
    const config = await runtime.datafile.get();
    checkAccount(ctx, config, runtime);
    const outcomes: (ItemOutcome | undefined)[] = new Array(items.length).fill(undefined);
    const exchanges: Exchange[] = [];
    const context = eventContextOf(config, runtime.client);
    const prepared: Prepared[] = [];

    items.forEach((item: BatchItem<TrackEventPayload>, index) => {
      try {
        checkPayload(item.payload, config);
        const p = item.payload;
        const built = buildVisitor(config, {
          visitorId: p.userId,
          eventKey: p.eventKey,
          timestampMs: toEpochMs(p.timestamp)!,
          uuid: p.uuid || item.event.messageId,
          attributes: p.attributes,
          userAgent: p.userAgent,
          revenue: p.revenue,
          value: p.value,
          tags: p.eventTags,
        });
        prepared.push({ index, built, context });
      } catch (err) {
        const e = err as OptirelayError;
        outcomes[index] = { status: 'dead', error: e.message, statusCode: 400 };
      }
    });

    const maxVisitors = Math.min(
      Math.max(1, ctx.config?.lanes?.['trackEvent']?.batchSize ?? EVENT_API_DEFAULT_MAX_VISITORS),
      EVENT_API_DEFAULT_MAX_VISITORS,
    );
    const maxBytes = runtime.maxRequestBytes ?? EVENT_API_MAX_BYTES;
    const plan = planRequests(
      prepared.map((p) => ({ context: p.context, visitor: p.built.visitor })),
      { maxVisitors, maxBytes },
    );
    for (const t of plan.tooLarge) {
      const p = prepared[t.index]!;
      outcomes[p.index] = {
        status: 'dead',
        error: `conversion too large: ${t.bytes} bytes on its own, over the Event API limit of ${maxBytes} bytes per request; trim Event Tags or Event Attributes`,
        statusCode: 413,
      };
    }

    let halted: OptirelayError | undefined;

    const deliver = (group: Prepared[]) => {
      for (const p of group) outcomes[p.index] = { status: 'delivered', flags: flagsFor(config, p.built) };
      runtime.counters.visitorsSent += group.length;
    };

    const send = async (group: Prepared[], body: string): Promise<void> => {
      if (halted) {
        for (const p of group) outcomes[p.index] = retryOutcome(halted, 'not sent: an earlier Event API request in this batch failed: ');
        return;
      }
      const url = resolveEventApiUrl(ctx, group[0]!.context.region);
      runtime.counters.requests++;
      try {
        const { exchange } = await postEvents(ctx.http, url, body, { now: () => ctx.clock.now() });
        exchanges.push(exchange);
        deliver(group);
      } catch (err) {
        const e = err as EventApiError;
        if (e.exchange) exchanges.push(e.exchange);
        if ((e instanceof EventApiTooLargeError || e instanceof EventApiRejectedError) && group.length > 1) {
          // Bisect so one bad or oversized visitor cannot take the others down with it.
          runtime.counters.splits++;
          const mid = Math.ceil(group.length / 2);
          for (const half of [group.slice(0, mid), group.slice(mid)]) {
            await send(half, serialize(half[0]!.context, half.map((p) => p.built.visitor)));
          }
          return;
        }
        if (e instanceof RetryableError) {
          halted = e;
          for (const p of group) outcomes[p.index] = retryOutcome(e);
          return;
        }
        for (const p of group) outcomes[p.index] = { status: 'dead', error: e.message, statusCode: (e.details?.['status'] as number | undefined) ?? e.statusCode };
        runtime.counters.visitorsDead += group.length;
      }
    };

    for (const req of plan.requests) {
      await send(req.indices.map((i) => prepared[i]!), req.body);
    }

    return {
      outcomes: outcomes.map((o) => o ?? { status: 'retry', error: 'not attempted' }),
      exchanges,
    };
  },
};
