/**
 * Firestore's document model on SQLite: documents keyed by full path, JSON bodies, a version per write,
 * optimistic transactions, collection and collection-group queries, and document triggers via the outbox. This
 * module is the store itself — reads, the transaction retry loop and the commit; its parts live beside it:
 * document-rows.ts (paths and rows), document-query.ts (queries as SQL), document-transaction.ts (one attempt's
 * reads and buffered writes) and document-triggers.ts (outbox events per committed change).
 *
 * Why optimistic transactions: the core is written for Firestore, whose transaction function may run several
 * times and must keep all its reads before its writes. Recording what each attempt read (path → version, or
 * "absent") and re-checking it at commit inside one SQLite write transaction gives the same observable
 * behaviour — a compare-and-set on a document either sees the latest state or is retried — without holding
 * SQLite locks across the `await`s of an async function (better-sqlite3 is synchronous; a lock held across an
 * await would block every other writer of the process).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock, DocData, DocSnapshot, DocumentStore, Query, Transaction } from '@d2v/core';
import type { LocalDatabase } from './db';
import { countSql, querySql } from './document-query';
import { locateDocument, toSnapshot, type DocumentRow } from './document-rows';
import { SqliteTransaction, TransactionContentionError, foldWrites } from './document-transaction';
import { DocumentTriggers, type DocumentTrigger } from './document-triggers';
import type { EncodeOptions } from './json';
import { silentLog, sleep, systemClock, type AdapterLog } from './runtime';

export interface SqliteDocumentStoreOptions {
  db: LocalDatabase;
  clock?: Clock;
  log?: AdapterLog;
  /** How many times a transaction function may run before giving up on contention (default 10). */
  maxTransactionAttempts?: number;
  /**
   * Drop `undefined` properties instead of refusing them, and let a top-level `undefined` in `update()` delete
   * the field — how the Firebase runtime configures Firestore (`ignoreUndefinedProperties: true`, see
   * functions/src/adapters/firestore-store.ts). Default true; false refuses every `undefined`.
   */
  ignoreUndefinedProperties?: boolean;
}

type AttemptOutcome<R> =
  | { kind: 'committed'; result: R }
  | { kind: 'conflict'; paths: string[] }
  | { kind: 'failed'; error: unknown };

/** Runs async functions one at a time, in call order. */
class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** Which store's retry lane the current async call chain is running in (to let nested transactions skip it). */
const retryLaneContext = new AsyncLocalStorage<SqliteDocumentStore>();

export class SqliteDocumentStore implements DocumentStore {
  private readonly db: LocalDatabase;
  private readonly clock: Clock;
  private readonly log: AdapterLog;
  private readonly maxAttempts: number;
  private readonly encodeOptions: EncodeOptions;
  private readonly triggers = new DocumentTriggers();
  private readonly retryLane = new AsyncMutex();

  constructor(options: SqliteDocumentStoreOptions) {
    this.db = options.db;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLog;
    this.maxAttempts = Math.max(1, options.maxTransactionAttempts ?? 10);
    this.encodeOptions = { ignoreUndefinedProperties: options.ignoreUndefinedProperties ?? true };
  }

  /** Every later commit that creates/updates/deletes a document matching `pattern` gets an outbox row. */
  registerTrigger(trigger: DocumentTrigger): this {
    this.triggers.register(trigger);
    return this;
  }

  async get<T = DocData>(path: string): Promise<DocSnapshot<T> | null> {
    locateDocument(path);
    const row = this.readRow(path);
    return row ? toSnapshot<T>(row) : null;
  }

  async query<T = DocData>(q: Query): Promise<DocSnapshot<T>[]> {
    const { sql, params } = querySql(q);
    const rows = this.db.statement(sql).all(...params) as DocumentRow[];
    return rows.map((row) => toSnapshot<T>(row));
  }

  async count(q: Query): Promise<number> {
    const { sql, params } = countSql(q);
    return (this.db.statement(sql).get(...params) as { n: number }).n;
  }

