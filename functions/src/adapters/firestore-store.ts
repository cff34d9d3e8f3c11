/**
 * DocumentStore on Cloud Firestore (firebase-admin). Transactions are Firestore's own (optimistic with
 * server-side locks, retried by the SDK on contention): every read happens before the first write, exactly the
 * contract the core is written against. A document's `version` is its `updateTime` with nanoseconds, which
 * changes on every write and sorts in time order.
 */
import {
  Timestamp,
  type DocumentData,
  type DocumentSnapshot as FsDocumentSnapshot,
  type Firestore,
  type Query as FsQuery,
  type Transaction as FsTransaction,
} from 'firebase-admin/firestore';
import type { DocData, DocSnapshot, DocumentStore, Query, Transaction } from '@d2v/core';
import { mapFirestoreError } from './errors';

/** `updateTime` → RFC 3339 with nanoseconds (`2025-01-02T03:04:05.123456789Z`): unique per write, sortable. */
export function versionOf(ts: { seconds: number; nanoseconds: number } | undefined): string {
  if (!ts) return '';
  const iso = new Date(ts.seconds * 1000).toISOString(); // …T03:04:05.000Z
  return `${iso.slice(0, 19)}.${String(ts.nanoseconds).padStart(9, '0')}Z`;
}

/**
 * Firestore values → the plain JSON-like values the core (and the local store) uses: Timestamps become ISO
 * strings, references their path, bytes base64; maps and arrays recursively.
 */
export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object') {
    const v = value as { constructor?: { name?: string }; path?: unknown; toBase64?: () => string };
    const ctor = v.constructor?.name;
    if (ctor === 'DocumentReference' && typeof v.path === 'string') return v.path;
    if (ctor === 'GeoPoint') {
      const g = value as { latitude: number; longitude: number };
      return { latitude: g.latitude, longitude: g.longitude };
    }
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value as Uint8Array).toString('base64');
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(value as Record<string, unknown>)) out[k] = toPlain(inner);
    return out;
  }
  return value;
}

export function toDocData(data: DocumentData | undefined): DocData {
  return (toPlain(data ?? {}) as DocData) ?? {};
}

export function toSnapshot<T>(snap: FsDocumentSnapshot): DocSnapshot<T> {
  return {
    path: snap.ref.path,
    id: snap.id,
    data: toDocData(snap.data()) as T,
    version: versionOf(snap.updateTime),
  };
}

/**
 * A shallow-merge patch for `update()`. `undefined` values are dropped (the Firestore instance is configured
 * with `ignoreUndefinedProperties`, as the local store is in the tests), never turned into deletes: to clear a
 * field the core writes `null`.
 */
export function toUpdatePatch(patch: DocData): DocumentData {
  const out: DocumentData = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  return out;
}

class FirestoreTransaction implements Transaction {
  /** Paths written with create/update, to name the document when the commit fails. */
  readonly created: string[] = [];
  readonly updated: string[] = [];

  constructor(
    private readonly db: Firestore,
    private readonly tx: FsTransaction,
  ) {}

  async get<T = DocData>(path: string): Promise<DocSnapshot<T> | null> {
    const snap = await this.tx.get(this.db.doc(path));
    return snap.exists ? toSnapshot<T>(snap) : null;
  }

  create(path: string, data: DocData): void {
    this.created.push(path);
    this.tx.create(this.db.doc(path), data);
  }

  set(path: string, data: DocData): void {
    this.tx.set(this.db.doc(path), data);
  }

  update(path: string, patch: DocData): void {
    this.updated.push(path);
    this.tx.update(this.db.doc(path), toUpdatePatch(patch));
  }

  delete(path: string): void {
    this.tx.delete(this.db.doc(path));
  }
}

export class FirestoreDocumentStore implements DocumentStore {
  constructor(private readonly db: Firestore) {}

  async get<T = DocData>(path: string): Promise<DocSnapshot<T> | null> {
    const snap = await this.db.doc(path).get();
    return snap.exists ? toSnapshot<T>(snap) : null;
  }

  async query<T = DocData>(q: Query): Promise<DocSnapshot<T>[]> {
    let ref: FsQuery = q.group ? this.db.collectionGroup(q.collection) : this.db.collection(q.collection);
    for (const f of q.where ?? []) ref = ref.where(f.field, f.op, f.value);
    if (q.orderBy) ref = ref.orderBy(q.orderBy.field, q.orderBy.direction ?? 'asc');
    if (q.limit !== undefined) ref = ref.limit(q.limit);
    const res = await ref.get();
    return res.docs.map((d) => toSnapshot<T>(d));
  }
  async count(q: Query): Promise<number> {
    let ref: FsQuery = q.group ? this.db.collectionGroup(q.collection) : this.db.collection(q.collection);
    for (const f of q.where ?? []) ref = ref.where(f.field, f.op, f.value);
    return (await ref.count().get()).data().count;
  }


  async runTransaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    let last: FirestoreTransaction | undefined;
    try {
      return await this.db.runTransaction(async (t) => {
        // A fresh wrapper per attempt: Firestore re-runs the function on contention.
        last = new FirestoreTransaction(this.db, t);
        return fn(last);
      });
    } catch (err) {
      const hint = last?.created[0] ?? last?.updated[0];
      throw mapFirestoreError(err, hint);
    }
  }
}

/** The settings the store relies on; call once on a fresh Firestore instance (before any other use). */
export function configureFirestore(db: Firestore): Firestore {
  db.settings({ ignoreUndefinedProperties: true });
  return db;
}
