/**
 * The credits ledger (issue #9): every billed Luma create recorded once, as `users/{uid}/creditLedger/{generationId}`.
 * Keyed by Luma's generation id, so whatever delivers the same generation again — a retried submit that adopts the
 * generation it created before a crash, a duplicate callback, a poll racing the webhook — finds its entry and adds
 * nothing: create-if-absent in a transaction. A refund (Luma failed the generation and gave the credits back) flips
 * the entry's `refunded` once, the same way.
 *
 * Totals are never kept in one document: each new entry and each refund publishes one analytics event, which the
 * statistics aggregator folds into its sharded hourly buckets (aggregation/buckets.ts) like every other event, so a
 * day's spend is summed from buckets; a person's spend is summed from their own entries (spend.ts).
 */
import { estimateCostCents } from '@d2v/luma';
import { docPaths, type CreditEntry } from '@d2v/schema';
import type { Generation } from '@d2v/luma';
import { publishEvent } from '../analytics';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import type { RequestRef } from '../request-doc';
import type { CreateRequest } from '../steps/luma-create';
import type { Stage } from '../steps/stages';

/** Records the billed create of `generation` (from the request that was sent); the entry as stored. */
export async function recordCharge(ports: Ports, ref: RequestRef, stage: Stage, generation: Pick<Generation, 'id'>, request: CreateRequest): Promise<CreditEntry> {
  const path = docPaths.creditEntry(ref.uid, generation.id);
  const at = new Date(ports.clock.now()).toISOString();
  const video = request as { resolution?: string; duration?: string };
  const fresh: CreditEntry = {
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
  const written = await ports.store.runTransaction(async (tx) => {
    const existing = (await tx.get<CreditEntry>(path))?.data;
    if (existing) return { entry: existing, byThisCall: false };
    tx.create(path, fresh as unknown as DocData);
    return { entry: fresh, byThisCall: true };
  });
  if (written.byThisCall) {
    ports.log.info({ ...ref, generationId: generation.id, costCents: fresh.costCents, model: fresh.model }, logs.creditCharged);
    await publishEvent(ports, { type: 'credits_charged', uid: ref.uid, requestId: ref.requestId, generationId: generation.id, model: fresh.model, creditsCents: fresh.costCents, attrs: { stage } });
  }
  return written.entry;
}

/**
 * Luma failed `generationId` and refunded it: marks its entry refunded (once). Returns the entry — also when an
 * earlier delivery already marked it, so the caller's own once-only transition can show the refund — or null when
 * the generation has no entry (not billed through the ledger).
 */
export async function refundCharge(ports: Ports, ref: RequestRef, generationId: string): Promise<CreditEntry | null> {
  const path = docPaths.creditEntry(ref.uid, generationId);
  const at = new Date(ports.clock.now()).toISOString();
  const written = await ports.store.runTransaction(async (tx) => {
    const existing = (await tx.get<CreditEntry>(path))?.data;
    if (!existing || existing.refunded) return { entry: existing ?? null, byThisCall: false };
    const entry: CreditEntry = { ...existing, refunded: true, refundedAt: at };
    tx.set(path, entry as unknown as DocData);
    return { entry, byThisCall: true };
  });
  if (written.byThisCall && written.entry) {
    const { entry } = written;
    ports.log.info({ ...ref, generationId, costCents: entry.costCents }, logs.creditRefunded);
    await publishEvent(ports, { type: 'credits_refunded', uid: ref.uid, requestId: entry.requestId, generationId, model: entry.model, creditsCents: entry.costCents, attrs: { stage: entry.stage } });
  }
  return written.entry;
}
