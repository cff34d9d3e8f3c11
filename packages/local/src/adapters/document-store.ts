/**
 * Firestore's document model on SQLite: documents keyed by full path, JSON bodies, a version per write,
 * optimistic transactions, collection and collection-group queries, and document triggers via the outbox.
 *
 * Why optimistic transactions: the core is written for Firestore, whose transaction function may run several
 * times and must keep all its reads before its writes. Recording what each attempt read (path → version, or
 * "absent") and re-checking it at commit inside one SQLite write transaction gives the same observable
 * behaviour — a compare-and-set on a document either sees the latest state or is retried — without holding
 * SQLite locks across the `await`s of an async function (better-sqlite3 is synchronous; a lock held across an
 * await would block every other writer of the process).
 */
import { AlreadyExistsError, NotFoundError } from '@d2v/core';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock, DocData, DocSnapshot, DocumentStore, Query, QueryFilter, Transaction, WhereOp } from '@d2v/core';
import type { LocalDatabase } from './db';
import { encodeDocumentData, encodeJson, UnsupportedValueError, type EncodeOptions } from './json';
import { insertOutboxRow, type DocChange } from './outbox';
import { compilePathPattern, matchPathPattern, type PathPattern } from './patterns';
import { silentLog, sleep, systemClock, type AdapterLog } from './runtime';

export type DocumentTriggerKind = 'create' | 'update' | 'write' | 'delete';

/** Like `onDocumentCreated('users/{uid}/videoRequests/{requestId}', …)`: which writes produce outbox events. */
export interface DocumentTrigger {
  /** Handler name the OutboxDispatcher routes the event to; unique per store. */
  name: string;
  pattern: string;
  on: DocumentTriggerKind;
}

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

/** A transaction that kept losing to concurrent writers (Firestore answers ABORTED after its own retries). */
export class TransactionContentionError extends Error {
  override readonly name = 'TransactionContentionError';
  constructor(
    readonly attempts: number,
    readonly paths: readonly string[],
  ) {
    super(`transaction contention: gave up after ${attempts} attempts (documents read: ${paths.join(', ') || 'none'})`);
  }
}

/** Firestore's own wording, so a core bug shows the same message in both runtimes. */
export const READ_AFTER_WRITE_MESSAGE = 'Firestore transactions require all reads to be executed before all writes.';

// ---------------------------------------------------------------------------------------------------------------
// Paths

interface DocumentLocation {
  parent: string;
  collectionId: string;
  id: string;
}

function splitPath(path: string, what: string): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`invalid ${what} path: empty`);
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment.length === 0) throw new Error(`invalid ${what} path "${path}": empty segment`);
    if (segment === '.' || segment === '..') throw new Error(`invalid ${what} path "${path}": "${segment}" is not an id`);
    if (segment.includes('\0')) throw new Error(`invalid ${what} path "${path}": NUL character`);
  }
  return segments;
}

function locateDocument(path: string): DocumentLocation {
  const segments = splitPath(path, 'document');
  if (segments.length % 2 !== 0) {
    throw new Error(`invalid document path "${path}": a document path has an even number of segments`);
  }
  return {
    parent: segments.slice(0, -1).join('/'),
    collectionId: segments[segments.length - 2]!,
    id: segments[segments.length - 1]!,
  };
}

function assertCollectionPath(path: string): void {
  const segments = splitPath(path, 'collection');
  if (segments.length % 2 !== 1) {
    throw new Error(`invalid collection path "${path}": a collection path has an odd number of segments`);
  }
}

function assertCollectionId(id: string): void {
  const segments = splitPath(id, 'collection group');
  if (segments.length !== 1) throw new Error(`invalid collection group "${id}": a collection id has no "/"`);
}

// ---------------------------------------------------------------------------------------------------------------
// Queries: filters and ordering on JSON fields, type-strict like Firestore (1 never equals true or "1").

