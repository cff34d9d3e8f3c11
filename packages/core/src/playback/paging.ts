/**
 * Newest-first pages over one or more Firestore queries with an opaque cursor. Each source query is ordered by
 * `createdAt` descending; a page merges the sources, drops duplicates (a person's own public post is in two of
 * the feed's sources), and takes the newest `limit`.
 *
 * The cursor is the `createdAt` of the page's last item plus the ids already shown at exactly that instant, and
 * the next page asks each source for `createdAt <= t` with room for those ids — so posts sharing a millisecond
 * are neither skipped nor repeated, using nothing but a range filter the DocumentStore port and Firestore both
 * have (no `startAfter` on document names). Ties are ordered by id, descending, as Firestore orders equal
 * values by document name in the direction of the last `orderBy`.
 */
import * as z from 'zod';
import type { DocSnapshot, DocumentStore, Query } from '../ports';
import { PlaybackError } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 50;
/** Ids remembered at the boundary instant; more posts than this in one millisecond would be a bug upstream. */
const MAX_CURSOR_IDS = 200;

const CursorSchema = z.object({
  t: z.string().datetime({ offset: true }),
  ids: z.array(z.string().min(1).max(200)).max(MAX_CURSOR_IDS),
});
export type PageCursor = z.infer<typeof CursorSchema>;

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined): PageCursor | null {
  if (text === undefined || text === '') return null;
  const invalid = new PlaybackError('INVALID_CURSOR', 'The cursor is not one this API handed out; start again without it.');
  if (text.length > 20_000 || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid;
  try {
    const parsed = CursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    if (!parsed.success) throw invalid;
    return parsed.data;
  } catch {
    throw invalid;
  }
}

/** `?limit=`: absent → the default; otherwise a whole number from 1 to MAX_PAGE_SIZE. */
export function parseLimit(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_PAGE_SIZE;
  const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_PAGE_SIZE)) throw new PlaybackError('INVALID_LIMIT', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  return n;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `?cursor=` for the next page; null on the last one. */
  nextCursor: string | null;
}

interface Dated {
  createdAt: string;
}

function newestFirst(a: { id: string; createdAt: string }, b: { id: string; createdAt: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export async function pageOf<T extends Dated>(
  store: DocumentStore,
  sources: Query[],
  idOf: (snap: DocSnapshot<T>) => string,
  opts: { limit: number; cursor: PageCursor | null },
): Promise<Page<DocSnapshot<T>>> {
  const { limit, cursor } = opts;
  const shown = new Set(cursor?.ids ?? []);
  const asked = limit + shown.size + 1;
  const results = await Promise.all(
    sources.map((q) =>
      store.query<T>({
        ...q,
        where: [...(q.where ?? []), ...(cursor ? [{ field: 'createdAt', op: '<=' as const, value: cursor.t }] : [])],
        orderBy: { field: 'createdAt', direction: 'desc' },
        limit: asked,
      }),
    ),
  );
  const byId = new Map<string, { id: string; createdAt: string; snap: DocSnapshot<T> }>();
  for (const snap of results.flat()) {
    const id = idOf(snap);
    if (typeof snap.data.createdAt !== 'string' || shown.has(id)) continue;
    byId.set(id, { id, createdAt: snap.data.createdAt, snap });
  }
  const merged = [...byId.values()].sort(newestFirst);
  const page = merged.slice(0, limit);
  if (merged.length <= limit || page.length === 0) return { items: page.map((e) => e.snap), nextCursor: null };
  const t = page[page.length - 1]!.createdAt;
  const ids = [...(cursor?.t === t ? cursor.ids : []), ...page.filter((e) => e.createdAt === t).map((e) => e.id)];
  return { items: page.map((e) => e.snap), nextCursor: encodeCursor({ t, ids: ids.slice(-MAX_CURSOR_IDS) }) };
}
