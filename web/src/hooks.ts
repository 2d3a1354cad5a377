// Small hooks shared by the pages.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { live } from './live.js';

/** Re-renders on every (frame-batched) change of the live picture. */
export function useLive(): number {
  const [version, setVersion] = useState(live.version);
  useEffect(() => live.subscribe(() => setVersion(live.version)), []);
  return version;
}

/** The current time, refreshed every `everyMs`. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Loads data once per `key`; errors are kept for the page to show in words. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [n, setN] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    loader.current().then(
      (data) => !cancelled && setState({ data, error: undefined, loading: false }),
      (error: unknown) => !cancelled && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      cancelled = true;
    };
  }, [key, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { ...state, reload };
}

/**
 * One action at a time from a card: while `what` runs the card is busy; its answer becomes `done`,
 * a failure `error`, and `after` runs once it succeeded (e.g. reload the list it changed).
 */
export function useAction<R>(after: () => void): {
  busy: boolean;
  error: unknown;
  done: R | undefined;
  run: (what: () => Promise<R>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<R>();
  const run = async (what: () => Promise<R>): Promise<void> => {
    if (busy) return;
    setError(undefined);
    setDone(undefined);
    setBusy(true);
    try {
      setDone(await what());
      after();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}
