/**
 * A DocumentStore that counts what it is asked to do, the way Firestore bills it: a `get` is one read (also of
 * a missing document), a query reads every document it returns (at least one), a transaction's `get` is one
 * read per attempt (a retried transaction reads again), and a write is one per document created, set, updated
 * or deleted in a transaction that committed. Counts are kept per path pattern
 * (`users/{uid}/videoRequests/{requestId}/transitions/{n}`) and per request: the request a path names, or else
 * the request of the handler doing the work (context.ts); work for no request (the aggregator, the sweeper's
 * queries) is `(shared)`.
 *
 * Wrap any store with it — tests assert budgets with it, `d2v bench pipeline` reports with it — it changes no
 * behaviour of the store it wraps.
 */
import { currentContext } from './context';
import type { DocData, DocSnapshot, DocumentStore, Query, Transaction } from './ports';

export interface OpCounts {
  reads: number;
  writes: number;
}

export interface CountBreakdown extends OpCounts {
  byPattern: Record<string, OpCounts>;
}

export interface StoreCountReport extends CountBreakdown {
  byRequest: Record<string, CountBreakdown>;
}

/** The request nobody's: aggregation, sweeps, anything outside a request's handler. */
export const SHARED = '(shared)';

/** The wildcard each collection's document ids stand for in a pattern. */
const ID_NAMES: Readonly<Record<string, string>> = {
  users: '{uid}',
  videoRequests: '{requestId}',
  scriptRequests: '{requestId}',
  transitions: '{n}',
  drafts: '{draftId}',
  posts: '{postId}',
  profileVideos: '{id}',
  stats: '{day}',
  buckets: '{bucket}',
  ops: '{name}',
};

/** `users/u1/videoRequests/r1/transitions/000003` → `users/{uid}/videoRequests/{requestId}/transitions/{n}`. */
export function pathPattern(path: string): string {
  const parts = path.split('/');
  return parts.map((part, i) => (i % 2 === 1 ? ID_NAMES[parts[i - 1]!] ?? '{id}' : part)).join('/');
}

const REQUEST_IN_PATH = /(?:^|\/)(?:videoRequests|scriptRequests)\/([^/]+)/;

function requestOf(path: string): string {
  return REQUEST_IN_PATH.exec(path)?.[1] ?? currentContext()?.requestId ?? SHARED;
}

/** One write of a committed transaction (what `onCommit` hears). */
export interface CommittedWrite {
  op: 'create' | 'set' | 'update' | 'delete';
  path: string;
  data?: DocData;
}

export interface CountingStoreOptions {
  /** Hears every committed transaction's writes, in order (for traces and finer classification). */
  onCommit?: (writes: readonly CommittedWrite[]) => void;
}

export class CountingDocumentStore implements DocumentStore {
  private counts: StoreCountReport = emptyReport();

  constructor(
    readonly inner: DocumentStore,
    private readonly options: CountingStoreOptions = {},
  ) {}

  async get<T = DocData>(path: string): Promise<DocSnapshot<T> | null> {
    this.tally(path, 'reads');
    return this.inner.get<T>(path);
  }

  async query<T = DocData>(q: Query): Promise<DocSnapshot<T>[]> {
    const results = await this.inner.query<T>(q);
    if (results.length === 0) this.tallyQuery(q, 'reads');
    for (const snap of results) this.tally(snap.path, 'reads');
    return results;
  }

  /** A count is one read (Firestore bills one per 1000 index entries matched). */
  async count(q: Query): Promise<number> {
    const n = await this.inner.count(q);
    this.tallyQuery(q, 'reads', 'count');
    return n;
  }

  async runTransaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    let writes: CommittedWrite[] = [];
    const result = await this.inner.runTransaction(async (tx) => {
      // A fresh list per attempt: only the attempt that commits is billed for its writes.
      const attempt: CommittedWrite[] = [];
      writes = attempt;
      const counted: Transaction = {
        get: async <T = DocData>(path: string) => {
          this.tally(path, 'reads');
          return tx.get<T>(path);
        },
        create: (path, data) => (attempt.push({ op: 'create', path, data }), tx.create(path, data)),
        set: (path, data) => (attempt.push({ op: 'set', path, data }), tx.set(path, data)),
        update: (path, patch) => (attempt.push({ op: 'update', path, data: patch }), tx.update(path, patch)),
        delete: (path) => (attempt.push({ op: 'delete', path }), tx.delete(path)),
      };
      return fn(counted);
    });
    for (const write of writes) this.tally(write.path, 'writes');
    if (writes.length) this.options.onCommit?.(writes);
    return result;
  }

  /** Everything counted since the start (or the last `reset`). */
  report(): StoreCountReport {
    return structuredClone(this.counts);
  }

  /** One request's counts (zeros when it did nothing). */
  forRequest(requestId: string): CountBreakdown {
    return structuredClone(this.counts.byRequest[requestId] ?? { reads: 0, writes: 0, byPattern: {} });
  }

  reset(): void {
    this.counts = emptyReport();
  }

  /**
   * A read that names no document (an empty result, a count): billed to the handler's request — a collection-group
   * pattern names no request of its own — under the collection's pattern.
   */
  private tallyQuery(q: Query, kind: keyof OpCounts, what = 'query'): void {
    const pattern = `${q.group ? `**/${q.collection}` : pathPattern(q.collection)} (${what})`;
    this.tally(pattern, kind, currentContext()?.requestId ?? SHARED, pattern);
  }

  private tally(path: string, kind: keyof OpCounts, request = requestOf(path), pattern = pathPattern(path)): void {
    const perRequest = (this.counts.byRequest[request] ??= { reads: 0, writes: 0, byPattern: {} });
    for (const breakdown of [this.counts, perRequest]) {
      breakdown[kind]++;
      (breakdown.byPattern[pattern] ??= { reads: 0, writes: 0 })[kind]++;
    }
  }
}

function emptyReport(): StoreCountReport {
  return { reads: 0, writes: 0, byPattern: {}, byRequest: {} };
}

/** A breakdown as aligned text lines, largest first (what tests and the benchmark print). */
export function formatBreakdown(title: string, breakdown: CountBreakdown): string {
  const rows = Object.entries(breakdown.byPattern).sort((a, b) => b[1].writes - a[1].writes || b[1].reads - a[1].reads);
  const width = Math.max(7, ...rows.map(([pattern]) => pattern.length));
  const lines = [`${title}: ${breakdown.writes} writes, ${breakdown.reads} reads`, `  ${'pattern'.padEnd(width)}  writes  reads`];
  for (const [pattern, c] of rows) lines.push(`  ${pattern.padEnd(width)}  ${String(c.writes).padStart(6)}  ${String(c.reads).padStart(5)}`);
  return lines.join('\n');
}
