import { Readable } from 'node:stream';
import { blobPaths, type VideoRequest } from '@d2v/schema';
import { isLumaError } from '@d2v/luma';
import { errorInfo } from '../errors';
import { acquireLease, heldLease, newLease, newLeaseOwner, releaseLease, withLease, type LeaseClaim } from '../lease';
import { logs } from '../logs';
import type { HeldLease, Ports, TaskPayload } from '../ports';
import { updateRequestIf, type RequestRef } from '../request-doc';
import { assembleShots, ShotsNotJoinableError } from '../multi-shot/assemble';
import { transition } from '../transition';
import { notCancelling } from './cancel';
import { enqueueProcessing, followUpWhenLeaseEnds, retryStepLater } from './next-step';

/**
 * Task "download": streams Luma's finished video into Storage as raw.mp4 (a script video joins its shots instead).
 * Storing raw.mp4 is what starts processing (Storage finalize / the local blob trigger).
 *
 * The video is paid for, so nothing of ours ends this step but success: every try re-reads the generation for a
 * fresh asset URL (Luma's are short-lived), a failed try schedules the next one with a doubling backoff (its own
 * named task, so the queue's retry budget never runs out on it), and only Luma saying the generation is gone fails
 * the request — with LUMA_VIDEO_GONE, whose retry looks again and never creates (bills) again.
 */
export async function onDownloadTask(ports: Ports, payload: TaskPayload): Promise<void> {
  const ref = { uid: payload.uid, requestId: payload.requestId };
  const claim = await claimDownload(ports, ref);
  if (claim.kind === 'done') return;
  if (claim.kind === 'busy') {
    ports.log.child({ ...ref }).info({ step: 'download', leaseUntil: claim.lease.until }, logs.leaseBusy);
    await followUpWhenLeaseEnds(ports, 'download', ref, claim.lease);
    return;
  }
  const { doc, held } = claim;
  await withLease(ports, held, async () => {
    if (await rawVideoStored(ports, ref, doc)) {
      // An earlier try stored it and died before processing took over: process what is there.
      ports.log.child({ ...ref }).info({}, logs.downloadReused);
      await releaseLease(ports, held);
      await enqueueProcessing(ports, doc);
      return;
    }
    try {
      if (doc.shots?.length) await assembleShots(ports, ref, doc, held.owner);
      else await fetchFromLuma(ports, ref, doc, held);
    } catch (e) {
      if (e instanceof VideoGoneError) return failGone(ports, ref, held, e.message);
      if (e instanceof ShotsNotJoinableError) return failNotJoinable(ports, ref, held, e);
      await tryAgainLater(ports, ref, doc, held, e);
    }
  });
}

/**
 * Takes the download lease. A request still `dreaming` (Luma finished; generation.ts enqueued this task) moves to
 * `downloading` with the lease in one write — the completion and the claim are one commit, not two. A request
 * already `downloading` (a script video's joined shots, a retry, a crash) takes the lease unless a live one is there.
 */
async function claimDownload(ports: Ports, ref: RequestRef): Promise<LeaseClaim> {
  const owner = newLeaseOwner(ports);
  const moved = await transition(ports, ref, {
    from: ['dreaming'],
    // Cancel (issue #9): a request being cancelled is not moved on; a script video's shots move it themselves.
    when: (d) => notCancelling(d) && !d.shots?.length,
    to: 'downloading',
    by: 'luma',
    reason: 'Luma finished the video',
    lease: newLease(ports, 'download', owner),
    patch: (d) => ({ downloadAttempts: (d.downloadAttempts ?? 0) + 1, luma: { ...d.luma, lumaState: 'completed' } }),
  });
  if (moved.applied) return { kind: 'held', doc: moved.doc, held: heldLease(ref, owner, 'download', ['downloading']) };
  if (moved.doc?.state !== 'downloading') return { kind: 'done', doc: moved.doc };
  return acquireLease(ports, ref, {
    step: 'download',
    states: ['downloading'],
    patch: (d) => ({ downloadAttempts: (d.downloadAttempts ?? 0) + 1 }),
  });
}

class VideoGoneError extends Error {}

/** Asset answers that mean "not this link": expired or forbidden (403), not there (404), gone (410). */
const ASSET_UNAVAILABLE = [403, 404, 410];
/**
 * Tries whose fresh link from Luma still led nowhere, before Luma is taken at its word that the video is gone. A
 * fresh URL is asked for on every try, so this many in a row means Luma has no working link left to give.
 */
const MAX_UNAVAILABLE_ASSET_TRIES = 3;

