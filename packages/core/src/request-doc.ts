import { docPaths, type Lease, type VideoRequest, type VideoState } from '@d2v/schema';
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

export function leaseIsLive(lease: Lease | null | undefined, now: number): boolean {
  return Boolean(lease && lease.until > now);
}

/**
 * A compare-and-set update that is not a state change (progress, Luma tracking, leases): applied only while
 * the request is still in one of `states` (and, with `leaseOwner`, only while that worker holds the lease; with
 * `when`, only while that condition holds).
 * Returns the new document, or null when the guard refused.
 */
export async function updateRequestIf(
  ports: Ports,
  ref: RequestRef,
  guard: { states: readonly VideoState[]; leaseOwner?: string; when?: (doc: VideoRequest) => boolean },
  patch: (doc: VideoRequest) => DocData,
  /** Other documents written atomically with the update (an action's record). */
  alsoWrite?: (tx: Transaction, next: VideoRequest) => void,
): Promise<VideoRequest | null> {
  return ports.store.runTransaction(async (tx) => {
    const doc = await readRequestInTx(tx, ref);
    if (!doc || !guard.states.includes(doc.state)) return null;
    if (guard.leaseOwner !== undefined && doc.lease?.owner !== guard.leaseOwner) return null;
    if (guard.when && !guard.when(doc)) return null;
    const next = { ...doc, ...patch(doc), updatedAt: isoNow(ports) } as VideoRequest;
    tx.set(requestPath(ref), next as unknown as DocData);
    alsoWrite?.(tx, next);
    return next;
  });
}
