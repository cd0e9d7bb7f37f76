import { useState, type FormEvent, type ReactNode } from 'react';
import { api, setToken } from '../api';

export function SignIn(): ReactNode {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const token = value.trim();
    if (!token) {
      setError('Enter the admin token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api('/stats', { token }); // checks the token before keeping it
      setToken(token);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <form onSubmit={(e) => void submit(e)} className="signin-box" aria-labelledby="signin-title">
        <h1 id="signin-title">
          optirelay <span>console</span>
        </h1>
        <p>
          Sign in with the admin token: <code>admin.token</code> in the config, or the token <code>optirelay serve</code> generated into{' '}
          <code>&lt;dataDir&gt;/admin-token</code>. It is kept in this tab only (sessionStorage).
        </p>
        <label htmlFor="token">Admin token</label>
        <input id="token" name="token" type="password" autoComplete="off" autoFocus value={value} onChange={(e) => setValue(e.target.value)} />
        {error ? (
          <div className="error" role="alert">
            {error}
          </div>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