async function countUnavailableAsset(ports: Ports, ref: RequestRef, held: HeldLease, generationId: string, status: number): Promise<void> {
  const doc = await updateRequestIf(ports, ref, { states: ['downloading'], leaseOwner: held.owner }, (d) => ({
    luma: { ...d.luma, unavailableAssetTries: (d.luma.unavailableAssetTries ?? 0) + 1 },
  }));
  const tries = doc?.luma.unavailableAssetTries ?? 0;
  if (tries >= MAX_UNAVAILABLE_ASSET_TRIES) {
    throw new VideoGoneError(`Luma's links to generation ${generationId} answered ${status} on ${tries} tries, each with a fresh link.`);
  }
}

/** raw.mp4 already stored for this very generation (or, for a script video, joined from its shots). */
async function rawVideoStored(ports: Ports, ref: RequestRef, doc: VideoRequest): Promise<boolean> {
  const info = await ports.blobs.stat(blobPaths.rawVideo(ref.uid, ref.requestId));
  if (!info) return false;
  return doc.shots?.length ? info.custom?.source === 'script' : info.custom?.generationId === doc.luma.generationId;
}

async function fetchFromLuma(ports: Ports, ref: RequestRef, doc: VideoRequest, held: HeldLease): Promise<void> {
  const log = ports.log.child({ ...ref });
  const generationId = doc.luma.generationId;
  if (!generationId) throw new VideoGoneError('The request has no Luma generation to fetch.');
  let generation;
  try {
    generation = await ports.luma.getGeneration(generationId);
  } catch (e) {
    if (isLumaError(e) && e.kind === 'not_found') throw new VideoGoneError(`Luma answered that generation ${generationId} does not exist.`);
    throw e;
  }
  if (generation.state === 'failed') throw new VideoGoneError(`Luma reports generation ${generationId} as failed: ${generation.failure_reason ?? 'no reason given'}.`);
  const url = generation.assets?.video;
  if (!url) throw new Error('Luma reports no video asset yet');
  log.info({ generationId, attempt: doc.downloadAttempts }, logs.downloadStarted);
  const res = await fetch(url, { signal: AbortSignal.timeout(ports.config.downloadTimeoutMs), redirect: 'follow' });
  if (ASSET_UNAVAILABLE.includes(res.status)) {
    await res.body?.cancel().catch(() => undefined);
    await countUnavailableAsset(ports, ref, held, generationId, res.status);
  }
  if (!res.ok || !res.body) throw new Error(`asset download answered ${res.status}`);
  const info = await ports.blobs.upload(
    blobPaths.rawVideo(ref.uid, ref.requestId),
    Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
    { contentType: 'video/mp4', custom: { requestId: ref.requestId, generationId, source: 'luma' } },
  );
  // The lease stays until processing's claim (downloading → processing) replaces it: one write fewer.
  log.info({ bytes: info.size, lease: held.owner }, logs.downloadDone);
}

/** Gives the lease back and schedules the next try (a fresh URL each time) after a doubling backoff. */
async function tryAgainLater(ports: Ports, ref: RequestRef, doc: VideoRequest, held: HeldLease, e: unknown): Promise<void> {
  const attempt = doc.downloadAttempts ?? 1;
  const { downloadRetryMinSeconds: min, downloadRetryMaxSeconds: max } = ports.config;
  const wait = isLumaError(e) && e.retryAfterMs !== undefined ? e.retryAfterMs / 1000 : min * 2 ** Math.min(attempt - 1, 20);
  const delaySeconds = Math.min(max, Math.max(min, wait));
  ports.log.child({ ...ref }).warn({ err: String(e), attempt, retryInSeconds: delaySeconds }, logs.downloadRetryScheduled);
  await releaseLease(ports, held);
  await retryStepLater(ports, 'download', ref, [doc.transitionCount, attempt], delaySeconds);
}

async function failGone(ports: Ports, ref: RequestRef, held: HeldLease, detail: string): Promise<void> {
  ports.log.child({ ...ref }).warn({ detail }, logs.videoGone);
  await transition(ports, ref, {
    from: ['downloading'], to: 'failed', by: 'luma', reason: 'Luma no longer has the finished video', leaseOwner: held.owner, lease: null,
    error: errorInfo('LUMA_VIDEO_GONE', undefined, detail),
  });
}

async function failNotJoinable(ports: Ports, ref: RequestRef, held: HeldLease, e: ShotsNotJoinableError): Promise<void> {
  await transition(ports, ref, {
    from: ['downloading'], to: 'failed', by: 'system', reason: e.reason, leaseOwner: held.owner, lease: null,
    error: errorInfo('MEDIA_PROCESSING_FAILED', e.message),
  });
}
