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
 * while Luma was called) is committed on its own (`commitLedgerChange`), as is a refund the failure transition did
 * not carry: rare paths, one write each.
 *
 * Totals are never kept in one document: each new entry and each refund publishes one analytics event, which the
 * statistics aggregator folds into its sharded hourly buckets (aggregation/buckets.ts), so a day's spend is summed
 * from buckets; a person's spend is summed from their own requests' entries (spend.ts).
 */
import { estimateCostCents } from '@d2v/luma';
import type { CreditEntry, RequestCost, VideoRequest } from '@d2v/schema';
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
function chargePatch(doc: VideoRequest, entry: CreditEntry): LedgerPatch {
  if (doc.charges?.[entry.generationId]) return {};
  const lastChargedDay = doc.lastChargedDay && doc.lastChargedDay > entry.day ? doc.lastChargedDay : entry.day;
  return { charges: { ...doc.charges, [entry.generationId]: entry }, cost: withCharge(doc.cost, entry), lastChargedDay };
}

/** The patch marking `generationId` refunded (and the cost net of it); empty when there is no entry or it is refunded. */
function refundPatch(ports: Pick<Ports, 'clock'>, doc: VideoRequest, generationId: string): LedgerPatch {
  const entry = doc.charges?.[generationId];
  if (!entry || entry.refunded) return {};
  const refunded: CreditEntry = { ...entry, refunded: true, refundedAt: isoNow(ports) };
  const cost = withRefund(doc.cost, refunded);
  return { charges: { ...doc.charges, [generationId]: refunded }, ...(cost ? { cost } : {}) };
}

/**
 * A charge or a refund carried by a commit of the request: `patch(doc)` goes into that commit's patch (empty when
 * the ledger has it already), `announce()` after the commit — the log line and the analytics event, only when the
 * committed patch changed the entry, so repeats tell nothing. A transaction may run its patch more than once; the
 * last run is the committed one. Call `announce` only for a commit that applied.
 */
export interface LedgerChange {
  patch(doc: VideoRequest): LedgerPatch;
  /** Whether the last `patch` changed the ledger. */
  changed(): boolean;
  announce(): Promise<void>;
}

/** Adding the ledger entry of a billed create (see newCharge). */
export function charging(ports: Ports, ref: RequestRef, entry: CreditEntry): LedgerChange {
  let added = false;
  return {
    patch: (d) => {
      const p = chargePatch(d, entry);
      added = p.charges !== undefined;
      return p;
    },
    changed: () => added,
    announce: async () => {
      if (!added) return;
      ports.log.info({ ...ref, generationId: entry.generationId, costCents: entry.costCents, model: entry.model }, logs.creditCharged);
      await publishEvent(ports, { type: 'credits_charged', uid: ref.uid, requestId: ref.requestId, generationId: entry.generationId, model: entry.model, creditsCents: entry.costCents, attrs: { stage: entry.stage } });
    },
  };
}

/** Marking the entry of `generationId` refunded (Luma failed the generation and gave the credits back). */
export function refunding(ports: Ports, ref: RequestRef, generationId: string): LedgerChange {
  let refunded: CreditEntry | undefined;
  return {
    patch: (d) => {
      const p = refundPatch(ports, d, generationId);
      refunded = p.charges?.[generationId];
      return p;
    },
    changed: () => refunded !== undefined,
    announce: async () => {
      if (!refunded) return;
      ports.log.info({ ...ref, generationId, costCents: refunded.costCents }, logs.creditRefunded);
      await publishEvent(ports, { type: 'credits_refunded', uid: ref.uid, requestId: refunded.requestId, generationId, model: refunded.model, creditsCents: refunded.costCents, attrs: { stage: refunded.stage } });
    },
  };
}

/**
 * Commits a ledger change that no transition carried (Luma answered while the request was being cancelled or
 * deleted; Luma failed a generation a cancel was finishing), in whatever state the request is: one write when it
 * changes anything. True when it did.
 */
export async function commitLedgerChange(ports: Ports, ref: RequestRef, change: LedgerChange): Promise<boolean> {
  const doc = await updateRequestIf(ports, ref, { states: VIDEO_STATES }, (d) => {
    const p = change.patch(d);
    return change.changed() ? { ...p } : null;
  });
  if (!doc || !change.changed()) return false;
  await change.announce();
  return true;
}
