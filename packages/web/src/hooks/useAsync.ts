import { useCallback, useEffect, useRef, useState } from 'react';
import { D2vError } from '@d2v/client';

export interface AsyncState<T> {
  data: T | undefined;
  error: D2vError | undefined;
  loading: boolean;
  reload(): void;
}

export function asD2vError(e: unknown): D2vError {
  return e instanceof D2vError ? e : new D2vError('INTERNAL', e instanceof Error ? e.message : String(e));
}

/** Runs `load` when `deps` change (and on reload), keeping only the latest answer. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: D2vError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (e: unknown) => mine === seq.current && setState({ error: asD2vError(e), loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
