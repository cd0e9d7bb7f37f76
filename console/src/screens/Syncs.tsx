/**
 * Syncs: list, runs with counts and per-row errors, Plan (dry run), Run now with live progress, Reset.
 * Reads /admin/v1/syncs (issue 7's admin routes); when the server has none yet, the configured syncs are listed from
 * /config and the actions are unavailable.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, type Json } from '../api';
import { useAction, useApi, type Route } from '../hooks';
import { ago, fmtNum, fmtTime } from '../format';
import { Card, Empty, ErrorBox, Json as JsonView, Status } from '../components/ui';
import { Table } from '../components/table';

interface OpCounts {
  succeeded: number;
  failed: number;
}
export interface SyncRun {
  id: number;
  syncId: string;
  status: string;
  trigger: string;
  createdAt: string | number;
  startedAt?: string | number | null;
  finishedAt?: string | number | null;
  counts?: { rowsRead: number; added: OpCounts; changed: OpCounts; removed: OpCounts; unchanged: number; invalid: number; requests?: number };
  error?: string | null;
  rowErrors?: { pk: string | null; op: string; code: string; message: string }[];
}
interface SyncInfo {
  id: string;
  object?: string;
  mode?: string;
  destination?: string;
  schedule?: string | null;
  lastRun?: SyncRun | null;
  [k: string]: Json | SyncRun | undefined | null;
}

const time = (v: string | number | null | undefined): string => (v === null || v === undefined ? '–' : fmtTime(typeof v === 'number' ? new Date(v).toISOString() : v));
const isoOf = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : typeof v === 'number' ? new Date(v).toISOString() : v);

function useSyncList(): { syncs: SyncInfo[] | undefined; apiMissing: boolean; error: Error | undefined; reload: () => void } {
  const list = useApi<{ syncs: SyncInfo[] }>('/syncs', 5000);
  const missing = list.error instanceof ApiError && list.error.status === 404;
  const config = useApi<{ syncs?: SyncInfo[] }>(missing ? '/config' : null);
  return {
    syncs: missing ? config.data?.syncs : list.data?.syncs,
    apiMissing: missing,
    error: missing ? config.error : list.error,
    reload: list.reload,
  };
}

export function SyncsAtAGlance(): ReactNode {
  const { syncs, error } = useSyncList();
  if (error) return <ErrorBox error={error} />;
  if (!syncs) return <p className="muted">Loading…</p>;
  if (syncs.length === 0) return <Empty>No syncs configured.</Empty>;
  return (
    <Table columns={['Sync', 'Last run', 'Status']}>
      {syncs.map((s) => (
        <tr key={s.id}>
          <td>
            <a href={`#/syncs/${encodeURIComponent(s.id)}`}>{s.id}</a>
          </td>
          <td>{s.lastRun ? ago(isoOf(s.lastRun.finishedAt ?? s.lastRun.startedAt ?? s.lastRun.createdAt)) : 'never'}</td>
          <td>{s.lastRun ? <Status value={s.lastRun.status} /> : '–'}</td>
        </tr>
      ))}
    </Table>
  );
}

function Counts({ run }: { run: SyncRun }): ReactNode {
  const c = run.counts;
  if (!c) return <>–</>;
  return (
    <span className="counts">
      read {fmtNum(c.rowsRead)} · added {c.added.succeeded}
      {c.added.failed ? <b className="bad">/{c.added.failed} failed</b> : null} · changed {c.changed.succeeded}
      {c.changed.failed ? <b className="bad">/{c.changed.failed} failed</b> : null} · removed {c.removed.succeeded}
      {c.removed.failed ? <b className="bad">/{c.removed.failed} failed</b> : null} · unchanged {fmtNum(c.unchanged)}
      {c.invalid ? <b className="warn"> · invalid {c.invalid}</b> : null}
    </span>
  );
}

function RunDetail({ syncId, runId }: { syncId: string; runId: number }): ReactNode {
  const run = useApi<SyncRun & { run?: SyncRun }>(`/syncs/${encodeURIComponent(syncId)}/runs/${runId}`, 1000);
  const r: SyncRun | undefined = run.data?.run ? { ...run.data.run, rowErrors: run.data.rowErrors } : run.data;
  if (run.error) return <ErrorBox error={run.error} />;
  if (!r) return <p className="muted">Loading run {runId}…</p>;
  return (
    <div className="run-detail" aria-live="polite">
      <p>
        Run {r.id}: <Status value={r.status} /> ({r.trigger}) started {time(r.startedAt ?? r.createdAt)}
        {r.finishedAt ? `, finished ${time(r.finishedAt)}` : ''}
      </p>
      <p>
        <Counts run={r} />
      </p>
      {r.error ? <div className="error">{r.error}</div> : null}
      {r.rowErrors && r.rowErrors.length ? (
        <Table caption="Row errors" columns={['Primary key', 'Operation', 'Code', 'Message']}>
          {r.rowErrors.map((e, i) => (
            <tr key={i}>
              <td>{e.pk ?? '(none)'}</td>
              <td>{e.op}</td>
              <td>{e.code}</td>
              <td>{e.message}</td>
            </tr>
          ))}
        </Table>
      ) : null}
    </div>
  );
}

function SyncPanel({ sync, apiMissing }: { sync: SyncInfo; apiMissing: boolean }): ReactNode {
  const base = `/syncs/${encodeURIComponent(sync.id)}`;
  const runs = useApi<{ runs: SyncRun[] }>(apiMissing ? null : `${base}/runs?limit=20`, 1000);
  const [selected, setSelected] = useState<number>();
  const plan = useAction(() => api<Record<string, Json>>(`${base}/plan`, { method: 'POST', body: {} }));
  const runNow = useAction(() => api<{ run?: SyncRun; id?: number }>(`${base}/run`, { method: 'POST', body: {} }));
  const reset = useAction(() => api<Record<string, Json>>(`${base}/reset`, { method: 'POST', body: {} }));

  useEffect(() => {
    const id = runNow.result?.run?.id ?? runNow.result?.id;
    if (id !== undefined) setSelected(id);
  }, [runNow.result]);
  const shown = selected ?? runs.data?.runs[0]?.id;

  return (
    <Card
      title={`Sync ${sync.id}`}
      actions={
        <>
          <button type="button" className="secondary" disabled={apiMissing || plan.busy} onClick={() => void plan.run()}>
            {plan.busy ? 'Planning…' : 'Plan (dry run)'}
          </button>
          <button type="button" disabled={apiMissing || runNow.busy} onClick={() => void runNow.run()}>
            {runNow.busy ? 'Starting…' : 'Run now'}
          </button>
          <button
            type="button"
            className="danger"
            disabled={apiMissing || reset.busy}
            onClick={() => {
              if (window.confirm(`Reset sync "${sync.id}"? Its snapshot is forgotten and the next run sends every row again.`)) void reset.run();
            }}
          >
            Reset
          </button>
        </>
      }
    >
      <dl className="kv">
        {sync.object ? (
          <>
            <dt>Object</dt>
            <dd>{String(sync.object)}</dd>
          </>
        ) : null}
        {sync.mode ? (
          <>
            <dt>Mode</dt>
            <dd>{String(sync.mode)}</dd>
          </>
        ) : null}
        {sync.destination ? (
          <>
            <dt>Destination</dt>
            <dd>{String(sync.destination)}</dd>
          </>
        ) : null}
        <dt>Schedule</dt>
        <dd>{sync.schedule ? String(sync.schedule) : 'manual only'}</dd>
      </dl>
      {apiMissing ? <p className="muted">This server has no sync admin API yet; runs cannot be shown or started from the console.</p> : null}
      <ErrorBox error={plan.error ?? runNow.error ?? reset.error ?? runs.error} />
      {plan.result ? <JsonView label="Plan (nothing was written)" value={plan.result} open /> : null}
      {reset.result ? <p className="ok">Reset: {JSON.stringify(reset.result)}</p> : null}
      {shown !== undefined ? <RunDetail syncId={sync.id} runId={shown} /> : null}
      {runs.data ? (
        runs.data.runs.length === 0 ? (
          <Empty>No runs yet.</Empty>
        ) : (
          <Table caption="Runs" columns={['Run', 'Status', 'Trigger', 'Started', 'Counts']}>
            {runs.data.runs.map((r) => (
              <tr key={r.id} className={r.id === shown ? 'selected' : undefined}>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(r.id)}>
                    #{r.id}
                  </button>
                </td>
                <td>
                  <Status value={r.status} />
                </td>
                <td>{r.trigger}</td>
                <td>{time(r.startedAt ?? r.createdAt)}</td>
                <td>
                  <Counts run={r} />
                </td>
              </tr>
            ))}
          </Table>
        )
      ) : null}
    </Card>
  );
}

export function Syncs({ route }: { route: Route }): ReactNode {
  const { syncs, apiMissing, error } = useSyncList();
  const wanted = route.path[1];
  return (
    <>
      <h1>Syncs</h1>
      <ErrorBox error={error} />
      {syncs && syncs.length === 0 ? <Empty>No syncs configured (see docs/syncs.md).</Empty> : null}
      {syncs && syncs.length > 0 ? (
        <>
          <nav className="tabs" aria-label="Syncs">
            {syncs.map((s) => (
              <a key={s.id} href={`#/syncs/${encodeURIComponent(s.id)}`} aria-current={(wanted ?? syncs[0]!.id) === s.id ? 'page' : undefined}>
                {s.id}
              </a>
            ))}
          </nav>
          {syncs
            .filter((s) => s.id === (wanted ?? syncs[0]!.id))
            .map((s) => (
              <SyncPanel key={s.id} sync={s} apiMissing={apiMissing} />
            ))}
        </>
      ) : null}
    </>
  );
}
