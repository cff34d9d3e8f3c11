import type { Generation, ImageGenerationRequest, VideoGenerationRequest } from '@d2v/luma';
import { isLumaError } from '@d2v/luma';
import type { VideoRequest } from '@d2v/schema';
import { errorInfo, errorInfoFromLuma } from '../errors';
import { callbackMarker, callbackUrl, newOwnerId } from '../ids';
import { logs } from '../logs';
import { RetryLaterError, type Ports, type TaskPayload } from '../ports';
import { leaseIsLive, readRequest, updateRequestIf, type RequestRef } from '../request-doc';
import { transition } from '../transition';
import { cancelNow, disownGeneration, notCancelling, settleCancel } from './cancel';
import { ensureNextStep } from './next-step';
import { STAGES, stageOf, type Stage } from './stages';

const LOOKUP_PAGES = 3;
const LOOKUP_PAGE_SIZE = 100;

/**
 * The one billed, non-idempotent call: Luma's create. Guarded three ways:
 * 1. a lease, so two deliveries of the task never create concurrently;
 * 2. an intent timestamp written before the call, so a later attempt knows a create may have happened;
 * 3. lookup-before-create: an attempt that finds an intent first searches Luma for a generation whose
 *    callback URL names this request, and adopts it instead of creating again.
 */
export async function onSubmitTask(ports: Ports, payload: TaskPayload): Promise<void> {
  const ref = { uid: payload.uid, requestId: payload.requestId };
  const stage = stageOf(payload.stage);
  const spec = STAGES[stage];
  const log = ports.log.child({ ...ref, stage });
  const owner = newOwnerId();

  const claimed = await claimSubmit(ports, ref, stage, owner);
  if (claimed === 'done') return;
  if (typeof claimed === 'number') {
    log.info({ retryInMs: claimed }, logs.submitBusy);
    throw new RetryLaterError('another worker is submitting this request', claimed);
  }
  let doc = claimed.doc;

  let generation: Generation | null = null;
  // Cancel (issue #9): a cancel that came while a create may have been in flight is finished by the lease holder,
  // the one step that can know what was created: found → recorded below, then deleted; none → cancelled now.
  if (doc.cancelRequested) {
    generation = !claimed.intentRecorded && spec.intentAt(doc) !== undefined ? await findEarlierGeneration(ports, ref, doc, stage) : null;
    if (!generation) {
      await cancelNow(ports, ref, { from: [spec.submitting], leaseOwner: owner, reason: 'cancelled by the owner before Luma accepted a generation' });
      return;
    }
    log.info({ generationId: generation.id }, logs.submitAdopted);
  }

  if (!generation && !claimed.intentRecorded && doc.luma.submitAttempts >= ports.config.maxSubmitAttempts) {
    await failSubmit(ports, ref, stage, owner, errorInfo('LUMA_UNAVAILABLE', undefined, `gave up after ${doc.luma.submitAttempts} attempts`));
    return;
  }

  if (!generation && !claimed.intentRecorded && spec.intentAt(doc) !== undefined) {
    generation = await findEarlierGeneration(ports, ref, doc, stage);
    if (generation) log.info({ generationId: generation.id }, logs.submitAdopted);
  }

  if (!generation) {
    const recorded = claimed.intentRecorded ? doc : await updateRequestIf(ports, ref, { states: [spec.submitting], leaseOwner: owner, when: notCancelling }, (d) => ({
      luma: {
        ...d.luma,
        submitAttempts: d.luma.submitAttempts + 1,
        ...(stage === 'keyframe' ? { keyframeIntentAt: ports.clock.now() } : { submitIntentAt: ports.clock.now() }),
      },
    }));
    if (!recorded) {
      // Lost the lease (e.g. deleted meanwhile): do not bill. Cancel (issue #9): marked since the claim, nothing sent.
      await cancelNow(ports, ref, { from: [spec.submitting], leaseOwner: owner, when: (d) => !notCancelling(d), reason: 'cancelled by the owner before the create was sent' });
      return;
    }
    doc = recorded;
    const request = buildCreateRequest(ports, doc, stage);
    log.info({ model: request.model }, logs.submitCreating);
    try {
      generation = stage === 'keyframe'
        ? await ports.luma.createImage(request as ImageGenerationRequest)
        : await ports.luma.createVideo(request as VideoGenerationRequest);
    } catch (e) {
      await handleCreateError(ports, ref, stage, owner, e);
      return;
    }
    log.info({ generationId: generation.id, lumaState: generation.state }, logs.submitCreated);
  }

  const created = generation;
  const moved = await transition(ports, ref, {
    from: [spec.submitting],
    to: spec.waiting,
    by: 'luma',
    reason: `Luma ${spec.generationType} generation ${generation.id} accepted`,
    leaseOwner: owner,
    lease: null,
    patch: (d) => ({
      luma: {
        ...d.luma,
        ...(stage === 'keyframe' ? { keyframeGenerationId: generation.id } : { generationId: generation.id }),
        lumaState: generation.state,
        polls: 0,
      },
    }),
  });
  if (moved.applied) {
    await ensureNextStep(ports, moved.doc);
    // Cancel (issue #9): asked while Luma was being called; the generation is recorded, now it is deleted.
    if (moved.doc.cancelRequested) await settleCancel(ports, ref);
  } else {
    // Cancelled or deleted while Luma was being called: what Luma just made belongs to nobody.
    await disownGeneration(ports, ref, stage, created);
  }
}

