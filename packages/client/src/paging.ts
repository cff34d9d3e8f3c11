/**
 * Newest-first pages merged from several Firestore queries, for the Firebase transport's feed and grid — the
 * same rule as the local stack's listing (packages/core/src/playback/paging.ts), which the client cannot import:
 * each source is asked for `createdAt <= t` ordered by `createdAt` descending, the answers are merged and
 * de-duplicated (a person's own public post is in two sources), and the cursor is `t` (the page's last
 * `createdAt`) plus the ids already shown at exactly that instant, so posts sharing a millisecond are neither
 * skipped nor repeated. Ties are ordered by id, descending, as Firestore orders equal values by document name.
 */
import { D2vError } from './errors';
import type { Page } from './types';

export interface ListCursor {
  t: string;
  ids: string[];
}

const MAX_CURSOR_IDS = 200;

function toBase64Url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function fromBase64Url(text: string): string {
  return atob(text.replace(/-/g, '+').replace(/_/g, '/'));
}

export function encodeListCursor(cursor: ListCursor): string {
  // ASCII only: ISO times and ids (IdSchema), so btoa needs no UTF-8 step.
  return toBase64Url(JSON.stringify(cursor));
}

export function decodeListCursor(text: string | null | undefined): ListCursor | null {
  if (!text) return null;
  const invalid = new D2vError('INVALID_CURSOR', 'The cursor is not one this client handed out; start again without it.');
  try {
    const value = JSON.parse(fromBase64Url(text)) as Partial<ListCursor>;
    if (typeof value.t !== 'string' || !Array.isArray(value.ids) || !value.ids.every((id) => typeof id === 'string')) throw invalid;
    return { t: value.t, ids: value.ids };
  } catch {
    throw invalid;
  }
}

/** How many documents to ask each source for, so a full page remains after dropping the ids already shown. */
export function perSourceLimit(limit: number, cursor: ListCursor | null): number {
  return limit + (cursor?.ids.length ?? 0) + 1;
}

export function mergeNewestFirst<T extends { createdAt: string }>(sources: T[][], idOf: (item: T) => string, limit: number, cursor: ListCursor | null): Page<T> {
  const shown = new Set(cursor?.ids ?? []);
  const byId = new Map<string, T>();
  for (const item of sources.flat()) {
    const id = idOf(item);
    if (typeof item.createdAt !== 'string' || shown.has(id)) continue;
    byId.set(id, item);
  }
  const merged = [...byId.values()].sort((a, b) => {
    if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
    const x = idOf(a);
    const y = idOf(b);
    return x < y ? 1 : x > y ? -1 : 0;
  });
  const items = merged.slice(0, limit);
  if (merged.length <= limit || items.length === 0) return { items, nextCursor: null };
  const t = items[items.length - 1]!.createdAt;
  const ids = [...(cursor?.t === t ? cursor.ids : []), ...items.filter((i) => i.createdAt === t).map(idOf)];
  return { items, nextCursor: encodeListCursor({ t, ids: ids.slice(-MAX_CURSOR_IDS) }) };
}
