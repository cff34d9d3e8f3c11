/**
 * What admission control reads: how many of a family's slots are held, how many creates the rolling window holds,
 * and how many requests wait ahead of one — each a count() aggregation over the `videoRequests` collection group
 * (one read each on Firestore, however many requests match), so no counter document exists for every submit to
 * write: nothing here is a hot spot, and nothing here can drift from the requests it counts.
 */
import type { VideoRequest } from '@d2v/schema';
import type { Ports } from '../ports';
import { CREATE_COUNTED_MS, type FamilyLedger } from './limits';

export interface LumaUsage {
  /** Requests holding a slot of the family. */
  inFlight: number;
  /** Creates of the family inside the rolling window that ends now. */
  inWindow: number;
}

export async function readLumaUsage(ports: Ports, ledger: FamilyLedger, now: number): Promise<LumaUsage> {
  const [inFlight, inWindow] = await Promise.all([
    ports.store.count({ collection: 'videoRequests', group: true, where: [{ field: 'state', op: 'in', value: [...ledger.holding] }] }),
    ports.store.count({ collection: 'videoRequests', group: true, where: [{ field: ledger.createdAtField, op: '>', value: now - CREATE_COUNTED_MS }] }),
  ]);
  return { inFlight, inWindow };
}

/** Requests waiting for the family, this one included. */
export async function waitingCount(ports: Ports, ledger: FamilyLedger): Promise<number> {
  return ports.store.count({ collection: 'videoRequests', group: true, where: [{ field: 'state', op: '==', value: ledger.waiting }] });
}

/** Requests that entered the family's waiting state before `doc` did (first come, first served). */
export async function waitingAhead(ports: Ports, ledger: FamilyLedger, doc: VideoRequest): Promise<number> {
  return ports.store.count({
    collection: 'videoRequests',
    group: true,
    where: [
      { field: 'state', op: '==', value: ledger.waiting },
      { field: 'stateSince', op: '<', value: doc.stateSince },
    ],
  });
}

/**
 * The most creates one look at the window reads. The k-th oldest create is k document reads, and k grows with the
 * tier's per-minute limit (20 on the Build tier, thousands at a million requests a day): a waiter further back than
 * this gets the time the WINDOW_LOOKUP_MAX-th ages out instead — never later than its turn, so it looks again then,
 * nearer the front, and its shown ETA is early rather than late. At 100 × 4 s this took the request reads from 48
 * per request (most of them these lookups) down; see docs/BENCHMARKS.md.
 */
export const WINDOW_LOOKUP_MAX = 5;

/**
 * When the window next has room for the `k`-th waiting create: the k-th oldest create in it ages out then (for k
 * beyond WINDOW_LOOKUP_MAX, an earlier time: see there). Read only while a request waits for the rate (k ≤ the
 * window's size; beyond that, whole windows are estimated).
 */
export async function windowFreesAt(ports: Ports, ledger: FamilyLedger, now: number, k: number): Promise<number | undefined> {
  const looked = Math.min(k, WINDOW_LOOKUP_MAX);
  const oldest = await ports.store.query<VideoRequest>({
    collection: 'videoRequests',
    group: true,
    where: [{ field: ledger.createdAtField, op: '>', value: now - CREATE_COUNTED_MS }],
    orderBy: { field: ledger.createdAtField, direction: 'asc' },
    limit: looked,
  });
  const at = oldest.at(looked - 1)?.data;
  const createdAt = at ? ledger.createdAt(at) : undefined;
  return createdAt === undefined ? undefined : createdAt + CREATE_COUNTED_MS;
}
