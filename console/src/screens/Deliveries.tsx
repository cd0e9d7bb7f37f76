/** Deliveries: search, each delivery's attempts (request / response, redacted), retry now, dead-letter replay and purge. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, qs, type Delivery, type DeliveryDetail, type DeliveryStatus } from '../api';
import { navigate, useAction, useApi, type Route } from '../hooks';
import { fmtTime, httpText, pretty } from '../format';
import { Card, Empty, ErrorBox, Json as JsonView, Pre, Status } from '../components/ui';
import { Table } from '../components/table';

const STATUSES: ('' | DeliveryStatus)[] = ['', 'pending', 'in_flight', 'retry_wait', 'delivered', 'dead'];
const FILTER_KEYS = ['userId', 'messageId', 'event', 'status', 'destinationId', 'lane', 'error'] as const;
type Filter = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

function filterOf(q: URLSearchParams): Filter {
  const f: Filter = {};
  for (const k of FILTER_KEYS) {
    const v = q.get(k);
    if (v) f[k] = v;
  }
  return f;
}

function hashOf(f: Filter, id?: number): string {
  return `#/deliveries${id !== undefined ? `/${id}` : ''}${qs(f)}`;
}

export function Deliveries({ route }: { route: Route }): ReactNode {
  const filter = filterOf(route.query);
  const selectedId = route.path[1] ? Number(route.path[1]) : undefined;
  const [draft, setDraft] = useState<Filter>(filter);
  const list = useApi<{ deliveries: Delivery[]; nextBefore: number | null }>(`/deliveries${qs({ ...filter, limit: 100 })}`, 3000);
  const [checked, setChecked] = useState<Set<number>>(new Set());
  const split = selectedId !== undefined;

  const deadFilter = { destinationId: filter.destinationId, lane: filter.lane, userId: filter.userId, event: filter.event, error: filter.error };
  const hasDeadFilter = Object.values(deadFilter).some(Boolean);
  const bulk = useAction(async (op: 'replay' | 'purge', body: Record<string, unknown>) => {
    const r = await api<{ replayed?: number; purged?: number }>(`/dlq/${op}`, { method: 'POST', body });
    setChecked(new Set());
    list.reload();
    return op === 'replay' ? `${r.replayed ?? 0} dead deliveries replayed (back to pending)` : `${r.purged ?? 0} dead deliveries purged`;
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const f: Filter = {};
    for (const k of FILTER_KEYS) if (draft[k]?.trim()) f[k] = draft[k]!.trim();
    navigate(hashOf(f));
  };
  const clean = (o: Record<string, string | undefined>): Record<string, string> => Object.fromEntries(Object.entries(o).filter(([, v]) => v)) as Record<string, string>;
  const deadShown = (list.data?.deliveries ?? []).filter((d) => d.status === 'dead');

  return (
    <>
      <h1>Deliveries</h1>
      <Card title="Search">
        <form className="filters" onSubmit={submit} aria-label="Search deliveries">
          {(['userId', 'messageId', 'event', 'destinationId', 'lane', 'error'] as const).map((k) => (
            <label key={k}>
              {{ userId: 'User id', messageId: 'Message id', event: 'Event name', destinationId: 'Destination', lane: 'Lane', error: 'Error contains' }[k]}
              <input value={draft[k] ?? ''} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
            </label>
          ))}
          <label>
            Status
            <select value={draft.status ?? ''} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s || 'any'}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Search</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft({});
              navigate('#/deliveries');
            }}
          >
            Reset
          </button>
        </form>
      </Card>

      <Card
        title="Dead letters"
        actions={
          <>
            <button type="button" disabled={bulk.busy || checked.size === 0} onClick={() => void bulk.run('replay', { ids: [...checked] })}>
              Replay selected ({checked.size})
            </button>
            <button
              type="button"
              disabled={bulk.busy || !hasDeadFilter}
              title={hasDeadFilter ? 'Replay every dead delivery matching the search filter' : 'Search by destination, lane, user, event or error first'}
              onClick={() => {
                if (window.confirm(`Replay every dead delivery matching ${JSON.stringify(clean(deadFilter))}?`)) void bulk.run('replay', clean(deadFilter));
              }}
            >
              Replay all matching
            </button>
            <button
              type="button"
              className="danger"
              disabled={bulk.busy || (checked.size === 0 && !hasDeadFilter)}
              onClick={() => {
                const body = checked.size ? { ids: [...checked] } : clean(deadFilter);
                if (window.confirm(`Delete ${checked.size ? `${checked.size} selected` : `every dead delivery matching ${JSON.stringify(body)}`}? This cannot be undone.`)) void bulk.run('purge', body);
              }}
            >
              Purge {checked.size ? 'selected' : 'matching'}
            </button>
          </>
        }
      >
        <p className="muted small">Select dead deliveries below, or search by destination / lane / user / event / error to act on every match.</p>
        <ErrorBox error={bulk.error} />
        {bulk.result ? (
          <div className="notice ok" role="status">
            {bulk.result}
          </div>
        ) : null}
      </Card>

      <div className={selectedId !== undefined ? 'split' : undefined}>
        <Card title={`Results${list.data ? ` (${list.data.deliveries.length}${list.data.nextBefore ? '+' : ''})` : ''}`}>
          <ErrorBox error={list.error} />
          {list.data && list.data.deliveries.length === 0 ? <Empty>No deliveries match.</Empty> : null}
          {list.data && list.data.deliveries.length > 0 ? (
            <Table
              columns={[
                {
                  label: (
                    <input
                      type="checkbox"
                      aria-label="Select all dead deliveries shown"
                      checked={deadShown.length > 0 && deadShown.every((d) => checked.has(d.id))}
                      onChange={(e) => setChecked(e.target.checked ? new Set(deadShown.map((d) => d.id)) : new Set())}
                    />
                  ),
                },
                'Id',
                'Status',
                'Lane',
                'Event',
                'User',
                'Attempts',
                'Updated',
                split ? null : 'Last error',
              ]}
            >
              {list.data.deliveries.map((d) => (
                <tr key={d.id} className={d.id === selectedId ? 'selected' : undefined}>
                  <td>
                    {d.status === 'dead' ? (
                      <input
                        type="checkbox"
                        aria-label={`Select delivery ${d.id}`}
                        checked={checked.has(d.id)}
                        onChange={(e) => {
                          const n = new Set(checked);
                          if (e.target.checked) n.add(d.id);
                          else n.delete(d.id);
                          setChecked(n);
                        }}
                      />
                    ) : null}
                  </td>
                  <td>
                    <a href={hashOf(filter, d.id)}>#{d.id}</a>
                  </td>
                  <td>
                    <Status value={d.status} />
                  </td>
                  <td>{d.lane}</td>
                  <td>{d.eventName ?? '–'}</td>
                  <td>{d.userId ?? '–'}</td>
                  <td className="num">{d.attempts}</td>
                  <td>{fmtTime(d.updatedAt ?? d.createdAt)}</td>
                  {split ? null : <td className="reason">{d.lastError ?? ''}</td>}
                </tr>
              ))}
            </Table>
          ) : null}
        </Card>
        {selectedId !== undefined ? <DeliveryPanel id={selectedId} onClose={() => navigate(hashOf(filter))} onChanged={list.reload} /> : null}
      </div>
    </>
  );
}

function DeliveryPanel({ id, onClose, onChanged }: { id: number; onClose: () => void; onChanged: () => void }): ReactNode {
  const d = useApi<DeliveryDetail>(`/deliveries/${id}`, 2000);
  const retry = useAction(async () => {
    await api(`/deliveries/${id}/retry`, { method: 'POST' });
    d.reload();
    onChanged();
    return 'retry scheduled now';
  });
  const replay = useAction(async () => {
    const r = await api<{ replayed: number }>('/dlq/replay', { method: 'POST', body: { ids: [id] } });
    d.reload();
    onChanged();
    return `${r.replayed} replayed`;
  });
  const x = d.data;
  return (
    <Card
      title={`Delivery #${id}`}
      actions={
        <>
          {x && x.status === 'dead' ? (
            <button type="button" onClick={() => void replay.run()} disabled={replay.busy}>
              Replay
            </button>
          ) : null}
          {x && (x.status === 'pending' || x.status === 'retry_wait' || x.status === 'dead') ? (
            <button type="button" className="secondary" onClick={() => void retry.run()} disabled={retry.busy}>
              Retry now
            </button>
          ) : null}
          <button type="button" className="secondary" onClick={onClose} aria-label="Close delivery">
            Close
          </button>
        </>
      }
    >
      <ErrorBox error={d.error ?? retry.error ?? replay.error} />
      {retry.result || replay.result ? (
        <div className="notice ok" role="status">
          {replay.result ?? retry.result}
        </div>
      ) : null}
      {x ? (
        <>
          <dl className="kv">
            <dt>Status</dt>
            <dd>
              <Status value={x.status} /> {x.lastStatusCode ? `HTTP ${x.lastStatusCode}` : ''}
            </dd>
            <dt>Lane / mapping</dt>
            <dd>
              {x.lane} · {x.mappingId}
            </dd>
            <dt>Message id</dt>
            <dd className="mono">{x.messageId}</dd>
            <dt>Attempts</dt>
            <dd>
              {x.attempts}; next {fmtTime(x.nextAttemptAt)}
            </dd>
            {x.lastError ? (
              <>
                <dt>Last error</dt>
                <dd className="bad">{x.lastError}</dd>
              </>
            ) : null}
            {x.flags && Object.keys(x.flags).length ? (
              <>
                <dt>Flags</dt>
                <dd className="mono">{pretty(x.flags)}</dd>
              </>
            ) : null}
          </dl>
          <JsonView label="Event" value={x.event} />
          <h3>Attempts</h3>
          {x.attemptLog.length === 0 ? (
            <Empty>
              {x.status === 'delivered'
                ? `Delivered on the first try${x.lastStatusCode ? ` (HTTP ${x.lastStatusCode})` : ''}: a first-try success is not logged, only failed attempts keep their request and response.`
                : 'No attempts yet.'}
            </Empty>
          ) : null}
          {x.attemptLog.map((a) => (
            <details key={`${a.attempt}-${a.startedAt}`} className="attempt" open={a === x.attemptLog[x.attemptLog.length - 1]}>
              <summary>
                #{a.attempt} <Status value={a.outcome} /> {fmtTime(a.startedAt)} {a.statusCode ? `HTTP ${a.statusCode}` : ''}{' '}
                {a.durationMs !== undefined ? `${Math.round(a.durationMs)} ms` : ''} {a.error ? <span className="bad">{a.error}</span> : null}
              </summary>
              {a.request ? (
                <>
                  <h4>Request</h4>
                  <Pre value={httpText(a.request)} />
                </>
              ) : null}
              {a.response ? (
                <>
                  <h4>Response</h4>
                  <Pre value={httpText(a.response)} />
                </>
              ) : null}
            </details>
          ))}
        </>
      ) : null}
    </Card>
  );
}
