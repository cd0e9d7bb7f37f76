import { useState, type ReactNode } from 'react';
import type { DestinationInfo, IngestCounts, Lane, Timeseries } from '../api';
import { useApi } from '../hooks';
import { ago, fmtAge, fmtNum } from '../format';
import { Card, Empty, ErrorBox, Stat, Status } from '../components/ui';
import { StackedBars } from '../components/charts';
import { Table, type Column } from '../components/table';
import { SyncsAtAGlance } from './Syncs';

const LANE_COLUMNS: Column[] = [
  'Destination',
  'Action',
  { label: 'Events in', num: true },
  { label: 'Delivered', num: true },
  { label: 'Retrying', num: true },
  { label: 'Dead', num: true },
  { label: 'Queue depth', num: true },
  'Oldest pending',
  'State',
];

export function Overview(): ReactNode {
  const [window, setWindow] = useState<'1h' | '24h'>('1h');
  const lanes = useApi<{ lanes: Lane[] }>('/lanes', 3000);
  const stats = useApi<{ total: IngestCounts; perSource: Record<string, IngestCounts> }>('/stats', 3000);
  const series = useApi<Timeseries>(`/timeseries?window=${window}`, window === '1h' ? 5000 : 30000);
  const dests = useApi<{ destinations: DestinationInfo[] }>('/destinations', 10000);
  const t = stats.data?.total;

  return (
    <>
      <h1>Overview</h1>
      <ErrorBox error={lanes.error ?? stats.error} />
      <div className="stats">
        <Stat label="events received" value={fmtNum(t?.received)} />
        <Stat label="accepted" value={fmtNum(t?.accepted)} tone="ok" />
        <Stat label="duplicates" value={fmtNum(t?.duplicates)} />
        <Stat label="rejected" value={fmtNum(t?.rejected)} tone={t && t.rejected > 0 ? 'warn' : undefined} />
        <Stat label="suppressed" value={fmtNum(t?.suppressed)} />
      </div>

      <Card title="Lanes (destination · action)">
        {lanes.data && lanes.data.lanes.length === 0 ? <Empty>No lanes yet: no destination is running and no delivery was made.</Empty> : null}
        {lanes.data && lanes.data.lanes.length > 0 ? (
          <Table columns={LANE_COLUMNS}>
          {lanes.data.lanes.map((l) => {
              const depth = l.pending + l.inFlight + l.retryWait;
              return (
                <tr key={l.lane}>
                  <td>
                    <a href={`#/destinations/${encodeURIComponent(l.destinationId)}`}>{l.destinationId}</a>
                  </td>
                  <td>{l.action}</td>
                  <td className="num">{fmtNum(depth + l.delivered + l.dead)}</td>
                  <td className="num">{fmtNum(l.delivered)}</td>
                  <td className="num">{l.retryWait ? <a href={`#/deliveries?lane=${encodeURIComponent(l.lane)}&status=retry_wait`}>{fmtNum(l.retryWait)}</a> : 0}</td>
                  <td className="num">{l.dead ? <a className="bad" href={`#/deliveries?lane=${encodeURIComponent(l.lane)}&status=dead`}>{fmtNum(l.dead)}</a> : 0}</td>
                  <td className="num">{fmtNum(depth)}</td>
                  <td>{depth ? fmtAge(l.oldestPendingAgeMs) : '–'}</td>
                  <td>
                    {l.pausedUntil ? <Status value="retry_wait" /> : null}
                    {l.pausedUntil ? ` paused (429) until ${new Date(l.pausedUntil).toLocaleTimeString('en-GB')}` : l.running ? <Status value="running" /> : <Status value="pending" />}
                    {!l.pausedUntil && !l.running ? ' not running here' : null}
                  </td>
                </tr>
              );
            })}
          </Table>
        ) : null}
      </Card>

      <Card
        title={`Activity over the last ${window === '1h' ? 'hour' : 'day'}`}
        actions={
          <div className="segmented" role="group" aria-label="Chart window">
            {(['1h', '24h'] as const).map((w) => (
              <button key={w} type="button" aria-pressed={window === w} className={window === w ? 'on' : ''} onClick={() => setWindow(w)}>
                {w === '1h' ? 'Last hour' : 'Last day'}
              </button>
            ))}
          </div>
        }
      >
        <ErrorBox error={series.error} />
        {series.data ? (
          <div className="charts">
            <div>
              <h3>Events received</h3>
              <StackedBars
                title="Events received"
                buckets={series.data.buckets}
                series={Object.entries(series.data.events.perSource).map(([source, values], i) => ({ label: source, values, color: i % 2 ? '--info2' : '--info' }))}
              />
            </div>
            {series.data.lanes.map((l) => (
              <div key={l.lane}>
                <h3>{l.lane}</h3>
                <StackedBars
                  title={`Deliveries of ${l.lane}`}
                  buckets={series.data!.buckets}
                  series={[
                    { label: 'delivered', values: l.byStatus.delivered, color: '--ok' },
                    { label: 'retrying', values: l.byStatus.retry_wait, color: '--warn' },
                    { label: 'dead', values: l.byStatus.dead, color: '--bad' },
                  ]}
                />
              </div>
            ))}
          </div>
        ) : null}
      </Card>

      <div className="grid2">
        <Card title="Datafile freshness">
          {dests.data ? (
            <Table columns={['Destination', 'Revision', 'Last confirmed', 'State']}>
            {dests.data.destinations
                .filter((d) => d.datafile || d.type === 'optimizely-feature-experimentation')
                .map((d) => (
                  <tr key={d.id}>
                    <td>{d.id}</td>
                    <td>{d.datafile?.revision ?? '–'}</td>
                    <td>{d.datafile?.lastSuccessAt ? ago(d.datafile.lastSuccessAt) : '–'}</td>
                    <td>
                      {!d.running ? (
                        <>
                          <Status value="pending" /> not running
                        </>
                      ) : d.datafile?.lastError ? (
                        <>
                          <Status value="failed" /> {d.datafile.lastError}
                        </>
                      ) : (
                        <Status value="ok" />
                      )}
                    </td>
                  </tr>
                ))}
            </Table>
          ) : (
            <ErrorBox error={dests.error} />
          )}
        </Card>
        <Card title="Syncs">
          <SyncsAtAGlance />
        </Card>
      </div>
    </>
  );
}
