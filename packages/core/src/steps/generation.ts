import type { Generation } from '@d2v/luma';
import { isLumaError } from '@d2v/luma';
import type { VideoRequest } from '@d2v/schema';
import { commitLedgerChange, refunding } from '../credits/ledger';
import { errorInfo, errorInfoFromFailureReason, isInputFramesFailure } from '../errors';
import type { WebhookInput, WebhookResult } from '../handlers';
import { verifyWebhookToken } from '../ids';
import { logs } from '../logs';
import { RetryLaterError, type Ports, type TaskPayload } from '../ports';
import { readRequest, updateRequestIf, type RequestRef } from '../request-doc';
import { transition } from '../transition';
import { notCancelling, settleCancel } from './cancel';
import { onRequestCreated } from './create';
import { enqueueDownload, ensureNextStep } from './next-step';
import { STAGES, stageOf, type Stage } from './stages';

/**
 * What to do with a generation's state as Luma reports it (by callback or by poll — both end here).
 * Only ever called with a generation re-read from Luma, never with a callback body.
 */
export async function applyGeneration(
  ports: Ports,
  ref: RequestRef,
  stage: Stage,
  generation: Generation,
  /** The request as the caller just read it: when the bar would not move for it, not even a read follows. */
  seen?: VideoRequest,
): Promise<VideoRequest | null> {
  const spec = STAGES[stage];
  ports.log.debug({ ...ref, stage, generationId: generation.id, lumaState: generation.state }, logs.lumaUpdate);
  switch (generation.state) {
    case 'queued':
    case 'dreaming':
      // Nothing to write: the bar's movement while Luma works is the progress plan the accepting transition wrote
      // (clients move it), and Luma's own queued/dreaming is shown to nobody. A poll or callback that learns nothing
      // new writes nothing; the poll chain's keep-alive (onPollTask) is the one write a long generation costs.
      return seen?.state === spec.waiting ? seen : readRequest(ports, ref);
    case 'failed': {
      // Luma refunds a failed generation in full: the transition that records the failure marks the ledger entry.
      if (stage === 'keyframe' && isInputFramesFailure(generation.failure_reason) && (await planKeyframeAgain(ports, ref, generation))) return readRequest(ports, ref);
      const refund = refunding(ports, ref, generation.id);
      const moved = await transition(ports, ref, {
        from: [spec.waiting],
        when: notCancelling,
        to: 'failed',
        by: 'luma',
        reason: `Luma ${spec.generationType} generation failed`,
        error: errorInfoFromFailureReason(generation.failure_reason),
        patch: (d) => ({ ...refund.patch(d), luma: { ...d.luma, lumaState: 'failed' } }),
      });
      if (moved.applied) {
        await refund.announce();
        return moved.doc;
      }
      // Not this request's failure to record (a cancel finishing it, a repeat): the refund is marked all the same, once.
      await commitLedgerChange(ports, ref, refund);
      return null;
    }
    case 'completed': {
      if (stage === 'video') return videoCompleted(ports, ref, seen);
      const moved = await keyframeCompleted(ports, ref, generation);
      if (moved) await ensureNextStep(ports, moved);
      return moved;
    }
  }
}

/**
 * Luma could not fetch the draft's images. Validation checked them (they exist, are images, are the owner's)
 * before any credit was spent, so the likely cause is ours: a signed URL that expired while the request queued, or
 * (locally) the blob server down during a restart. So the request is validated and planned again — the images
 * checked again, fresh URLs signed — and the keyframe submitted again (up to maxKeyframeInputRetries times); Luma
 * refunded the failed one. The shots of a
 * script video are planned with their script and are not re-planned here.
 */
