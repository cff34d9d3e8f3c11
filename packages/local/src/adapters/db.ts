/**
 * The one SQLite file behind every local adapter (documents, outbox, blob metadata, tasks, analytics events).
 *
 * One file, one connection per process, WAL mode: a document write and the outbox rows its triggers produce
 * commit in the same SQLite transaction, which is what makes "an event is never lost once the write commits"
 * true locally (Firestore guarantees the same for its triggers). WAL lets readers (the CLI, a second process)
 * look at the database while the stack writes to it; `busy_timeout` makes writers from different processes
 * wait for each other instead of failing.
 */
import Database from 'better-sqlite3';
import { outsideRequestContext } from '@d2v/core';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** The tables a commit can add rows to that a worker is waiting for. */
export type CommitChannel = 'outbox' | 'tasks';

export interface LocalDatabaseOptions {
  /** Database file; its directory is created. `:memory:` works for a single-connection test. */
  file: string;
  /** How long a writer waits for another process's write lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
}

/**
 * Schema versions, applied in order and recorded in `PRAGMA user_version`. Append, never edit: a database
 * created by an older build is migrated forward on open.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- Documents keyed by their full path. parent/collection_id serve collection and collection-group queries.
  CREATE TABLE documents (
    path          TEXT PRIMARY KEY,
    parent        TEXT NOT NULL,
    collection_id TEXT NOT NULL,
    doc_id        TEXT NOT NULL,
    data          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX documents_by_parent ON documents (parent, path);
  CREATE INDEX documents_by_group ON documents (collection_id, path);

  -- Trigger events, inserted in the same SQLite transaction as the write that caused them.
  -- status: pending → inflight → done | pending (retry) | dead. due_at is "next try" for pending rows and
  -- "lease expiry" for inflight ones, so a row abandoned by a crashed process simply becomes due again.
  CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    trigger     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    change      TEXT NOT NULL,
    path        TEXT NOT NULL,
    params      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      INTEGER NOT NULL,
    lease_token TEXT,
    last_error  TEXT,
    finished_at INTEGER
  );
  CREATE INDEX outbox_by_due ON outbox (status, due_at);

  CREATE TABLE blobs (
    path         TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    custom       TEXT,
    size         INTEGER NOT NULL,
    generation   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- Cloud Tasks look-alike. (queue, id) is unique and kept after completion: that is the named-task dedupe.
  CREATE TABLE tasks (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    queue       TEXT NOT NULL,
    id          TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      INTEGER NOT NULL,
    lease_token TEXT,
    last_error  TEXT,
    finished_at INTEGER,
    UNIQUE (queue, id)
  );
  CREATE INDEX tasks_by_due ON tasks (queue, status, due_at);

  CREATE TABLE analytics_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,
    type          TEXT NOT NULL,
    at            TEXT NOT NULL,
    uid           TEXT,
    request_id    TEXT,
    from_state    TEXT,
    to_state      TEXT,
    action        TEXT,
    error_code    TEXT,
    credits_cents REAL,
    duration_ms   REAL,
    json          TEXT NOT NULL,
    received_at   INTEGER NOT NULL
  );
  CREATE INDEX analytics_events_by_request ON analytics_events (request_id, seq);
  CREATE INDEX analytics_events_by_type ON analytics_events (type, seq);
  `,
  `
  -- How far a consumer of an append-only table got (the analytics aggregator's place in analytics_events):
  -- the local stand-in for a Pub/Sub subscription's acknowledgements.
  CREATE TABLE consumer_cursors (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- One row per dispatch of a task or delivery of a trigger event, kept after the task is done: what
  -- \`d2v inspect\` shows as a request's attempts (the tasks/outbox rows keep only the latest).
  CREATE TABLE delivery_attempts (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    id          TEXT NOT NULL,
    request_id  TEXT,
    attempt     INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT,
    error       TEXT
  );
  CREATE INDEX delivery_attempts_by_request ON delivery_attempts (request_id, seq);
  `,
  // 3: the content hash of each object (Storage's md5Hash), for the content cache.
  `ALTER TABLE blobs ADD COLUMN md5 TEXT;`,
];

export class LocalDatabase {
  readonly file: string;
  readonly sqlite: Database.Database;
  private readonly listeners: Record<CommitChannel, Set<() => void>> = { outbox: new Set(), tasks: new Set() };
  private readonly nextSequenceStmt: Database.Statement<[string]>;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(options: LocalDatabaseOptions) {
    this.file = options.file;
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.sqlite = new Database(options.file);
    this.sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (only an OS crash may lose the last commits).
    this.sqlite.pragma('synchronous = NORMAL');
    this.sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    this.migrate();
    this.nextSequenceStmt = this.sqlite.prepare(
      `INSERT INTO sequences (name, value) VALUES (?, 1)
       ON CONFLICT (name) DO UPDATE SET value = value + 1
       RETURNING value`,
    );
  }

  get isOpen(): boolean {
    return this.sqlite.open;
  }

  /** The schema version this build expects (for diagnostics). */
  static get schemaVersion(): number {
    return MIGRATIONS.length;
  }

  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT` (rolled back if it throws). IMMEDIATE takes the write lock up
   * front, so a read-check-write inside `fn` cannot be interleaved with another process's write.
   */
  immediate<T>(fn: () => T): T {
    return this.sqlite.transaction(fn).immediate();
  }

  /** Next value of a named, never-reused counter. Call inside `immediate()` so the value commits with its use. */
  nextSequence(name: string): number {
    const row = this.nextSequenceStmt.get(name) as { value: number };
    return row.value;
  }

  /** A prepared statement, compiled once per connection (adapters call this with constant SQL). */
  statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.sqlite.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Subscribes to "a local commit added rows to this table"; returns the unsubscribe function. */
  onCommit(channel: CommitChannel, listener: () => void): () => void {
    this.listeners[channel].add(listener);
    return () => this.listeners[channel].delete(listener);
  }

  /** Called by writers after their SQLite transaction committed rows to `channel` (wakes workers at once). */
  notifyCommitted(channel: CommitChannel): void {
    for (const listener of [...this.listeners[channel]]) {
      try {
        // The work a commit wakes up is nobody's request: do not let it inherit the committing handler's context.
        outsideRequestContext(listener);
      } catch {
        // A listener only schedules work; its failure must not fail the write that already committed.
      }
    }
  }

  close(): void {
    this.listeners.outbox.clear();
    this.listeners.tasks.clear();
    this.statements.clear();
    if (this.sqlite.open) this.sqlite.close();
  }

  private migrate(): void {
    // The version is re-read inside each write transaction so two processes opening a fresh file at once
    // cannot both apply the same migration.
    for (;;) {
      const applied = this.immediate(() => {
        const current = this.sqlite.pragma('user_version', { simple: true }) as number;
        if (current > MIGRATIONS.length) {
          throw new Error(
            `database ${this.file} has schema version ${current}, newer than this build (${MIGRATIONS.length}); refusing to open`,
          );
        }
        if (current === MIGRATIONS.length) return false;
        this.sqlite.exec(MIGRATIONS[current]!);
        this.sqlite.pragma(`user_version = ${current + 1}`);
        return true;
      });
      if (!applied) return;
    }
  }
}
