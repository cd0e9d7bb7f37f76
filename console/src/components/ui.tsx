import { useState, type ReactNode } from 'react';
import { pretty } from '../format';

const STATUS_CLASS: Record<string, string> = {
  delivered: 'ok',
  completed: 'ok',
  ok: 'ok',
  running: 'info',
  in_flight: 'info',
  pending: 'muted',
  queued: 'muted',
  retry_wait: 'warn',
  retry: 'warn',
  cancelled: 'muted',
  dead: 'bad',
  failed: 'bad',
  error: 'bad',
};

export function Status({ value }: { value: string }): ReactNode {
  return <span className={`status status-${STATUS_CLASS[value] ?? 'muted'}`}>{value.replace('_', ' ')}</span>;
}

export function ErrorBox({ error }: { error: Error | undefined | null }): ReactNode {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {error.message}
    </div>
  );
}

export function Json({ value, label = 'JSON', open = false }: { value: unknown; label?: string; open?: boolean }): ReactNode {
  return (
    <details className="json" open={open}>
      <summary>{label}</summary>
      <pre>{pretty(value)}</pre>
    </details>
  );
}

export function Pre({ value }: { value: unknown }): ReactNode {
  return <pre className="pre">{typeof value === 'string' ? value : pretty(value)}</pre>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }): ReactNode {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="secondary"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => setDone(true),
          () => setDone(false),
        );
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

export function Card({ title, children, actions }: { title: ReactNode; children: ReactNode; actions?: ReactNode }): ReactNode {
  return (
    <section className="card">
      <header className="card-head">
        <h2>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Empty({ children }: { children: ReactNode }): ReactNode {
  return <p className="empty">{children}</p>;
}

export function Stat({ label, value, tone }: { label: string; value: ReactNode; tone?: 'ok' | 'warn' | 'bad' }): ReactNode {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`}>
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