async function planKeyframeAgain(ports: Ports, ref: RequestRef, generation: Generation): Promise<boolean> {
  const refund = refunding(ports, ref, generation.id);
  const moved = await transition(ports, ref, {
    from: ['keyframe_dreaming'],
    to: 'validating',
    by: 'luma',
    reason: `Luma could not fetch the draft's images (${generation.failure_reason}); checking them and signing new links`,
    lease: null,
    patch: (d) => ({
      ...refund.patch(d),
      luma: {
        ...d.luma,
        previousGenerationIds: [...(d.luma.previousGenerationIds ?? []), generation.id],
        keyframeGenerationId: undefined,
        keyframeIntentAt: undefined,
        lumaState: 'failed',
        polls: 0,
        // Luma refunded the failed keyframe: its create does not count against maxSubmitAttempts.
        submitAttempts: Math.max(0, d.luma.submitAttempts - 1),
        inputResubmits: (d.luma.inputResubmits ?? 0) + 1,
      },
    }),
    when: (d) => !d.parentRequestId && (d.luma.inputResubmits ?? 0) < ports.config.maxKeyframeInputRetries,
  });
  if (!moved.applied) return false;
  await refund.announce();
  await onRequestCreated(ports, ref);
  return true;
}

/**
 * Luma finished the video. Moving to `downloading` is the download task's own claim — the state and its lease in
 * one write (steps/download.ts) — so this only enqueues that task, named after the request's episode: the webhook,
 * Luma's repeats of it and a poll racing it enqueue one task between them.
 */
async function videoCompleted(ports: Ports, ref: RequestRef, seen?: VideoRequest): Promise<VideoRequest | null> {
  const doc = seen ?? (await readRequest(ports, ref));
  // Cancel (issue #9): a completion that comes while the cancel deletes the generation changes nothing.
  if (!doc || doc.state !== 'dreaming' || !notCancelling(doc)) return doc;
  await enqueueDownload(ports, doc);
  return doc;
}

/** The keyframe image becomes the video's first frame; the video stage then starts like a text draft's. */
async function keyframeCompleted(ports: Ports, ref: RequestRef, generation: Generation): Promise<VideoRequest | null> {
  const image = generation.assets?.image;
  if (!image) {
    await transition(ports, ref, {
      from: ['keyframe_dreaming'],
      when: notCancelling,
      to: 'failed',
      by: 'luma',
      reason: 'keyframe completed without an image',
      error: errorInfo('LUMA_GENERATION_FAILED', 'Luma finished the keyframe but returned no image.'),
    });
    return null;
  }
  const moved = await transition(ports, ref, {
    from: ['keyframe_dreaming'],
    when: notCancelling,
    to: 'queued',
    by: 'luma',
    reason: 'Luma finished the keyframe image',
    patch: (d) => {
      const video = { ...(d.lumaRequest ?? {}) } as Record<string, unknown>;
      const keyframes = { ...((video.keyframes as Record<string, unknown> | undefined) ?? {}), frame0: { type: 'image', url: image } };
      // The video stage has its own budget of create attempts: the keyframe's do not count against it.
      return { lumaRequest: { ...video, keyframes }, luma: { ...d.luma, lumaState: 'completed', polls: 0, submitAttempts: 0 } };
    },
  });
  return moved.applied ? moved.doc : null;
}