const COMPARISON_SQL: Record<Exclude<WhereOp, 'in'>, string> = { '==': '=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const MAX_IN_VALUES = 30;

/** `a.b` → `$."a"."b"` (quoted so ids with odd characters stay one key). */
function jsonPathOf(field: string): string {
  if (typeof field !== 'string' || field.length === 0) throw new Error('invalid query field: empty');
  const segments = field.split('.');
  for (const segment of segments) {
    if (segment.length === 0 || segment.includes('"')) throw new Error(`invalid query field "${field}"`);
  }
  return '$' + segments.map((segment) => `."${segment}"`).join('');
}

interface SqlFragment {
  sql: string;
  params: unknown[];
}

function comparison(jsonPath: string, op: Exclude<WhereOp, 'in'>, value: unknown, field: string): SqlFragment {
  const sqlOp = COMPARISON_SQL[op];
  if (sqlOp === undefined) throw new Error(`unsupported query operator "${String(op)}"`);
  if (value === null) {
    if (op !== '==') throw new Error(`query on "${field}": null can only be compared with ==`);
    return { sql: `json_type(data, ?) = 'null'`, params: [jsonPath] };
  }
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`query on "${field}": ${value} is not a finite number`);
      return {
        sql: `(json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) ${sqlOp} ?)`,
        params: [jsonPath, jsonPath, value],
      };
    case 'string':
      return { sql: `(json_type(data, ?) = 'text' AND json_extract(data, ?) ${sqlOp} ?)`, params: [jsonPath, jsonPath, value] };
    case 'boolean':
      // json_extract yields 0/1 for JSON booleans; the json_type guard keeps numbers out.
      return {
        sql: `(json_type(data, ?) IN ('true', 'false') AND json_extract(data, ?) ${sqlOp} ?)`,
        params: [jsonPath, jsonPath, value ? 1 : 0],
      };
    default:
      throw new Error(`query on "${field}": only strings, numbers, booleans and null can be compared`);
  }
}

function filterSql(filter: QueryFilter): SqlFragment {
  const jsonPath = jsonPathOf(filter.field);
  if (filter.op === 'in') {
    const values = filter.value;
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_IN_VALUES) {
      throw new Error(`query on "${filter.field}": "in" takes a non-empty array of at most ${MAX_IN_VALUES} values`);
    }
    const parts = values.map((value: unknown) => comparison(jsonPath, '==', value, filter.field));
    return { sql: `(${parts.map((part) => part.sql).join(' OR ')})`, params: parts.flatMap((part) => part.params) };
  }
  return comparison(jsonPath, filter.op, filter.value, filter.field);
}

/** Firestore's cross-type order: null < booleans < numbers < strings < arrays < maps. */
const TYPE_RANK_SQL = `CASE json_type(data, ?)
  WHEN 'null' THEN 0 WHEN 'false' THEN 1 WHEN 'true' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2
  WHEN 'text' THEN 3 WHEN 'array' THEN 5 ELSE 6 END`;

// ---------------------------------------------------------------------------------------------------------------
// Transactions

interface DocumentRow {
  path: string;
  data: string;
  version: number;
}

/** One field of an `update()`: a field path (`a` or `a.b.c`) and its new value, or `undefined` to delete it. */
interface FieldUpdate {
  segments: string[];
  value: unknown;
}

type BufferedWrite =
  | { op: 'create' | 'set'; path: string; json: string }
  | { op: 'update'; path: string; fields: FieldUpdate[] }
  | { op: 'delete'; path: string };

/** Versions as fixed-width decimal strings, so they also sort as strings (Firestore's are ISO timestamps). */
function versionString(version: number): string {
  return String(version).padStart(16, '0');
}

function toSnapshot<T>(row: DocumentRow): DocSnapshot<T> {
  return { path: row.path, id: locateDocument(row.path).id, data: JSON.parse(row.data) as T, version: versionString(row.version) };
}

/**
 * Applies update fields the way Firestore's `update()` does: a dotted key is a field path into nested maps
 * (missing or non-map intermediates become maps), other fields are left alone, `undefined` deletes.
 */