/** The claimed request, and whether the claim already recorded the create intent (a first attempt). */
interface Claimed {
  doc: VideoRequest;
  intentRecorded: boolean;
}

/** Takes the submit lease. Returns the claim, 'done' when there is nothing to do, or ms to wait. */
async function claimSubmit(ports: Ports, ref: RequestRef, stage: Stage, owner: string): Promise<Claimed | 'done' | number> {
  const spec = STAGES[stage];
  const now = ports.clock.now();
  const lease = { step: `submit-${stage}`, owner, until: now + ports.config.stepLeaseMs };
  const current = await readRequest(ports, ref);
  if (!current) return 'done';
  if (current.state === 'queued' && stage === 'video') {
    // A first attempt records its create intent with the claim: one write instead of two, same rule as below.
    let intentAt: number | undefined;
    const moved = await transition(ports, ref, {
      from: ['queued'], to: 'submitting', by: 'system', reason: 'submit slot taken', lease,
      patch: (d) => {
        intentAt = spec.intentAt(d) === undefined && d.luma.submitAttempts < ports.config.maxSubmitAttempts ? ports.clock.now() : undefined;
        return intentAt === undefined ? {} : { luma: { ...d.luma, submitAttempts: d.luma.submitAttempts + 1, submitIntentAt: intentAt } };
      },
    });
    return moved.applied ? { doc: moved.doc, intentRecorded: intentAt !== undefined && moved.doc.luma.submitIntentAt === intentAt } : 'done';
  }
  if (current.state !== spec.submitting) return 'done';
  if (leaseIsLive(current.lease, now)) return Math.max(250, (current.lease?.until ?? now) - now);
  const taken = await updateRequestIf(ports, ref, { states: [spec.submitting] }, (d) =>
    leaseIsLive(d.lease, ports.clock.now()) ? {} : { lease },
  );
  if (!taken) return 'done';
  return taken.lease?.owner === owner ? { doc: taken, intentRecorded: false } : Math.max(250, (taken.lease?.until ?? now) - now);
}

function buildCreateRequest(ports: Ports, doc: VideoRequest, stage: Stage): VideoGenerationRequest | ImageGenerationRequest {
  const base = (stage === 'keyframe' ? doc.keyframeRequest : doc.lumaRequest) as unknown as VideoGenerationRequest | ImageGenerationRequest;
  const url = callbackUrl(ports.config.webhookBaseUrl, ports.config.webhookSecret, doc.uid, doc.requestId);
  return url ? { ...base, callback_url: url } : { ...base };
}

