/**
 * Source debugger: the live stream of accepted events (polls GET /admin/v1/events every second and merges what is
 * new), pause, filter by type / user / event name, each row expandable to its JSON; rejected messages with reasons.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api, qs, type Rejected, type StoredEvent } from '../api';
import { useApi } from '../hooks';
import { fmtTime, pretty } from '../format';
import { Card, Empty, ErrorBox, Json as JsonView } from '../components/ui';
import { Table } from '../components/table';

const TYPES = ['', 'track', 'identify', 'page', 'screen', 'group', 'alias'];
const KEEP = 500;

export function Debugger(): ReactNode {
  const [events, setEvents] = useState<StoredEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [type, setType] = useState('');
  const [userId, setUserId] = useState('');
  const [eventName, setEventName] = useState('');
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [error, setError] = useState<Error>();
  const filterKey = `${type}\u0000${userId.trim()}\u0000${eventName.trim()}`;
  const lastId = useRef(0);
  const rejected = useApi<{ rejected: Rejected[] }>('/rejected?limit=50', paused ? undefined : 3000);

  useEffect(() => {
    // A new filter restarts the stream from the newest matching events.
    setEvents([]);
    lastId.current = 0;
  }, [filterKey]);

  useEffect(() => {
    if (paused) return;
    let cancelled = false;
    let timer: number | undefined;
    const poll = async (): Promise<void> => {
      try {
        const q = qs({ limit: 100, type: type || undefined, userId: userId.trim() || undefined, event: eventName.trim() || undefined });
        const page = await api<{ events: StoredEvent[] }>(`/events${q}`);
        if (cancelled) return;
        const fresh = page.events.filter((e) => e.id > lastId.current);
        if (fresh.length) {
          lastId.current = Math.max(lastId.current, ...fresh.map((e) => e.id));
          setEvents((prev) => [...fresh, ...prev].slice(0, KEEP));
        }
        setError(undefined);
      } catch (e) {
        if (!cancelled) setError(e as Error);
      }
      if (!cancelled) timer = window.setTimeout(() => void poll(), 1000);
    };
    void poll();
    return () => {
      cancelled = true;
      if (timer) window.clearTimeout(timer);
    };
  }, [paused, filterKey, type, userId, eventName]);

  const toggle = (id: number): void =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <>
      <h1>Source debugger</h1>
      <Card
        title={
          <>
            Live events{' '}
            <span className={`live ${paused ? 'paused' : ''}`} aria-live="polite">
              {paused ? 'paused' : 'live'}
            </span>
          </>
        }
        actions={
          <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        }
      >
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter events">
          <label>
            Type
            <select value={type} onChange={(e) => setType(e.target.value)}>
              {TYPES.map((t) => (
                <option key={t} value={t}>
                  {t || 'any'}
                </option>
              ))}
            </select>
          </label>
          <label>
            User id
            <input value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="exact userId" />
          </label>
          <label>
            Event name
            <input value={eventName} onChange={(e) => setEventName(e.target.value)} placeholder="e.g. purchase" />
          </label>
          <button type="button" className="secondary" onClick={() => setEvents([])}>
            Clear
          </button>
        </form>
        <ErrorBox error={error} />
        {events.length === 0 ? (
          <Empty>Waiting for events… send one to /v1/track with a source's write key.</Empty>
        ) : (
          <Table className="events" columns={['Received', 'Type', 'Event', 'User', 'Source', 'Message id']}>
            {events.map((e) => (
              <EventRow key={e.id} e={e} open={open.has(e.id)} onToggle={() => toggle(e.id)} />
            ))}
          </Table>
        )}
      </Card>

      <Card title="Rejected messages">
        <ErrorBox error={rejected.error} />
        {rejected.data && rejected.data.rejected.length === 0 ? <Empty>No rejected messages.</Empty> : null}
        {rejected.data && rejected.data.rejected.length > 0 ? (
          <Table columns={['Received', 'Source', 'Field', 'Reason', 'Message']}>
            {rejected.data.rejected.map((r) => (
              <tr key={r.id}>
                <td>{fmtTime(r.receivedAt)}</td>
                <td>{r.sourceId}</td>
                <td>{r.field ?? '–'}</td>
                <td className="reason">{r.reason}</td>
                <td>
                  <JsonView value={r.body} />
                </td>
              </tr>
            ))}
          </Table>
        ) : null}
      </Card>
    </>
  );
}

function EventRow({ e, open, onToggle }: { e: StoredEvent; open: boolean; onToggle: () => void }): ReactNode {
  return (
    <>
      <tr className={`clickable${open ? ' selected' : ''}`} onClick={onToggle}>
        <td>
          <button type="button" className="link" aria-expanded={open} onClick={(ev) => (ev.stopPropagation(), onToggle())}>
            {open ? '▾' : '▸'} {fmtTime(e.receivedAt)}
          </button>
        </td>
        <td>
          <span className={`tag tag-${e.type}`}>{e.type}</span>
        </td>
        <td>{e.eventName ?? '–'}</td>
        <td>{e.userId ?? (e.anonymousId ? <span className="muted">anon {e.anonymousId}</span> : '–')}</td>
        <td>{e.sourceId}</td>
        <td className="mono small">{e.messageId}</td>
      </tr>
      {open ? (
        <tr className="expanded">
          <td colSpan={6}>
            <pre>{pretty(e.body)}</pre>
            <a href={`#/deliveries?messageId=${encodeURIComponent(e.messageId)}`}>Deliveries of this event</a>
            {' · '}
            <a href={`#/destinations?event=${e.id}`}>Test a mapping with this event</a>
          </td>
        </tr>
      ) : null}
    </>
  );
}
