import { docPaths, type VideoRequest, type VideoState } from '@d2v/schema';
import type { DocData, Ports, Transaction } from './ports';

export interface RequestRef {
  uid: string;
  requestId: string;
}

export function requestPath(ref: RequestRef): string {
  return docPaths.videoRequest(ref.uid, ref.requestId);
}

/** Server-owned request documents are written only by the core, so a cast after the existence check is sound. */
export async function readRequest(ports: Ports, ref: RequestRef): Promise<VideoRequest | null> {
  const snap = await ports.store.get<VideoRequest>(requestPath(ref));
  return snap ? snap.data : null;
}

export async function readRequestInTx(tx: Transaction, ref: RequestRef): Promise<VideoRequest | null> {
  const snap = await tx.get<VideoRequest>(requestPath(ref));
  return snap ? snap.data : null;
}

export function isoNow(ports: Pick<Ports, 'clock'>): string {
  return new Date(ports.clock.now()).toISOString();
}

/**
 * A compare-and-set update that is not a state change (progress, Luma tracking, leases): applied only while
 * the request is still in one of `states` (and, with `leaseOwner`, only while that worker holds the lease).
 * Returns the new document, or null when the guard refused. A patch that returns null changes nothing (no write)
 * and the document is returned as it is.
 */
export async function updateRequestIf(
  ports: Ports,
  ref: RequestRef,
  guard: { states: readonly VideoState[]; leaseOwner?: string },
  patch: (doc: VideoRequest) => DocData | null,
): Promise<VideoRequest | null> {
  return ports.store.runTransaction(async (tx) => {
    const doc = await readRequestInTx(tx, ref);
    if (!doc || !guard.states.includes(doc.state)) return null;
    if (guard.leaseOwner !== undefined && doc.lease?.owner !== guard.leaseOwner) return null;
    const changes = patch(doc);
    if (changes === null) return doc;
    const next = { ...doc, ...changes, updatedAt: isoNow(ports) } as VideoRequest;
    tx.set(requestPath(ref), next as unknown as DocData);
    return next;
  });
}
