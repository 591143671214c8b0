// Small React hooks the screens share: loading data from the API, re-reading it when the live socket
// (re)connects, and a ticking clock for countdowns.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client.js';
import { serverNow } from '../api/server-time.js';
import { useSession } from './session.js';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `load` when `key` changes and on reload(); also on every live (re)connection, so a screen
 * shows what changed while the socket was down. An answer that arrives after a newer request was
 * made is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const { live } = useSession();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const request = ++latest.current;
    setLoading(true);
    loadRef.current().then(
      (value) => { if (request === latest.current) { setData(value); setError(null); setLoading(false); } },
      (err: unknown) => { if (request === latest.current) { setError(errorText(err)); setLoading(false); } },
    );
  }, []);

  useEffect(() => { reload(); }, [key, reload]);
  useEffect(() => live.onConnected(reload), [live, reload]);
  return { data, error, loading, reload };
}

/** `fn` at most once per `ms`, run at the end of a burst of calls (many lead events, one re-read). */
export function useDebounced(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => { timer.current = undefined; fnRef.current(); }, ms);
  }, [ms]);
}

/** The server's time (server-time.ts), updated every `ms`. */
export function useServerNow(ms = 1000): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const id = setInterval(() => setNow(serverNow()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
