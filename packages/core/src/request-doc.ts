import { docPaths, type Lease, type VideoRequest, type VideoState } from '@d2v/schema';
import { noteState } from './context';
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
  noteState(ref.requestId, snap?.data.state);
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
 * the request is still in one of `states` (and, with `leaseOwner`, only while that worker holds the lease; with
 * `when`, only while that condition holds).
 * Returns the new document, or null when the guard refused. A patch that returns null, or changes nothing (empty,
 * or every field equal to what is stored) and has nothing else to write, writes nothing and returns the document
 * as it is: a write is a billed operation on a document that takes about one per second, and `updatedAt` should
 * mean something changed.
 */
export async function updateRequestIf(
  ports: Ports,
  ref: RequestRef,
  guard: { states: readonly VideoState[]; leaseOwner?: string; when?: (doc: VideoRequest) => boolean },
  patch: (doc: VideoRequest) => DocData | null,
  /** Other documents written atomically with the update (an action's record). */
  alsoWrite?: (tx: Transaction, next: VideoRequest) => void,
): Promise<VideoRequest | null> {
  return ports.store.runTransaction(async (tx) => {
    const doc = await readRequestInTx(tx, ref);
    if (!doc || !guard.states.includes(doc.state)) return null;
    if (guard.leaseOwner !== undefined && doc.lease?.owner !== guard.leaseOwner) return null;
    if (guard.when && !guard.when(doc)) return null;
    const changes = patch(doc);
    if (changes === null) return doc;
    if (!alsoWrite && !changesAnything(doc as unknown as DocData, changes)) return doc;
    const next = { ...doc, ...changes, updatedAt: isoNow(ports) } as VideoRequest;
    tx.set(requestPath(ref), next as unknown as DocData);
    noteState(ref.requestId, next.state);
    alsoWrite?.(tx, next);
    return next;
  });
}

/** True when applying `patch` (shallow, like `updateRequestIf`) would change a stored value. */
export function changesAnything(doc: DocData, patch: DocData): boolean {
  return Object.entries(patch).some(([key, value]) => !sameValue(doc[key], value));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Stored documents drop undefined fields; a patch setting one to undefined changes nothing that is stored.
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === undefined && b === undefined;
  return JSON.stringify(a, stableKeys) === JSON.stringify(b, stableKeys);
}

/** Object keys sorted, undefined values dropped, so equal documents serialize equally. */
function stableKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : 1)));
}

/**
 * Whether a progress value is worth a write: it moved by at least `progressMinStep` and the request was last
 * written at least `progressMinIntervalMs` ago (any write counts: the bar is fresh then).
 */
export function progressWorthWriting(ports: Pick<Ports, 'clock' | 'config'>, doc: Pick<VideoRequest, 'progress' | 'updatedAt'>, progress: number): boolean {
  if (progress - doc.progress < ports.config.progressMinStep) return false;
  return ports.clock.now() - Date.parse(doc.updatedAt) >= ports.config.progressMinIntervalMs;
}