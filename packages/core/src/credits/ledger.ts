/**
 * The credits ledger (issue #9): every billed Luma create recorded once — on the request that was billed, as
 * `charges.{generationId}` of `users/{uid}/videoRequests/{requestId}`. The entry is written by the transition that
 * records the generation (`submitting → dreaming`, a keyframe's `keyframe_queued → keyframe_dreaming`), and its
 * refund by the transition that records Luma's failure, so the ledger costs no document write of its own.
 *
 * Keyed by Luma's generation id, so whatever delivers the same generation again — a retried submit that adopts the
 * generation it created before a crash, a duplicate callback, a poll racing the webhook — finds its entry and adds
 * nothing. A crash between Luma's answer and the transition is found again by the next attempt's lookup-before-
 * create, whose transition then records it. A charge whose request had moved on meanwhile (cancelled or deleted
 * while Luma was called) is recorded on its own (`recordChargeLate`), as is a refund the failure transition did not
 * carry (`refundLate`): rare paths, one write each.
 *
 * Totals are never kept in one document: each new entry and each refund publishes one analytics event, which the
 * statistics aggregator folds into its sharded hourly buckets (aggregation/buckets.ts), so a day's spend is summed
 * from buckets; a person's spend is summed from their own requests' entries (spend.ts).
 */
import { estimateCostCents } from '@d2v/luma';
import type { CreditEntry, RequestCost, VideoRequest, VideoState } from '@d2v/schema';
import { VIDEO_STATES } from '@d2v/schema';
import type { Generation } from '@d2v/luma';
import { publishEvent } from '../analytics';
import { logs } from '../logs';
import type { Ports } from '../ports';
import { isoNow, updateRequestIf, type RequestRef } from '../request-doc';
import type { CreateRequest } from '../steps/luma-create';
import type { Stage } from '../steps/stages';
import { withCharge, withRefund } from './request-cost';

/** The fields a charge or a refund changes on the request. */
export interface LedgerPatch {
  charges?: Record<string, CreditEntry>;
  cost?: RequestCost;
  lastChargedDay?: string;
}

/** The ledger entry of the billed create of `generation` (from the request that was sent). */
export function newCharge(ports: Pick<Ports, 'clock'>, ref: RequestRef, stage: Stage, generation: Pick<Generation, 'id'>, request: CreateRequest): CreditEntry {
  const at = isoNow(ports);
  const video = request as { resolution?: string; duration?: string };
  return {
    generationId: generation.id,
    uid: ref.uid,
    requestId: ref.requestId,
    stage,
    model: request.model,
    ...(video.resolution ? { resolution: video.resolution } : {}),
    ...(video.duration ? { duration: video.duration } : {}),
    costCents: estimateCostCents(request),
    day: at.slice(0, 10),
    chargedAt: at,
    refunded: false,
  };
}

/** The patch adding `entry` (and its cost) to the request; empty when this generation is recorded already. */
export function chargePatch(doc: VideoRequest, entry: CreditEntry): LedgerPatch {
  if (doc.charges?.[entry.generationId]) return {};
  const lastChargedDay = doc.lastChargedDay && doc.lastChargedDay > entry.day ? doc.lastChargedDay : entry.day;
  return { charges: { ...doc.charges, [entry.generationId]: entry }, cost: withCharge(doc.cost, entry), lastChargedDay };
}

/** The patch marking `generationId` refunded (and the cost net of it); empty when there is no entry or it is refunded. */
export function refundPatch(ports: Pick<Ports, 'clock'>, doc: VideoRequest, generationId: string): LedgerPatch {
  const entry = doc.charges?.[generationId];
  if (!entry || entry.refunded) return {};
  const refunded: CreditEntry = { ...entry, refunded: true, refundedAt: isoNow(ports) };
  const cost = withRefund(doc.cost, refunded);
  return { charges: { ...doc.charges, [generationId]: refunded }, ...(cost ? { cost } : {}) };
}

/** Whether a patch built by chargePatch/refundPatch changes the ledger (the commit that carried it does the telling). */
export function changesLedger(patch: LedgerPatch): boolean {
  return patch.charges !== undefined;
}

/** After the commit that added the entry: the log line and the analytics event (once per charge). */
export async function announceCharge(ports: Ports, ref: RequestRef, entry: CreditEntry): Promise<void> {
  ports.log.info({ ...ref, generationId: entry.generationId, costCents: entry.costCents, model: entry.model }, logs.creditCharged);
  await publishEvent(ports, { type: 'credits_charged', uid: ref.uid, requestId: ref.requestId, generationId: entry.generationId, model: entry.model, creditsCents: entry.costCents, attrs: { stage: entry.stage } });
}

/** After the commit that marked the refund: the log line and the analytics event (once per refund). */
export async function announceRefund(ports: Ports, ref: RequestRef, entry: CreditEntry): Promise<void> {
  ports.log.info({ ...ref, generationId: entry.generationId, costCents: entry.costCents }, logs.creditRefunded);
  await publishEvent(ports, { type: 'credits_refunded', uid: ref.uid, requestId: entry.requestId, generationId: entry.generationId, model: entry.model, creditsCents: entry.costCents, attrs: { stage: entry.stage } });
}

const ANY_STATE: readonly VideoState[] = VIDEO_STATES;

/** Records a charge outside its transition (the request moved on while Luma was called); true when this call added it. */
export async function recordChargeLate(ports: Ports, ref: RequestRef, entry: CreditEntry): Promise<boolean> {
  let added = false;
  await updateRequestIf(ports, ref, { states: ANY_STATE }, (d) => {
    const patch = chargePatch(d, entry);
    added = changesLedger(patch);
    return added ? { ...patch } : null;
  });
  if (added) await announceCharge(ports, ref, entry);
  return added;
}

/** Marks a refund outside a transition (the failure was not the request's to record: a cancel was finishing). */
export async function refundLate(ports: Ports, ref: RequestRef, generationId: string): Promise<void> {
  let refunded: CreditEntry | undefined;
  await updateRequestIf(ports, ref, { states: ANY_STATE }, (d) => {
    const patch = refundPatch(ports, d, generationId);
    refunded = patch.charges?.[generationId];
    return refunded ? { ...patch } : null;
  });
  if (refunded) await announceRefund(ports, ref, refunded);
}