/** Looks through Luma's newest generations for one this request created in an earlier attempt. */
async function findEarlierGeneration(ports: Ports, ref: RequestRef, doc: VideoRequest, stage: Stage): Promise<Generation | null> {
  const marker = callbackMarker(ref.uid, ref.requestId);
  const exclude = new Set(doc.luma.previousGenerationIds ?? []);
  const wantType = STAGES[stage].generationType;
  try {
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const list = await ports.luma.listGenerations({ limit: LOOKUP_PAGE_SIZE, offset: page * LOOKUP_PAGE_SIZE });
      const match = list.generations.find((g) => {
        const cb = g.request?.callback_url;
        const type = g.generation_type ?? g.type;
        return typeof cb === 'string' && cb.includes(marker) && !exclude.has(g.id) && (type === undefined || type === wantType);
      });
      if (match) return match;
      if (!list.has_more) break;
    }
  } catch (e) {
    // Without the list we cannot know: creating now could bill twice, so try again later instead.
    ports.log.warn({ ...ref, err: String(e) }, logs.lumaLookupFailed);
    throw new RetryLaterError('could not look up earlier Luma generations');
  }
  return null;
}

async function handleCreateError(ports: Ports, ref: RequestRef, stage: Stage, owner: string, e: unknown): Promise<void> {
  const spec = STAGES[stage];
  const log = ports.log.child({ ...ref, stage });
  if (isLumaError(e) && e.retryable) {
    log.warn({ kind: e.kind, status: e.status, detail: e.detail }, logs.submitRetryable);
    // A 429 proves nothing was created: give the slot back (the video stage shows "waiting for a Luma slot").
    // Anything else (5xx, timeout) might have created, so the intent stays for the lookup on the next attempt.
    if (e.kind === 'rate_limited') {
      const clearIntent = (d: VideoRequest) => ({
        luma: {
          ...d.luma,
          // Nothing was billed, so this attempt does not count against maxSubmitAttempts.
          submitAttempts: Math.max(0, d.luma.submitAttempts - 1),
          ...(stage === 'keyframe' ? { keyframeIntentAt: undefined } : { submitIntentAt: undefined }),
        },
      });
      if (stage === 'video') {
        await transition(ports, ref, {
          from: ['submitting'], to: 'queued', by: 'luma', reason: 'Luma is at its limit (429)', leaseOwner: owner, lease: null, patch: clearIntent,
        });
      } else {
        await updateRequestIf(ports, ref, { states: [spec.submitting], leaseOwner: owner }, (d) => ({ lease: null, ...clearIntent(d) }));
      }
    } else {
      await updateRequestIf(ports, ref, { states: [spec.submitting], leaseOwner: owner }, () => ({ lease: null }));
    }
    throw new RetryLaterError(`Luma create failed (${e.kind}); retrying`, e.retryAfterMs);
  }
  if (isLumaError(e)) {
    log.warn({ kind: e.kind, status: e.status, detail: e.detail }, logs.submitPermanent);
    await failSubmit(ports, ref, stage, owner, errorInfoFromLuma(e));
    return;
  }
  // Unknown failure (bug, network stack): release the lease and let the queue retry.
  await updateRequestIf(ports, ref, { states: [spec.submitting], leaseOwner: owner }, () => ({ lease: null }));
  throw e;
}

async function failSubmit(ports: Ports, ref: RequestRef, stage: Stage, owner: string, error: ReturnType<typeof errorInfo>): Promise<void> {
  const moved = await transition(ports, ref, {
    from: [STAGES[stage].submitting],
    to: 'failed',
    by: 'system',
    reason: 'Luma create failed',
    error,
    leaseOwner: owner,
    lease: null,
    when: notCancelling,
  });
  // Cancel (issue #9): the person asked to stop it anyway, and Luma accepted nothing.
  if (!moved.applied && moved.doc?.cancelRequested) {
    await cancelNow(ports, ref, { from: [STAGES[stage].submitting], leaseOwner: owner, reason: 'cancelled by the owner; Luma had refused the create' });
  }
}
