/**
 * The mapping tester: a recent event (or a pasted one), a draft action + trigger + field mapping (JSON) →
 * whether it matches, the payload and the exact HTTP request (captured, never sent); then "Send test event" for real;
 * and the YAML to paste into the config.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, type DestinationInfo, type Json, type PreviewResult, type StoredEvent } from '../api';
import { useAction, useApi } from '../hooks';
import { fmtTime, httpText, pretty } from '../format';
import { Card, CopyButton, ErrorBox, Pre, Status } from '../components/ui';

export interface Draft {
  id: string;
  action: string;
  trigger: string;
  fields: Record<string, Json>;
  /** `fields` holds only overrides of the action's defaults (as in the config); the editor shows them merged. */
  overridesOnly?: boolean;
}

const SAMPLE = { type: 'track', event: 'purchase', userId: 'user-123', properties: { revenue: 42, currency: 'USD' } };

function merged(dest: DestinationInfo, d: Draft): Record<string, Json> {
  if (!d.overridesOnly) return d.fields;
  const out: Record<string, Json> = {};
  for (const [k, f] of Object.entries(dest.actions[d.action]?.fields ?? {})) if (f.default !== undefined) out[k] = f.default;
  for (const [k, v] of Object.entries(d.fields)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export function MappingTester({ dest, initial, eventId }: { dest: DestinationInfo; initial: Draft; eventId?: number }): ReactNode {
  const [mappingId, setMappingId] = useState(initial.id);
  const [action, setAction] = useState(initial.action);
  const [trigger, setTrigger] = useState(initial.trigger);
  const [fieldsText, setFieldsText] = useState(() => pretty(merged(dest, initial)));
  const [eventText, setEventText] = useState(() => pretty(SAMPLE));
  const [pick, setPick] = useState<string>(eventId ? String(eventId) : '');
  const recent = useApi<{ events: StoredEvent[] }>('/events?limit=25');
  const [inputError, setInputError] = useState<string>();

  // Load the picked event's JSON into the editor.
  useEffect(() => {
    if (!pick) return;
    let cancelled = false;
    api<StoredEvent>(`/events/${pick}`).then(
      (e) => !cancelled && setEventText(pretty(e.body)),
      (err: Error) => !cancelled && setInputError(`event ${pick}: ${err.message}`),
    );
    return () => {
      cancelled = true;
    };
  }, [pick]);

  const defaults = useMemo(() => {
    const out: Record<string, Json> = {};
    for (const [k, f] of Object.entries(dest.actions[action]?.fields ?? {})) if (f.default !== undefined) out[k] = f.default;
    return out;
  }, [dest, action]);

  const body = (): { id: string; action: string; trigger: string; fields: Record<string, Json>; event: Record<string, Json> } | undefined => {
    let fields: Record<string, Json>;
    let event: Record<string, Json>;
    try {
      fields = JSON.parse(fieldsText || '{}') as Record<string, Json>;
      if (!fields || typeof fields !== 'object' || Array.isArray(fields)) throw new Error('must be a JSON object');
    } catch (e) {
      setInputError(`Field mapping: ${(e as Error).message}`);
      return undefined;
    }
    try {
      event = JSON.parse(eventText) as Record<string, Json>;
      if (!event || typeof event !== 'object' || Array.isArray(event)) throw new Error('must be one JSON object (a Segment event)');
    } catch (e) {
      setInputError(`Event: ${(e as Error).message}`);
      return undefined;
    }
    setInputError(undefined);
    // A default the editor removed must stay removed on the server (null removes a default).
    for (const k of Object.keys(defaults)) if (!(k in fields)) fields[k] = null;
    return { id: mappingId, action, trigger, fields, event };
  };

  const path = `/destinations/${encodeURIComponent(dest.id)}/mappings`;
  const preview = useAction(async () => {
    const b = body();
    return b ? api<PreviewResult>(`${path}/preview`, { method: 'POST', body: b }) : undefined;
  });
  const send = useAction(async () => {
    const b = body();
    return b ? api<PreviewResult>(`${path}/test-send`, { method: 'POST', body: b }) : undefined;
  });
  const result = send.result ?? preview.result;

  return (
    <Card title={<span id="mapping-tester">Mapping tester</span>}>
      <div className="tester">
        <div className="tester-inputs">
          <div className="row">
            <label>
              Mapping id
              <input value={mappingId} onChange={(e) => setMappingId(e.target.value)} />
            </label>
            <label>
              Action
              <select
                value={action}
                onChange={(e) => {
                  setAction(e.target.value);
                  const d: Record<string, Json> = {};
                  for (const [k, f] of Object.entries(dest.actions[e.target.value]?.fields ?? {})) if (f.default !== undefined) d[k] = f.default;
                  setFieldsText(pretty(d));
                }}
              >
                {Object.entries(dest.actions).map(([k, a]) => (
                  <option key={k} value={k}>
                    {k} — {a.title}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <label>
            Trigger (FQL){' '}
            <span className="muted small">empty: the action's default{dest.actions[action]?.defaultTrigger ? ` (${dest.actions[action]!.defaultTrigger})` : ''}</span>
            <input className="mono" value={trigger} onChange={(e) => setTrigger(e.target.value)} placeholder={dest.actions[action]?.defaultTrigger ?? 'type = "track"'} />
          </label>
          <label>
            Field mapping (JSON: mapping directives such as {'{"@path": "$.properties.revenue"}'})
            <textarea className="mono" rows={12} value={fieldsText} onChange={(e) => setFieldsText(e.target.value)} spellCheck={false} />
          </label>
          <details className="fields-help">
            <summary>Fields of {action}</summary>
            <table className="table">
              <tbody>
                {Object.entries(dest.actions[action]?.fields ?? {}).map(([k, f]) => (
                  <tr key={k}>
                    <th scope="row" className="mono">
                      {k}
                    </th>
                    <td>
                      {f.label} <span className="muted">({f.type}{f.multiple ? '[]' : ''}{f.required ? ', required' : ''})</span>
                      <div className="muted small">{f.description}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
          <label>
            Event
            <select value={pick} onChange={(e) => setPick(e.target.value)} aria-label="Pick a recent event">
              <option value="">— pick a recent event, or paste one below —</option>
              {(recent.data?.events ?? []).map((e) => (
                <option key={e.id} value={String(e.id)}>
                  #{e.id} {e.type} {e.eventName ?? ''} {e.userId ?? e.anonymousId ?? ''} · {fmtTime(e.receivedAt)}
                </option>
              ))}
            </select>
          </label>
          <textarea className="mono" rows={10} value={eventText} onChange={(e) => setEventText(e.target.value)} spellCheck={false} aria-label="Event JSON" />
          {inputError ? (
            <div className="error" role="alert">
              {inputError}
            </div>
          ) : null}
          <div className="buttons">
            <button type="button" onClick={() => (send.reset(), void preview.run())} disabled={preview.busy}>
              {preview.busy ? 'Testing…' : 'Test mapping'}
            </button>
            <button
              type="button"
              className="warn-btn"
              disabled={send.busy || !dest.running}
              title={dest.running ? 'Sends one real request to the destination' : 'The destination is not running in this process'}
              onClick={() => void send.run()}
            >
              {send.busy ? 'Sending…' : 'Send test event'}
            </button>
          </div>
        </div>
        <div className="tester-result" aria-live="polite">
          <ErrorBox error={preview.error ?? send.error} />
          {!result ? <p className="muted">Test the mapping to see whether it matches, the payload and the HTTP request it would make.</p> : <Result r={result} sent={!!send.result} />}
        </div>
      </div>
    </Card>
  );
}

function Result({ r, sent }: { r: PreviewResult; sent: boolean }): ReactNode {
  return (
    <div className="result">
      <p className="verdict">
        {r.matches ? <Status value="ok" /> : <Status value="failed" />} {r.matches ? 'trigger matches' : `trigger does not match${r.mismatch ? `: ${r.mismatch}` : ''}`}
      </p>
      {r.errors && r.errors.length ? (
        <div className="error" role="alert">
          <b>Payload errors</b>
          <ul>
            {r.errors.map((e, i) => (
              <li key={i}>
                {e.field ? <code>{e.field}</code> : null} {e.message}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p>
          <Status value="ok" /> payload is valid
        </p>
      )}
      {r.note ? <p className="muted">{r.note}</p> : null}
      {sent && r.outcome ? (
        <div className={r.outcome.status === 'delivered' ? 'notice ok' : 'error'} role="status">
          Sent: <Status value={r.outcome.status} /> {r.outcome.error ?? ''}
          {r.response ? ` — HTTP ${r.response.status}` : ''}
        </div>
      ) : null}
      {r.payload ? (
        <>
          <h3>Payload</h3>
          <Pre value={r.payload} />
        </>
      ) : null}
      {r.request ? (
        <>
          <h3>{sent ? 'Request sent' : 'HTTP request that would be sent (not sent)'}</h3>
          <Pre value={httpText(r.request)} />
        </>
      ) : null}
      {sent && r.response ? (
        <>
          <h3>Response</h3>
          <Pre value={httpText(r.response)} />
        </>
      ) : null}
      <h3>
        YAML for the config <CopyButton text={r.yaml} label="Copy YAML" />
      </h3>
      <p className="muted small">Paste under this destination's <code>mappings:</code> in the config file; the console never edits it.</p>
      <Pre value={r.yaml} />
    </div>
  );
}
