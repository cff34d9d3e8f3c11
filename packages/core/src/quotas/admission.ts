/**
 * Per-person quotas (issue #9): requests in the making at once, and requests admitted in any rolling 24 h. Checked
 * once per request, after its draft was read and before anything reaches Luma, in one transaction on the person's
 * quota document (`users/{uid}/quota/usage`): concurrent creates of one person serialize on it, so no more than the
 * limit are ever admitted. A per-person document is no hot spot — one person's creates are far below a document's
 * sustained write rate, and different people never touch the same one.
 *
 * A slot is released by the request itself reaching a state that is not working (ready, posted, failed, cancelled,
 * deleted): admission reads the requests it lists as in flight, in the same transaction, and counts only those still
 * working. So a release costs no write anywhere, and a slot cannot leak: a request that ended by any path — a
 * transition, the sweeper's deadline, a crash before the request was written, a deleted document — frees its slot
 * the moment it is no longer working; the next admission drops it from the list.
 */
import { STATE_MACHINE, docPaths, errorInfo, type ErrorInfo, type QuotaUsage, type VideoRequest } from '@d2v/schema';
import { publishQuotaRefused } from '../analytics';
import { logs } from '../logs';
import type { DocData, Ports, Transaction } from '../ports';
import type { RequestRef } from '../request-doc';

export const DAY_MS = 24 * 60 * 60_000;

export type Admission = { admitted: true } | { admitted: false; error: ErrorInfo; reason: 'in_flight' | 'daily' };

/**
 * Admits `ref` or refuses it with the error it should fail with (whose message says when to try again). Repeating
 * it for an admitted request (a redelivered create event, a keyframe planned again) admits it again at no cost.
 */
export async function admitRequest(ports: Ports, ref: RequestRef, model?: string): Promise<Admission> {
  const { maxInFlightPerUser, maxRequestsPerDay } = ports.config;
  const path = docPaths.quotaUsage(ref.uid);
  const outcome = await ports.store.runTransaction<Admission>(async (tx) => {
    const now = ports.clock.now();
    const usage = (await tx.get<QuotaUsage>(path))?.data;
    if (usage?.inFlight.includes(ref.requestId)) return { admitted: true };
    const working = await stillWorking(tx, ref.uid, usage?.inFlight ?? []);
    if (working.length >= maxInFlightPerUser) {
      const soonest = Math.min(...working.map((w) => w.deadlineAt));
      return { admitted: false, reason: 'in_flight', error: tooManyInFlight(maxInFlightPerUser, soonest) };
    }
    const recent = (usage?.admissions ?? []).filter((a) => a.at > now - DAY_MS);
    if (recent.length >= maxRequestsPerDay) {
      return { admitted: false, reason: 'daily', error: quotaExceeded(maxRequestsPerDay, recent[0]!.at + DAY_MS) };
    }
    const next: QuotaUsage = {
      uid: ref.uid,
      inFlight: [...working.map((w) => w.requestId), ref.requestId],
      admissions: [...recent, { requestId: ref.requestId, at: now }],
      updatedAt: new Date(now).toISOString(),
    };
    tx.set(path, next as unknown as DocData);
    return { admitted: true };
  });
  const log = ports.log.child({ uid: ref.uid, requestId: ref.requestId });
  if (outcome.admitted) log.debug({}, logs.quotaAdmitted);
  else {
    log.info({ errorCode: outcome.error.code, retryAfter: outcome.error.retryAfter }, logs.quotaRefused);
    await publishQuotaRefused(ports, { uid: ref.uid, requestId: ref.requestId, model, reason: outcome.reason, errorCode: outcome.error.code });
  }
  return outcome;
}

/** The listed requests that still work (read in the transaction, so a concurrent end is seen or retried). */
async function stillWorking(tx: Transaction, uid: string, ids: readonly string[]): Promise<{ requestId: string; deadlineAt: number }[]> {
  const out: { requestId: string; deadlineAt: number }[] = [];
  for (const requestId of ids) {
    const doc = (await tx.get<VideoRequest>(docPaths.videoRequest(uid, requestId)))?.data;
    if (doc && STATE_MACHINE[doc.state] && !STATE_MACHINE[doc.state].terminal) out.push({ requestId, deadlineAt: doc.deadlineAt });
  }
  return out;
}

/** `2026-12-02 19:42 UTC`: a time a person can read in any time zone's app. */
export function readableTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Another slot frees when one of the working requests ends; the latest that happens is its deadline. */
function tooManyInFlight(limit: number, soonestDeadline: number): ErrorInfo {
  const at = Number.isFinite(soonestDeadline) ? soonestDeadline : undefined;
  const when = at === undefined ? 'when one of them is finished' : `when one of them is finished (at the latest ${readableTime(at)})`;
  return { ...errorInfo('TOO_MANY_IN_FLIGHT', `You already have ${limit} video${limit === 1 ? '' : 's'} in the making, as many as allowed at once; try again ${when}.`), ...(at === undefined ? {} : { retryAfter: new Date(at).toISOString() }) };
}

/** The oldest admission of the window leaves it 24 h after it was made. */
function quotaExceeded(limit: number, freesAt: number): ErrorInfo {
  return {
    ...errorInfo('QUOTA_EXCEEDED', `You have started ${limit} video${limit === 1 ? '' : 's'} in the last 24 hours, as many as allowed; try again after ${readableTime(freesAt)}.`),
    retryAfter: new Date(freesAt).toISOString(),
  };
}
