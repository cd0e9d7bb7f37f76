/** The loaded config (secrets masked by the server). The console never edits it: the config file is the source of truth. */
import type { ReactNode } from 'react';
import { useApi } from '../hooks';
import { Card, CopyButton, ErrorBox, Pre } from '../components/ui';
import { pretty } from '../format';

export function ConfigScreen(): ReactNode {
  const cfg = useApi<Record<string, unknown>>('/config');
  return (
    <>
      <h1>Config</h1>
      <p className="muted">
        The configuration this server loaded (defaults applied, durations in ms, secrets masked). Change it in the config file and restart (or
        reload); the console only reads it.
      </p>
      <ErrorBox error={cfg.error} />
      {cfg.data ? (
        <Card title={typeof cfg.data.file === 'string' ? cfg.data.file : 'Loaded config'} actions={<CopyButton text={pretty(cfg.data)} label="Copy JSON" />}>
          <Pre value={cfg.data} />
        </Card>
      ) : null}
    </>
  );
}
