/**
 * The core's DocumentStore over a Firebase project's Firestore, read-only: what `d2v stats --project` needs to
 * sum the statistics buckets with the very reader `/v1/stats` uses. Application Default Credentials
 * (`gcloud auth application-default login`); firebase-admin is loaded only when a command asks for a project.
 */
import type { DocData, DocSnapshot, DocumentStore, Query } from '@d2v/core';
import type { Firestore, Query as FsQuery } from 'firebase-admin/firestore';

export class FirestoreReadOnlyStore implements DocumentStore {
  constructor(private readonly db: Firestore) {}

  static forProject(project: string): FirestoreReadOnlyStore {
    return new FirestoreReadOnlyStore(firestoreForProject(project));
  }

  async get<T = DocData>(path: string): Promise<DocSnapshot<T> | null> {
    const snap = await this.db.doc(path).get();
    return snap.exists ? { path: snap.ref.path, id: snap.id, data: snap.data() as T, version: snap.updateTime?.toDate().toISOString() ?? '' } : null;
  }

  async query<T = DocData>(q: Query): Promise<DocSnapshot<T>[]> {
    let ref: FsQuery = q.group ? this.db.collectionGroup(q.collection) : this.db.collection(q.collection);
    for (const f of q.where ?? []) ref = ref.where(f.field, f.op, f.value);
    if (q.orderBy) ref = ref.orderBy(q.orderBy.field, q.orderBy.direction ?? 'asc');
    if (q.limit !== undefined) ref = ref.limit(q.limit);
    const res = await ref.get();
    return res.docs.map((d) => ({ path: d.ref.path, id: d.id, data: d.data() as T, version: d.updateTime.toDate().toISOString() }));
  }
  async count(q: Query): Promise<number> {
    let ref: FsQuery = q.group ? this.db.collectionGroup(q.collection) : this.db.collection(q.collection);
    for (const f of q.where ?? []) ref = ref.where(f.field, f.op, f.value);
    return (await ref.count().get()).data().count;
  }


  async runTransaction<R>(): Promise<R> {
    throw new Error('the CLI reads Firebase projects; it never writes to them');
  }
}

/** firebase-admin's Firestore for `project` (one app per project per process). */
export function firestoreForProject(project: string): Firestore {
  const { getApps, initializeApp, applicationDefault } = require('firebase-admin/app') as typeof import('firebase-admin/app');
  const { getFirestore } = require('firebase-admin/firestore') as typeof import('firebase-admin/firestore');
  const name = `d2v-cli-${project}`;
  const app = getApps().find((a) => a.name === name) ?? initializeApp({ projectId: project, credential: applicationDefault() }, name);
  return getFirestore(app);
}
