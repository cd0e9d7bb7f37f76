/**
 * Conversion health (Feature Experimentation first): what did not count and why — rejected event keys and other dead
 * reasons, events delivered but in no running experiment, attributes and tags dropped — with counts and the fix.
 * From GET /admin/v1/destinations/:id/health.
 */
import type { ReactNode } from 'react';
import type { DestinationInfo, Health as HealthData } from '../api';
import { useApi, type Route } from '../hooks';
import { fmtNum } from '../format';
import { Card, Empty, ErrorBox, Stat } from '../components/ui';
import { ACTIONS_COLUMN, Table, type Column } from '../components/table';

const FX = 'optimizely-feature-experimentation';
const COUNT_COLUMN: Column = { label: 'Count', num: true };

function fixForReason(reason: string): string {
  if (/event key .* not defined in the datafile/i.test(reason))
    return 'Create this event in the Optimizely project (or map the Segment event name to an existing key in the mapping\'s eventKey field), then replay the dead letters.';
  if (/account/i.test(reason) && /match/i.test(reason)) return 'Set settings.accountId to the account id of the datafile\'s project.';
  if (/401|403|unauthori[sz]ed|forbidden/i.test(reason)) return 'Check the destination\'s token / API key in the config; then replay.';
  if (/payload invalid|required/i.test(reason)) return 'Fix the field mapping (test it in Destinations → Mapping tester) or the events sent, then replay.';
  if (/no longer exists/i.test(reason)) return 'The mapping, action or destination was removed from the config; purge these, or restore it and replay.';
  if (/too large|bytes/i.test(reason)) return 'Send smaller events (fewer properties / shorter values).';
  return 'Open the deliveries to read the request and response, fix the cause, then replay.';
}

function describeFlag(key: string): { what: string; fix: string } {
  const [kind, name] = key.includes(':') ? [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)] : [key, ''];
  switch (kind) {
    case 'notInRunningExperiment':
      return {
        what: 'Delivered, but the event key is attached to no running experiment: the conversion counts in no result.',
        fix: 'Add the event as a metric of a running experiment (or start the experiment).',
      };
    case 'droppedAttributes':
      return { what: `Attribute "${name}" is not defined in the datafile and was dropped.`, fix: `Create attribute "${name}" in the project, or stop sending it.` };
    case 'invalidAttributes':
      return { what: `Attribute "${name}" had a value Optimizely cannot use and was dropped.`, fix: 'Send strings, numbers or booleans (finite numbers ≤ 2^53).' };
    case 'droppedTags':
      return { what: `Event tag "${name}" was dropped.`, fix: 'Send scalar tag values (revenue as an integer in cents, value as a number).' };
    default:
      return { what: key, fix: '' };
  }
}

function DestinationHealth({ dest }: { dest: DestinationInfo }): ReactNode {
  const h = useApi<HealthData>(`/destinations/${encodeURIComponent(dest.id)}/health`, 5000);
  const d = h.data;
  const flags = d ? Object.entries(d.flags).sort((a, b) => b[1] - a[1]) : [];
  const deadTotal = d?.byStatus.dead ?? 0;
  return (
    <Card title={`${dest.id} (${dest.typeTitle ?? dest.type})`}>
      <ErrorBox error={h.error} />
      {d ? (
        <>
          {d.startError ? <div className="error">failed to start: {d.startError}</div> : null}
          <div className="stats">
            <Stat label="delivered" value={fmtNum(d.byStatus.delivered)} tone="ok" />
            <Stat label="rejected (dead)" value={fmtNum(deadTotal)} tone={deadTotal ? 'bad' : undefined} />
            <Stat label="retrying" value={fmtNum(d.byStatus.retry_wait)} tone={d.byStatus.retry_wait ? 'warn' : undefined} />
            <Stat label="queued" value={fmtNum((d.byStatus.pending ?? 0) + (d.byStatus.in_flight ?? 0))} />
            <Stat label="flagged" value={fmtNum(d.flags.notInRunningExperiment ?? 0)} tone={d.flags.notInRunningExperiment ? 'warn' : undefined} />
          </div>
          <h3>Rejected, by reason</h3>
          {d.deadReasons.length === 0 ? (
            <Empty>Nothing rejected.</Empty>
          ) : (
            <Table columns={[COUNT_COLUMN, 'Reason', 'Fix', ACTIONS_COLUMN]}>
              {d.deadReasons.map((r) => (
                <tr key={r.reason}>
                  <td className="num">{fmtNum(r.count)}</td>
                  <td className="reason">{r.reason}</td>
                  <td>{fixForReason(r.reason)}</td>
                  <td>
                    <a href={`#/deliveries?destinationId=${encodeURIComponent(dest.id)}&status=dead&error=${encodeURIComponent(r.reason.slice(0, 60))}`}>Dead letters</a>
                  </td>
                </tr>
              ))}
            </Table>
          )}
          <h3>Flagged and dropped</h3>
          {flags.length === 0 ? (
            <Empty>No flags: every delivered conversion counts, with all its attributes.</Empty>
          ) : (
            <Table columns={[COUNT_COLUMN, 'What happened', 'Fix']}>
              {flags.map(([k, n]) => {
                const f = describeFlag(k);
                return (
                  <tr key={k}>
                    <td className="num">{fmtNum(n)}</td>
                    <td>{f.what}</td>
                    <td>{f.fix}</td>
                  </tr>
                );
              })}
            </Table>
          )}
        </>
      ) : null}
    </Card>
  );
}

export function Health({ route }: { route: Route }): ReactNode {
  const list = useApi<{ destinations: DestinationInfo[] }>('/destinations');
  const all = list.data?.destinations ?? [];
  const wanted = route.path[1];
  const shown = wanted ? all.filter((d) => d.id === wanted) : [...all.filter((d) => d.type === FX), ...all.filter((d) => d.type !== FX)];
  return (
    <>
      <h1>Conversion health</h1>
      <p className="muted">What did not count, and why: conversions Optimizely refused or that count in no experiment, and the data it dropped.</p>
      <ErrorBox error={list.error} />
      {list.data && shown.length === 0 ? <Empty>No destinations.</Empty> : null}
      {shown.map((d) => (
        <DestinationHealth key={d.id} dest={d} />
      ))}
    </>
  );
}