function applyFieldUpdates(doc: DocData, fields: readonly FieldUpdate[]): DocData {
  for (const { segments, value } of fields) {
    let target: Record<string, unknown> = doc;
    let reachable = true;
    for (const segment of segments.slice(0, -1)) {
      const next = target[segment];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        if (value === undefined) {
          reachable = false; // deleting below a field that is not a map: nothing to delete
          break;
        }
        target[segment] = {};
      }
      target = target[segment] as Record<string, unknown>;
    }
    if (!reachable) continue;
    const last = segments[segments.length - 1]!;
    if (value === undefined) delete target[last];
    else target[last] = value;
  }
  return doc;
}

class SqliteTransaction implements Transaction {
  /** What this attempt read: path → version seen (null = absent). Checked again at commit. */
  readonly readVersions = new Map<string, number | null>();
  private readonly readRows = new Map<string, DocumentRow | null>();
  readonly writes: BufferedWrite[] = [];
  private finished = false;

  constructor(
    private readonly readRow: (path: string) => DocumentRow | null,
    private readonly encodeOptions: EncodeOptions,
  ) {}

  async get<T = DocData>(path: string): Promise<DocSnapshot<T> | null> {
    this.assertOpen();
    locateDocument(path);
    if (this.writes.length > 0) throw new Error(READ_AFTER_WRITE_MESSAGE);
    // A second read of the same document returns what the first saw: one attempt sees one snapshot.
    let row = this.readRows.get(path);
    if (row === undefined) {
      row = this.readRow(path);
      this.readRows.set(path, row);
      this.readVersions.set(path, row ? row.version : null);
    }
    return row ? toSnapshot<T>(row) : null;
  }

  create(path: string, data: DocData): void {
    this.buffer({ op: 'create', path, json: this.encode(path, data) });
  }

  set(path: string, data: DocData): void {
    this.buffer({ op: 'set', path, json: this.encode(path, data) });
  }

  update(path: string, patch: DocData): void {
    this.assertOpen();
    locateDocument(path);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new Error('update: the patch must be an object');
    const fields = Object.entries(patch).map(([key, value]): FieldUpdate => {
      const segments = key.split('.');
      if (segments.some((segment) => segment.length === 0)) throw new Error(`update: invalid field path "${key}"`);
      if (value === undefined) {
        if (!this.encodeOptions.ignoreUndefinedProperties) throw new UnsupportedValueError(key, 'undefined is not a value (omit the field or use null)');
        return { segments, value: undefined };
      }
      // Serialized now (and cloned back), so the caller mutating its object later cannot change what commits.
      return { segments, value: JSON.parse(encodeJson(value, this.encodeOptions)) as unknown };
    });
    this.buffer({ op: 'update', path, fields });
  }

  delete(path: string): void {
    this.buffer({ op: 'delete', path });
  }

  finish(): void {
    this.finished = true;
  }

  private encode(path: string, data: DocData): string {
    this.assertOpen();
    locateDocument(path);
    // Serialized now, so the caller mutating its object after the call cannot change what commits.
    return encodeDocumentData(data, this.encodeOptions);
  }

  private buffer(write: BufferedWrite): void {
    this.assertOpen();
    locateDocument(write.path);
    this.writes.push(write);
  }