/** Task "poll": the safety net under the webhook (callbacks get lost on cold starts). */
export async function onPollTask(ports: Ports, payload: TaskPayload): Promise<void> {
  const ref = { uid: payload.uid, requestId: payload.requestId };
  const stage = stageOf(payload.stage);
  const spec = STAGES[stage];
  const doc = await readRequest(ports, ref);
  if (!doc || doc.state !== spec.waiting) return;
  // Cancel (issue #9): the poll chain is the safety net of a cancel too (Luma's DELETE, retried until it answers).
  if (doc.cancelRequested) return settleCancel(ports, ref);
  const generationId = spec.generationId(doc);
  if (!generationId) return;

  let generation: Generation;
  try {
    generation = await ports.luma.getGeneration(generationId);
  } catch (e) {
    if (isLumaError(e) && e.kind === 'not_found') {
      await transition(ports, ref, {
        from: [spec.waiting],
        // Deleted by a cancel that is finishing: not a failure.
        when: notCancelling,
        to: 'failed',
        by: 'luma',
        reason: 'generation vanished from Luma',
        error: errorInfo('LUMA_GENERATION_FAILED', 'Luma no longer knows this generation.'),
      });
      return;
    }
    if (isLumaError(e) && e.retryable) throw new RetryLaterError(`polling Luma failed (${e.kind})`, e.retryAfterMs);
    throw e;
  }

  const attempt = payload.attempt ?? 0;
  const after = await applyGeneration(ports, ref, stage, generation, doc);
  if (generation.state !== 'queued' && generation.state !== 'dreaming') return;
  if (!after) return; // the request moved on meanwhile
  // The chain costs no write: the next poll's task id follows from this one's, so duplicate deliveries of a
  // poll enqueue the same task and the queue drops the twin. Only a keep-alive is written now and then, so
  // the sweeper does not take a long generation's quiet request for a lost one and start a second chain.
  const next = attempt + 1;
  if (ports.clock.now() - Date.parse(after.updatedAt) >= ports.config.rekickAfterMs / 2) {
    await updateRequestIf(ports, ref, { states: [spec.waiting] }, (d) => ({ luma: { ...d.luma, polls: Math.max(d.luma.polls ?? 0, next), lastCheckedAt: ports.clock.now() } }));
  }
  if (next > ports.config.maxPolls) {
    await transition(ports, ref, {
      from: [spec.waiting],
      when: notCancelling,
      to: 'failed',
      by: 'system',
      reason: 'Luma took too long',
      error: errorInfo('TIMEOUT', `Luma did not finish after ${ports.config.maxPolls} checks.`),
    });
    return;
  }
  ports.log.debug({ ...ref, stage, attempt: next }, logs.pollScheduled);
  await ensureNextStep(ports, after, { poll: { attempt: next, chain: payload.chain } });
}

/**
 * Luma's callback. Authenticated by the per-request token; the body only tells us which generation to
 * re-read. Always answers quickly; anything we cannot use is acknowledged (200) so Luma stops retrying,
 * except a bad token (403).
 */
export async function onLumaWebhook(ports: Ports, input: WebhookInput): Promise<WebhookResult> {
  const ref = { uid: input.uid, requestId: input.requestId };
  if (!verifyWebhookToken(ports.config.webhookSecret, input.uid, input.requestId, input.token)) {
    ports.log.warn({ ...ref }, logs.webhookForged);
    return { status: 403, body: { error: { code: 'FORBIDDEN', message: 'The callback token is not valid.' } } };
  }
  const claimedId = typeof (input.body as { id?: unknown })?.id === 'string' ? (input.body as { id: string }).id : undefined;
  const doc = await readRequest(ports, ref);
  if (!doc || !claimedId) return { status: 200, body: { ignored: true } };
  if (doc.cancelRequested) {
    // Cancel (issue #9): being cancelled; a callback only helps finish it (Luma's DELETE), never moves it on.
    await settleCancel(ports, ref).catch((e: unknown) => ports.log.warn({ ...ref, err: String(e) }, logs.cancelDeferred));
    return { status: 200, body: { state: (await readRequest(ports, ref))?.state ?? doc.state } };
  }
  const stage: Stage | null =
    claimedId === doc.luma.generationId ? 'video' : claimedId === doc.luma.keyframeGenerationId ? 'keyframe' : null;
  if (!stage) {
    // A callback can beat the create's own answer; the submit step or the poller will pick it up.
    ports.log.info({ ...ref, generationId: claimedId, state: doc.state }, logs.webhookIgnored);
    return { status: 200, body: { ignored: true } };
  }
  let generation: Generation;
  try {
    generation = await ports.luma.getGeneration(claimedId);
  } catch (e) {
    // Luma retries a non-200 only 3 times in 300 ms; the poller is the real backup, so acknowledge.
    return { status: 200, body: { deferred: true, reason: isLumaError(e) ? e.kind : 'error' } };
  }
  const after = await applyGeneration(ports, ref, stage, generation, doc);
  return { status: 200, body: { state: after?.state ?? doc.state } };
}
