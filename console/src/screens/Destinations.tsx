/** Destinations: masked settings, Test connection, mappings (trigger + fields), presets, and the mapping tester. */
import { useState, type ReactNode } from 'react';
import { api, type DestinationInfo, type Json, type MappingInfo } from '../api';
import { useAction, useApi, type Route } from '../hooks';
import { ago, pretty } from '../format';
import { Card, Empty, ErrorBox, Json as JsonView, Status } from '../components/ui';
import { ACTIONS_COLUMN, Table } from '../components/table';
import { MappingTester, type Draft } from './MappingTester';

export function Destinations({ route }: { route: Route }): ReactNode {
  const list = useApi<{ destinations: DestinationInfo[] }>('/destinations', 10000);
  const dests = list.data?.destinations ?? [];
  const id = route.path[1] ?? dests[0]?.id;
  const dest = dests.find((d) => d.id === id);
  const eventId = route.query.get('event');
  return (
    <>
      <h1>Destinations</h1>
      <ErrorBox error={list.error} />
      {list.data && dests.length === 0 ? <Empty>No destinations configured.</Empty> : null}
      {dests.length > 0 ? (
        <nav className="tabs" aria-label="Destinations">
          {dests.map((d) => (
            <a key={d.id} href={`#/destinations/${encodeURIComponent(d.id)}${eventId ? `?event=${eventId}` : ''}`} aria-current={d.id === id ? 'page' : undefined}>
              {d.id} <span className="muted small">{d.type}</span>
            </a>
          ))}
        </nav>
      ) : null}
      {dest ? <DestinationDetail key={dest.id} dest={dest} eventId={eventId ? Number(eventId) : undefined} /> : null}
    </>
  );
}

function DestinationDetail({ dest, eventId }: { dest: DestinationInfo; eventId?: number }): ReactNode {
  const test = useAction(() => api<{ ok: boolean; message: string; details?: Record<string, Json> }>(`/destinations/${encodeURIComponent(dest.id)}/test`, { method: 'POST' }));
  const firstAction = Object.keys(dest.actions)[0] ?? '';
  const [draft, setDraft] = useState<Draft>(() => {
    const m = dest.mappings[0];
    return m ? draftOf(m) : { id: 'my-mapping', action: firstAction, trigger: '', fields: defaultsOf(dest, firstAction) };
  });
  const [draftKey, setDraftKey] = useState(0);
  const load = (d: Draft): void => {
    setDraft(d);
    setDraftKey((k) => k + 1);
    document.getElementById('mapping-tester')?.scrollIntoView({ behavior: 'smooth' });
  };

  return (
    <>
      <Card
        title={
          <>
            {dest.id} <span className="muted small">{dest.typeTitle ?? dest.type}</span>{' '}
            {!dest.enabled ? <Status value="cancelled" /> : dest.running ? <Status value="running" /> : <Status value="failed" />}
          </>
        }
        actions={
          <button type="button" onClick={() => void test.run()} disabled={test.busy}>
            {test.busy ? 'Testing…' : 'Test connection'}
          </button>
        }
      >
        {dest.startError ? <div className="error">failed to start: {dest.startError}</div> : null}
        <ErrorBox error={test.error} />
        {test.result ? (
          <div className={test.result.ok ? 'notice ok' : 'error'} role="status">
            {test.result.ok ? '✓ ' : '✗ '}
            {test.result.message}
            {test.result.details ? <JsonView label="details" value={test.result.details} /> : null}
          </div>
        ) : null}
        <div className="grid2">
          <div>
            <h3>Settings</h3>
            <table className="table kv-table">
              <tbody>
                {Object.entries(dest.settings).map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td className={dest.secretSettings.includes(k) || v === '[redacted]' ? 'secret' : 'mono'}>{typeof v === 'string' ? v : pretty(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted small">Secrets are masked by the server and never sent to the browser. The config file is the source of truth; the console never edits it.</p>
          </div>
          <div>
            <h3>Endpoints</h3>
            <table className="table kv-table">
              <tbody>
                {Object.entries(dest.endpoints).map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td className="mono">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {dest.datafile ? (
              <>
                <h3>Datafile</h3>
                <p>
                  revision {dest.datafile.revision ?? '–'} of project {dest.datafile.projectId ?? '–'}, confirmed {ago(dest.datafile.lastSuccessAt)}
                  {dest.datafile.lastError ? <span className="bad"> · last error: {dest.datafile.lastError}</span> : null}
                </p>
              </>
            ) : null}
          </div>
        </div>
      </Card>

      <Card title="Mappings">
        {dest.mappings.length === 0 ? <Empty>No mappings.</Empty> : null}
        {dest.mappings.length > 0 ? (
          <Table columns={['Mapping', 'Action', 'Trigger', 'Fields', 'Origin', ACTIONS_COLUMN]}>
            {dest.mappings.map((m) => (
              <tr key={m.id}>
                <td>
                  {m.id} {!m.enabled ? <Status value="cancelled" /> : null}
                </td>
                <td>{m.action}</td>
                <td className="mono small">{m.trigger}</td>
                <td>
                  <JsonView label={`${Object.keys(m.fields).length ? `${Object.keys(m.fields).length} overrides` : 'action defaults'}`} value={m.fields} />
                </td>
                <td>{m.origin}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => load(draftOf(m))}>
                    Open in tester
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        ) : null}
      </Card>

      {dest.presets.length > 0 ? (
        <Card title="Presets">
          <Table columns={['Preset', 'Action', 'Trigger', 'Enabled here', ACTIONS_COLUMN]}>
            {dest.presets.map((p) => (
              <tr key={p.name}>
                <td>{p.name}</td>
                <td>{p.action}</td>
                <td className="mono small">{p.trigger}</td>
                <td>{p.enabled ? <Status value="ok" /> : 'no'}</td>
                <td>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => load({ id: p.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), action: p.action, trigger: p.trigger, fields: { ...defaultsOf(dest, p.action), ...p.fields } })}
                  >
                    Open in tester
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        </Card>
      ) : null}

      <MappingTester key={draftKey} dest={dest} initial={draft} eventId={eventId} />
    </>
  );
}

export function defaultsOf(dest: DestinationInfo, action: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, f] of Object.entries(dest.actions[action]?.fields ?? {})) if (f.default !== undefined) out[k] = f.default;
  return out;
}

function draftOf(m: MappingInfo): Draft {
  // Mapping fields from the API are the overrides; the tester edits the full mapping (defaults + overrides).
  return { id: m.id.replace(/^preset:/, ''), action: m.action, trigger: m.trigger, fields: m.fields, overridesOnly: true };
}
