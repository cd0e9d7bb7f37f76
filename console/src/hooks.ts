import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** GET an admin API path; with `everyMs`, poll it (paused while the tab is hidden). `path` null = don't load. */
export function useApi<T>(path: string | null, everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | Error>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (path === null) return;
    let cancelled = false;
    let timer: number | undefined;
    const load = async (): Promise<void> => {
      try {
        const d = await api<T>(path);
        if (!cancelled) {
          setData(d);
          setError(undefined);
        }
      } catch (e) {
        if (!cancelled) setError(e as Error);
      } finally {
        if (!cancelled) setLoading(false);
      }
      if (!cancelled && everyMs) timer = window.setTimeout(() => void load(), document.hidden ? everyMs * 5 : everyMs);
    };
    setLoading(true);
    void load();
    return () => {
      cancelled = true;
      if (timer) window.clearTimeout(timer);
    };
  }, [path, everyMs, tick]);

  return { data, error, loading, reload };
}

/** The route is the location hash: `#/deliveries/12?status=dead` → { path: ['deliveries','12'], query }. */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

function parseHash(): Route {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [p, q] = raw.split('?');
  return { path: (p ?? '').split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q ?? '') };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = (): void => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  window.location.hash = hash.startsWith('#') ? hash : `#${hash}`;
}

/** Runs an action, remembering its busy state, result and error (for buttons). */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  result: R | undefined;
  error: Error | undefined;
  reset: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<R>();
  const [error, setError] = useState<Error>();
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await fnRef.current(...args);
      setResult(r);
      return r;
    } catch (e) {
      setError(e as Error);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => {
    setResult(undefined);
    setError(undefined);
  }, []);
  return { run, busy, result, error, reset };
}