  async runTransaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    const nestedInRetryLane = retryLaneContext.getStore() === this;
    for (let attempt = 1; ; attempt++) {
      // First attempts run optimistically side by side. Retries in this process take turns in the retry lane:
      // they can then only lose to fresh first attempts, so a burst of N conflicting transactions finishes in
      // about two attempts each instead of colliding again and again (Firestore likewise gives retried
      // transactions priority on its locks). A transaction started from inside a lane attempt skips the lane,
      // or it would wait for itself.
      const outcome =
        attempt === 1 || nestedInRetryLane
          ? await this.attempt(fn, attempt)
          : await this.retryLane.run(() => retryLaneContext.run(this, () => this.attempt(fn, attempt)));
      if (outcome.kind === 'committed') return outcome.result;
      if (outcome.kind === 'failed') throw outcome.error;
      if (attempt >= this.maxAttempts) {
        this.log.warn({ attempts: attempt, paths: outcome.paths }, 'document transaction gave up on contention');
        throw new TransactionContentionError(attempt, outcome.paths);
      }
      this.log.debug({ attempt, paths: outcome.paths }, 'document transaction conflicted; retrying');
      // Full jitter: concurrent losers spread out instead of colliding again in lockstep.
      await sleep(Math.random() * Math.min(50, 2 ** attempt));
    }
  }

  // Conveniences for seeding and tools (single-write transactions; they never conflict).

  async create(path: string, data: DocData): Promise<void> {
    await this.runTransaction(async (tx) => tx.create(path, data));
  }

  async set(path: string, data: DocData): Promise<void> {
    await this.runTransaction(async (tx) => tx.set(path, data));
  }

  async update(path: string, patch: DocData): Promise<void> {
    await this.runTransaction(async (tx) => tx.update(path, patch));
  }

  async delete(path: string): Promise<void> {
    await this.runTransaction(async (tx) => tx.delete(path));
  }

  // -------------------------------------------------------------------------------------------------------------

  private readRow(path: string): DocumentRow | null {
    const row = this.db.statement('SELECT path, data, version FROM documents WHERE path = ?').get(path) as DocumentRow | undefined;
    return row ?? null;
  }

  private readVersion(path: string): number | null {
    const row = this.db.statement('SELECT version FROM documents WHERE path = ?').get(path) as { version: number } | undefined;
    return row ? row.version : null;
  }

  private readSetIsCurrent(tx: SqliteTransaction): boolean {
    for (const [path, seen] of tx.readVersions) if (this.readVersion(path) !== seen) return false;
    return true;
  }

  /** One run of the transaction function and, if it returns, one commit. */
  private async attempt<R>(fn: (tx: Transaction) => Promise<R>, attempt: number): Promise<AttemptOutcome<R>> {
    const tx = new SqliteTransaction((path) => this.readRow(path), this.encodeOptions);
    let result: R;
    try {
      result = await fn(tx);
    } catch (error) {
      tx.finish();
      // A function that failed while another writer changed what it read may have failed *because* of the
      // torn view; it gets a fresh run, as a commit-time conflict would. Any other failure is the caller's.
      if (attempt < this.maxAttempts && !this.readSetIsCurrent(tx)) return { kind: 'conflict', paths: [...tx.readVersions.keys()] };
      return { kind: 'failed', error };
    }
    tx.finish();
    // AlreadyExistsError / NotFoundError from the commit propagate as they are: retrying cannot fix them.
    if (this.commit(tx)) return { kind: 'committed', result };
    return { kind: 'conflict', paths: [...tx.readVersions.keys()] };
  }

  /**
   * Validates the read set and applies the buffered writes in one SQLite write transaction. Returns false on a
   * conflict (nothing written); throws AlreadyExistsError/NotFoundError (nothing written) for a bad write.
   */
  private commit(tx: SqliteTransaction): boolean {
    let eventsWritten = 0;
    const committed = this.db.immediate(() => {
      if (!this.readSetIsCurrent(tx)) return false;
      if (tx.writes.length === 0) return true;

      const changes = foldWrites(tx.writes, (path) => this.readRow(path));

      // One version per commit from a never-reused counter: a document deleted and created again never shows
      // an old version (no ABA for a transaction that read it as absent or at some version).
      const version = this.db.nextSequence('document_version');
      const now = this.clock.now();
      for (const [path, change] of changes) {
        if (change.beforeJson === null && change.afterJson === null) continue; // deleting nothing is a no-op
        if (change.afterJson === null) {
          this.db.statement('DELETE FROM documents WHERE path = ?').run(path);
        } else {
          const location = locateDocument(path);
          this.db
            .statement(
              `INSERT INTO documents (path, parent, collection_id, doc_id, data, version, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (path) DO UPDATE SET data = excluded.data, version = excluded.version, updated_at = excluded.updated_at`,
            )
            .run(path, location.parent, location.collectionId, location.id, change.afterJson, version, now, now);
        }
        eventsWritten += this.triggers.record(this.db, path, change, now);
      }
      return true;
    });
    if (committed && eventsWritten > 0) this.db.notifyCommitted('outbox');
    return committed;
  }
}
