/**
 * One attempt of an optimistic document transaction: the `tx` object the core's transaction function sees
 * (reads recorded with the version they saw, writes buffered and serialized at once, Firestore's reads-before-
 * writes rule), Firestore's `update()` field-path semantics, and the fold of an attempt's writes into one change
 * per document that the commit applies and the triggers see. The store (document-store.ts) runs attempts, retries
 * them and commits; everything an attempt does before commit is here.
 */
import { AlreadyExistsError, NotFoundError } from '@d2v/core';
import type { DocData, DocSnapshot, Transaction } from '@d2v/core';
import { locateDocument, toSnapshot, type DocumentRow } from './document-rows';
import { encodeDocumentData, encodeJson, UnsupportedValueError, type EncodeOptions } from './json';

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

/** One field of an `update()`: a field path (`a` or `a.b.c`) and its new value, or `undefined` to delete it. */
interface FieldUpdate {
  segments: string[];
  value: unknown;
}

export type BufferedWrite =
  | { op: 'create' | 'set'; path: string; json: string }
  | { op: 'update'; path: string; fields: FieldUpdate[] }
  | { op: 'delete'; path: string };

/**
 * Applies update fields the way Firestore's `update()` does: a dotted key is a field path into nested maps
 * (missing or non-map intermediates become maps), other fields are left alone, `undefined` deletes.
 */
export function applyFieldUpdates(doc: DocData, fields: readonly FieldUpdate[]): DocData {
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

export class SqliteTransaction implements Transaction {
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

/** One document's change in a commit: its JSON before the commit and after it (null = absent). */
export interface PendingChange {
  beforeJson: string | null;
  afterJson: string | null;
}

/**
 * Folds an attempt's writes per document (a transaction may write one document several times): triggers see one
 * change per document per commit, from the state before the commit to the state after it — like Firestore.
 * Throws AlreadyExistsError / NotFoundError for a create of an existing / update of a missing document.
 */
export function foldWrites(writes: readonly BufferedWrite[], readRow: (path: string) => DocumentRow | null): Map<string, PendingChange> {
  const changes = new Map<string, PendingChange>();
  for (const write of writes) {
    let change = changes.get(write.path);
    if (!change) {
      const current = readRow(write.path);
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
  return changes;
}
