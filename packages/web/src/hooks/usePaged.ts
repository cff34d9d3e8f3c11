import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import type { D2vError, Page } from '@d2v/client';
import { asD2vError } from './useAsync';

export interface Paged<T> {
  items: T[];
  error?: D2vError;
  loading: boolean;
  /** A further page exists (the last answer carried a cursor). */
  hasMore: boolean;
  /** The next page; once it is shown, focus moves to its first item's link (`a.tile-link` in `listRef`). */
  loadMore(): void;
  listRef: RefObject<HTMLUListElement | null>;
}

/**
 * A newest-first list read page by page ("load more"), starting over when `deps` change. After "load more" the
 * keyboard lands on the first new item, not back at the top of the page or on a button that may vanish.
 */
export function usePaged<T>(load: (cursor: string | null) => Promise<Page<T>>, deps: unknown[]): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<D2vError>();
  const seq = useRef(0);
  const listRef = useRef<HTMLUListElement>(null);
  const focusFrom = useRef<number | null>(null);

  const fetchPage = useCallback((from: string | null, reset: boolean) => {
    const mine = ++seq.current;
    setLoading(true);
    setError(undefined);
    load(from).then(
      (page) => {
        if (mine !== seq.current) return;
        setItems((before) => (reset ? page.items : [...before, ...page.items]));
        setCursor(page.nextCursor);
        setHasMore(page.nextCursor !== null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== seq.current) return;
        setError(asD2vError(e));
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  useEffect(() => {
    setItems([]);
    fetchPage(null, true);
  }, [fetchPage]);

  useEffect(() => {
    const from = focusFrom.current;
    if (from === null || items.length <= from) return;
    focusFrom.current = null;
    listRef.current?.querySelectorAll<HTMLAnchorElement>('a.tile-link')[from]?.focus();
  }, [items]);

  const loadMore = useCallback(() => {
    if (!cursor || loading) return;
    focusFrom.current = items.length;
    fetchPage(cursor, false);
  }, [cursor, loading, fetchPage, items.length]);

  return { items, error, loading, hasMore, loadMore, listRef };
}