  private assertOpen(): void {
    if (this.finished) throw new Error('transaction already finished: use tx only inside its transaction function');
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface CompiledTrigger {
  name: string;
  on: DocumentTriggerKind;
  pattern: PathPattern;
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

interface PendingChange {
  beforeJson: string | null;
  afterJson: string | null;
}

export class SqliteDocumentStore implements DocumentStore {
  private readonly db: LocalDatabase;
  private readonly clock: Clock;
  private readonly log: AdapterLog;
  private readonly maxAttempts: number;
  private readonly encodeOptions: EncodeOptions;
  private readonly triggers: CompiledTrigger[] = [];
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
    if (this.triggers.some((existing) => existing.name === trigger.name)) {
      throw new Error(`document trigger "${trigger.name}" is already registered`);
    }
    if (!['create', 'update', 'write', 'delete'].includes(trigger.on)) {
      throw new Error(`document trigger "${trigger.name}": unknown kind "${String(trigger.on)}"`);
    }
    this.triggers.push({ name: trigger.name, on: trigger.on, pattern: compilePathPattern(trigger.pattern) });
    return this;
  }

  async get<T = DocData>(path: string): Promise<DocSnapshot<T> | null> {
    locateDocument(path);
    const row = this.readRow(path);
    return row ? toSnapshot<T>(row) : null;
  }

  async query<T = DocData>(q: Query): Promise<DocSnapshot<T>[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (q.group) {
      assertCollectionId(q.collection);
      conditions.push('collection_id = ?');
    } else {
      assertCollectionPath(q.collection);
      conditions.push('parent = ?');
    }
    params.push(q.collection);
    for (const filter of q.where ?? []) {
      const fragment = filterSql(filter);
      conditions.push(fragment.sql);
      params.push(...fragment.params);
    }
    // Without orderBy Firestore returns documents by name; with it, documents lacking the field are left out
    // and ties are broken by name in the same direction.
    let orderSql = 'path ASC';
    if (q.orderBy) {
      const jsonPath = jsonPathOf(q.orderBy.field);
      const direction = q.orderBy.direction === 'desc' ? 'DESC' : 'ASC';
      conditions.push('json_type(data, ?) IS NOT NULL');
      params.push(jsonPath);
      orderSql = `${TYPE_RANK_SQL} ${direction}, json_extract(data, ?) ${direction}, path ${direction}`;
      params.push(jsonPath, jsonPath);
    }
    let limitSql = '';
    if (q.limit !== undefined) {
      if (!Number.isInteger(q.limit) || q.limit < 0) throw new Error(`invalid query limit ${q.limit}`);
      limitSql = ' LIMIT ?';
      params.push(q.limit);
    }
    const sql = `SELECT path, data, version FROM documents WHERE ${conditions.join(' AND ')} ORDER BY ${orderSql}${limitSql}`;
    const rows = this.db.statement(sql).all(...params) as DocumentRow[];
    return rows.map((row) => toSnapshot<T>(row));
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

      // Fold the writes per document (a transaction may write one document several times); triggers see one
      // change per document per commit, from the state before the commit to the state after it — like Firestore.
      const changes = new Map<string, PendingChange>();
      for (const write of tx.writes) {
        let change = changes.get(write.path);
        if (!change) {
          const current = this.readRow(write.path);
          change = { beforeJson: current?.data ?? null, afterJson: current?.data ?? null };
          changes.set(write.path, change);
        }
        switch (write.op) {
          case 'create':
            if (change.afterJson !== null) throw new AlreadyExistsError(write.path);
            change.afterJson = write.json;
            break;
          case 'set':
            change.afterJson = write.json;
            break;
          case 'update':
            if (change.afterJson === null) throw new NotFoundError(write.path);
            change.afterJson = JSON.stringify(applyFieldUpdates(JSON.parse(change.afterJson) as DocData, write.fields));
            break;
          case 'delete':
            change.afterJson = null;
            break;
        }
      }

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
        eventsWritten += this.recordTriggerEvents(path, change, now);
      }
      return true;
    });
    if (committed && eventsWritten > 0) this.db.notifyCommitted('outbox');
    return committed;
  }

  private recordTriggerEvents(path: string, change: PendingChange, now: number): number {
    const kind: DocChange = change.beforeJson === null ? 'create' : change.afterJson === null ? 'delete' : 'update';
    let written = 0;
    for (const trigger of this.triggers) {
      if (trigger.on !== 'write' && trigger.on !== kind) continue;
      const params = matchPathPattern(trigger.pattern, path);
      if (!params) continue;
      insertOutboxRow(this.db, {
        trigger: trigger.name,
        kind: 'doc',
        change: kind,
        path,
        params,
        payloadJson: `{"before":${change.beforeJson ?? 'null'},"after":${change.afterJson ?? 'null'}}`,
        createdAt: now,
      });
      written++;
    }
    return written;
  }
}
