/**
 * A request's story from a Firebase project: the request document and its transition log from Firestore (read
 * with Application Default Credentials), plus the Cloud Logging filter that finds everything else — every log
 * line of every function carries `requestId` (task attempts, Luma calls and answers, webhook callbacks, errors)
 * — printed for the operator to run (`gcloud logging read`), since logs are not ours to copy around.
 */
import { transitionsOfLog, type TransitionLogDoc, type VideoRequest } from '@d2v/schema';
import type { StorySources } from './story';

/** The part of the Firestore Admin API this reads (firebase-admin's Firestore satisfies it). */
export interface FirestoreReader {
  collectionGroup(id: string): {
    where(field: string, op: '==', value: unknown): { limit(n: number): { get(): Promise<{ docs: FirestoreDoc[] }> } };
  };
}
export interface FirestoreDoc {
  data(): Record<string, unknown> | undefined;
  ref: { collection(id: string): { orderBy(field: string): { get(): Promise<{ docs: FirestoreDoc[] }> } } };
}

/** Firestore Timestamps (written by hand, or by other tools) as ISO strings; everything else as stored. */
function plain(value: unknown): unknown {
  if (value && typeof value === 'object') {
    const v = value as { toDate?: () => Date };
    if (typeof v.toDate === 'function') return v.toDate().toISOString();
    if (Array.isArray(value)) return value.map(plain);
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, inner]) => [k, plain(inner)]));
  }
  return value;
}

export async function readFirestoreStory(db: FirestoreReader, project: string, requestId: string): Promise<StorySources> {
  const found = await db.collectionGroup('videoRequests').where('requestId', '==', requestId).limit(2).get();
  const doc = found.docs[0];
  const request = doc ? (plain(doc.data()) as VideoRequest) : null;
  const transitions = doc ? transitionsOfLog((await doc.ref.collection('transitions').orderBy('n').get()).docs.map((d) => plain(d.data()) as TransitionLogDoc)) : [];
  const since = request?.createdAt ?? new Date(Date.now() - 86_400_000).toISOString();
  const filter = cloudLoggingFilter(requestId, since);
  return {
    request,
    transitions,
    attempts: [],
    events: [],
    logs: [],
    notes: [
      'task attempts, Luma calls and answers, webhook callbacks and errors are in Cloud Logging; every line carries the requestId:',
      `  gcloud logging read '${filter}' --project ${project} --order asc --format json`,
      `  or paste into the Logs Explorer: ${filter}`,
      `unexpected errors (Error Reporting): ${errorReportingFilter(requestId)}`,
      'analytics events: the Pub/Sub topic (ANALYTICS_TOPIC), e.g. its BigQuery subscription, filtered by requestId',
    ],
  };
}

/** Every log line of the request, from a minute before it was created. */
export function cloudLoggingFilter(requestId: string, sinceIso: string): string {
  const since = new Date(Date.parse(sinceIso) - 60_000).toISOString();
  return `resource.type="cloud_run_revision" AND jsonPayload.requestId="${requestId}" AND timestamp>="${since}"`;
}

export function errorReportingFilter(requestId: string): string {
  return `jsonPayload."@type"="type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent" AND jsonPayload.requestId="${requestId}"`;
}
