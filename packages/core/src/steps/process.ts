import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { blobPaths, parseRawVideoPath, PIPELINE_METADATA_KEY, type ErrorCode, type VideoOutputs, type VideoRequest, type VideoState } from '@d2v/schema';
import { errorInfo, isMediaFailure, isMediaValidationError } from '../errors';
import type { ObjectFinalizedEvent } from '../handlers';
import {
  acquireLease,
  heldLease,
  leaseIsLive,
  LeaseLostError,
  newLease,
  newLeaseOwner,
  renewLease,
  withLease,
  type LeaseClaim,
} from '../lease';
import { logs } from '../logs';
import { RetryLaterError, type HeldLease, type Ports, type TaskPayload } from '../ports';
import { progressWorthWriting, readRequest, updateRequestIf, type RequestRef } from '../request-doc';
import { transition } from '../transition';
import { ensureNextStep, followUpWhenLeaseEnds } from './next-step';
import { postTransition, postVideo } from './posting';

const PROCESSING_PROGRESS = { start: 0.75, compressed: 0.9, end: 0.98 };

/**
 * Loop guard of the Storage trigger: only a raw Luma download starts processing; everything the pipeline
 * writes itself carries `d2vGenerated=true` and lives at other paths.
 */
export function shouldProcessObject(event: Pick<ObjectFinalizedEvent, 'path' | 'custom'>): boolean {
  if (event.custom?.[PIPELINE_METADATA_KEY] === 'true') return false;
  return parseRawVideoPath(event.path) !== null;
}

const GENERATED = { [PIPELINE_METADATA_KEY]: 'true' };

/** raw.mp4 stored → validate, compress, poster, encrypt, upload; then `ready` (and `posted` with autoPost). */
export async function onObjectFinalized(ports: Ports, event: ObjectFinalizedEvent): Promise<void> {
  if (!shouldProcessObject(event)) {
    ports.log.debug({ path: event.path }, logs.objectIgnored);
    return;
  }
  await processRawVideo(ports, parseRawVideoPath(event.path)!, event.path, event.size);
}

/**
 * Task "process": the same processing, re-driven from the stored raw.mp4 when the Storage trigger's run was lost
 * (its worker died and its retries ran out, the sweeper found the request stuck, a download found raw.mp4 there).
 */
export async function onProcessTask(ports: Ports, payload: TaskPayload): Promise<void> {
  const ref = { uid: payload.uid, requestId: payload.requestId };
  const doc = await readRequest(ports, ref);
  const path = blobPaths.rawVideo(ref.uid, ref.requestId);
  if (doc && AFTER_READY.includes(doc.state)) return finishAfterReady(ports, ref, path, doc);
  if (!doc || (doc.state !== 'downloading' && doc.state !== 'processing')) return;
  const raw = await ports.blobs.stat(path);
  if (!raw) return rawVideoMissing(ports, ref, doc);
  ports.log.child({ ...ref }).info({ state: doc.state }, logs.processRedriven);
  await processRawVideo(ports, ref, path, raw.size);
}

async function processRawVideo(ports: Ports, ref: RequestRef, rawPath: string, size: number): Promise<void> {
  const claim = await claimProcessing(ports, ref);
  if (claim.kind === 'done') {
    // A redelivery after the run that made the video died or failed before its follow-ups: finish them.
    if (claim.doc && AFTER_READY.includes(claim.doc.state)) await finishAfterReady(ports, ref, rawPath, claim.doc);
    else await removeRawOfStoppedRequest(ports, ref, rawPath);
    return;
  }
  if (claim.kind === 'busy') {
    ports.log.child({ ...ref }).info({ step: 'process', leaseUntil: claim.lease.until }, logs.leaseBusy);
    await followUpWhenLeaseEnds(ports, 'process', ref, claim.lease);
    return;
  }
  const ready = await withLease(ports, claim.held, () => processHoldingLease(ports, ref, rawPath, size, claim.held));
  if (ready) await finishAfterReady(ports, ref, rawPath, ready);
}

const AFTER_READY: readonly VideoState[] = ['ready', 'posted'];

/**
 * What follows `ready`, repeatable until it succeeds (a failure throws, the trigger or task is delivered again and
 * ends here): the plaintext raw.mp4 is removed (videos at rest are encrypted), so are a script video's clips, and a
 * video asked to be posted is posted (its post is written with `ready → posted`, once).
 */
async function finishAfterReady(ports: Ports, ref: RequestRef, rawPath: string, doc: VideoRequest): Promise<void> {
  await ports.blobs.delete(rawPath);
  for (const shot of doc.shots ?? []) {
    await ports.blobs.delete(blobPaths.encryptedVideo(ref.uid, shot.requestId));
    await ports.blobs.delete(blobPaths.poster(ref.uid, shot.requestId));
  }
  if (doc.state === 'ready' && doc.options.autoPost) await postVideo(ports, ref, { by: 'system', reason: 'auto-post requested with the draft' });
}

/** Makes the outputs and moves the request to `ready`; returns it then, or null when this run's work was not kept. */
async function processHoldingLease(ports: Ports, ref: RequestRef, rawPath: string, size: number, held: HeldLease): Promise<VideoRequest | null> {
  const log = ports.log.child({ ...ref });
  const owner = held.owner;
  const work = await mkdtemp(join(ports.tmpDir, `d2v-${ref.requestId}-`));
  const uploaded: string[] = [];
  try {
    log.info({ bytes: size }, logs.processingStarted);
    const rawFile = join(work, 'raw.mp4');
    const compressedFile = join(work, 'video.mp4');
    const posterFile = join(work, 'poster.jpg');
    await ports.blobs.downloadToFile(rawPath, rawFile);
    const rawProbe = await ports.media.validate(rawFile);

    // Progress writes are throttled (each is a document write): at most one per progressMinIntervalMs since the
    // request's last write (the claim just wrote it), and only when the bar moved by progressMinStep.
    let written = { progress: PROCESSING_PROGRESS.start, updatedAt: new Date(ports.clock.now()).toISOString() };
    const compressed = await ports.media.compress(rawFile, compressedFile, (fraction) => {
      const progress = PROCESSING_PROGRESS.start + (PROCESSING_PROGRESS.compressed - PROCESSING_PROGRESS.start) * fraction;
      if (!progressWorthWriting(ports, written, progress)) return;
      written = { progress, updatedAt: new Date(ports.clock.now()).toISOString() };
      void updateRequestIf(ports, ref, { states: ['processing'], leaseOwner: owner }, (d) => ({
        progress: Math.max(d.progress, progress),
      })).catch(() => undefined);
    });
    await ports.media.poster(compressedFile, posterFile);

    // Only the lease holder may write the outputs (two encryptions under different data keys must never mix): it
    // is still ours with at least two thirds of a lease left (renewed now if less, a write), or this run stops.
    if (!(await renewLease(ports, held, { unlessMoreThanMs: (ports.config.stepLeaseMs * 2) / 3 }))) throw new LeaseLostError(held);
    const posterPath = blobPaths.poster(ref.uid, ref.requestId);
    await ports.blobs.uploadFile(posterPath, posterFile, { contentType: 'image/jpeg', custom: { ...GENERATED, requestId: ref.requestId } });
    uploaded.push(posterPath);

    const videoPath = blobPaths.encryptedVideo(ref.uid, ref.requestId);
    const encryption = ports.media.encrypt(createReadStream(compressedFile));
    const [stored, enc] = await Promise.all([
      ports.blobs.upload(videoPath, encryption.stream, {
        contentType: 'application/octet-stream',
        custom: { ...GENERATED, requestId: ref.requestId, contentTypePlain: 'video/mp4' },
      }),
      encryption.result,
    ]);
    uploaded.push(videoPath);

    const outputs: VideoOutputs = {
      videoPath,
      posterPath,
      bytes: stored.size,
      rawBytes: rawProbe.bytes,
      durationMs: compressed.durationMs,
      width: compressed.width,
      height: compressed.height,
      encryption: {
        scheme: enc.scheme,
        keyId: enc.keyId,
        wrappedKey: enc.wrappedKey,
        segmentSize: enc.segmentSize,
        plaintextBytes: (await stat(compressedFile)).size,
      },
    };
    const moved = await transition(ports, ref, {
      from: ['processing'],
      to: 'ready',
      by: 'system',
      reason: 'video compressed, encrypted and stored',
      leaseOwner: owner,
      lease: null,
      patch: () => ({ outputs, progress: PROCESSING_PROGRESS.end }),
      // An auto-post is posted in the same commit (one request write instead of two); finishAfterReady posts
      // one that this commit did not (a redelivery after a crash between the two).
      then: (ready) => (ready.options.autoPost ? postTransition(ports, ref, { by: 'system', reason: 'auto-post requested with the draft' }) : undefined),
    });
    if (!moved.applied) {
      await removeUnusedOutputs(ports, ref, uploaded, moved.doc);
      await removeRawOfStoppedRequest(ports, ref, rawPath);
      return null;
    }
    uploaded.length = 0;
    log.info({ bytes: outputs.bytes, rawBytes: outputs.rawBytes }, logs.processingDone);
    if (moved.doc.state === 'posted') log.info({ postId: moved.doc.postId }, logs.posted);
    return moved.doc;
  } catch (e) {
    if (e instanceof LeaseLostError) {
      log.warn({ err: String(e) }, logs.processingFailed);
      return null;
    }
    await removeUnusedOutputs(ports, ref, uploaded);
    await handleProcessingError(ports, ref, owner, rawPath, e);
    return null;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** States in which a request's output files are someone's: never removed by a worker that lost its lease. */
const OUTPUTS_IN_USE: readonly VideoState[] = ['processing', 'ready', 'posted'];

/**
 * What a run uploaded is removed only when the request says nobody uses it (deleted, failed). Not while it is
 * processing (a retry overwrites the same paths, or another worker took over and they are its files now), and not
 * when it is ready: a commit reported as failed may have been applied (Firestore's ambiguous answer), and those
 * files are then the video.
 */
async function removeUnusedOutputs(ports: Ports, ref: RequestRef, uploaded: string[], known?: VideoRequest | null): Promise<void> {
  if (uploaded.length === 0) return;
  try {
    const doc = known === undefined ? await readRequest(ports, ref) : known;
    if (!doc || !OUTPUTS_IN_USE.includes(doc.state)) await removeQuietly(ports, uploaded);
  } catch (e) {
    ports.log.warn({ ...ref, err: String(e) }, logs.cleanupFailed);
  }
}

/**
 * Takes the processing lease: `downloading → processing` carries it (the first run); a run on a request already
 * `processing` (a retry, a crash, a re-drive) takes it unless another worker's live lease is there. Every claim
 * counts an attempt, except the takeover of a lease whose holder the runtime knows was killed: that attempt was
 * cut short by the kill, not by the video.
 */
async function claimProcessing(ports: Ports, ref: RequestRef): Promise<LeaseClaim> {
  const owner = newLeaseOwner(ports);
  const moved = await transition(ports, ref, {
    from: ['downloading'], to: 'processing', by: 'system', reason: 'raw video stored', lease: newLease(ports, 'process', owner),
    patch: (d) => ({ processAttempts: (d.processAttempts ?? 0) + 1 }),
  });
  if (moved.applied) return { kind: 'held', doc: moved.doc, held: heldLease(ref, owner, 'process', ['processing']) };
  if (moved.doc?.state !== 'processing') return { kind: 'done', doc: moved.doc };
  const claim = await acquireLease(ports, ref, {
    step: 'process',
    states: ['processing'],
    patch: (d, takeover) => ({ processAttempts: (d.processAttempts ?? 0) + (takeover.fromDead ? 0 : 1) }),
  });
  if (claim.kind === 'held' && (claim.doc.processAttempts ?? 0) > ports.config.maxProcessAttempts) {
    await transition(ports, ref, {
      from: ['processing'], to: 'failed', by: 'system', reason: 'processing attempts exhausted', leaseOwner: claim.held.owner, lease: null,
      error: errorInfo('MEDIA_PROCESSING_FAILED', undefined, `gave up after ${ports.config.maxProcessAttempts} attempts`),
    });
    return { kind: 'done', doc: null };
  }
  return claim;
}

/** A re-drive found no raw.mp4: before processing, fetch it; while processing (it was removed), fail retryably. */
async function rawVideoMissing(ports: Ports, ref: RequestRef, doc: VideoRequest): Promise<void> {
  ports.log.child({ ...ref }).warn({ state: doc.state }, logs.rawVideoMissing);
  if (doc.state === 'downloading') {
    await ensureNextStep(ports, doc, { rekick: 'raw-missing' });
    return;
  }
  if (leaseIsLive(ports, doc.lease)) return;
  await transition(ports, ref, {
    from: ['processing'], to: 'failed', by: 'system', reason: 'raw video missing', lease: null,
    error: errorInfo('MEDIA_PROCESSING_FAILED', 'The downloaded video was missing; trying again fetches it from Luma again.'),
  });
}

async function handleProcessingError(ports: Ports, ref: RequestRef, owner: string, rawPath: string, e: unknown): Promise<void> {
  const log = ports.log.child({ ...ref });
  log.warn({ err: String(e), code: (e as { code?: string }).code }, logs.processingFailed);
  if (isMediaValidationError(e)) {
    await transition(ports, ref, {
      from: ['processing'], to: 'failed', by: 'system', reason: 'raw video refused by validation', leaseOwner: owner, lease: null,
      error: errorInfo(e.code as ErrorCode, e.message),
    });
    // No retry can fix the file; plaintext does not stay at rest for nothing.
    await removeQuietly(ports, [rawPath]);
    return;
  }
  if (!isMediaFailure(e)) {
    await refundAttempt(ports, ref, owner);
  }
  // withLease gives the lease back as this throws; the trigger (or task) is delivered again.
  throw e instanceof RetryLaterError ? e : new RetryLaterError(`processing failed: ${String(e)}`);
}

/**
 * A store or the network failed, not the video: this attempt does not count against maxProcessAttempts. The refund
 * is itself a write to the same flaky store, so it is tried a few times: a refund lost to a transient fault would
 * otherwise make transient faults, not the video, exhaust the attempts.
 */
async function refundAttempt(ports: Ports, ref: RequestRef, owner: string): Promise<void> {
  for (let attempt = 0; attempt < REFUND_TRIES; attempt++) {
    try {
      await updateRequestIf(ports, ref, { states: ['processing'], leaseOwner: owner }, (d) => ({
        lease: null,
        processAttempts: Math.max(0, (d.processAttempts ?? 1) - 1),
      }));
      return;
    } catch (e) {
      ports.log.warn({ ...ref, err: String(e) }, logs.leaseReleaseFailed);
    }
  }
}
const REFUND_TRIES = 4;

/**
 * Cancel/delete (issue #9): a download that was still running when its request was cancelled or deleted stores
 * raw.mp4 after their clean-up; plaintext of a stopped request must not stay. (Taken over by another worker: kept.)
 */
async function removeRawOfStoppedRequest(ports: Ports, ref: RequestRef, rawPath: string): Promise<void> {
  const state = (await readRequest(ports, ref))?.state;
  if (state === 'cancelled' || state === 'deleted') await removeQuietly(ports, [rawPath]);
}

export async function removeQuietly(ports: Ports, paths: string[]): Promise<void> {
  for (const path of paths) {
    try {
      await ports.blobs.delete(path);
    } catch (err) {
      ports.log.warn({ path, err: String(err) }, logs.cleanupFailed);
    }
  }
}
