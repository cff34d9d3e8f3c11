import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { blobPaths, parseRawVideoPath, PIPELINE_METADATA_KEY, type VideoOutputs } from '@d2v/schema';
import { errorInfo, isMediaValidationError } from '../errors';
import type { ObjectFinalizedEvent } from '../handlers';
import { newOwnerId } from '../ids';
import { logs } from '../logs';
import { RetryLaterError, type Ports } from '../ports';
import { leaseIsLive, progressWorthWriting, readRequest, updateRequestIf, type RequestRef } from '../request-doc';
import { transition } from '../transition';
import { postTransition } from './posting';
import type { ErrorCode } from '@d2v/schema';

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
  const ref = parseRawVideoPath(event.path)!;
  const log = ports.log.child({ ...ref });
  const owner = newOwnerId();
  if (!(await claimProcessing(ports, ref, owner))) {
    await removeRawOfStoppedRequest(ports, ref, event.path);
    return;
  }

  const work = await mkdtemp(join(ports.tmpDir, `d2v-${ref.requestId}-`));
  const uploaded: string[] = [];
  try {
    log.info({ bytes: event.size }, logs.processingStarted);
    const rawFile = join(work, 'raw.mp4');
    const compressedFile = join(work, 'video.mp4');
    const posterFile = join(work, 'poster.jpg');
    await ports.blobs.downloadToFile(event.path, rawFile);
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
      // An auto-post is posted in the same commit (one request write instead of two).
      then: (ready) => (ready.options.autoPost ? postTransition(ports, ref, { by: 'system', reason: 'auto-post requested with the draft' }) : undefined),
    });
    if (!moved.applied) {
      // Deleted (or taken over) while we worked: what we uploaded belongs to nobody.
      await removeQuietly(ports, uploaded);
      await removeRawOfStoppedRequest(ports, ref, event.path);
      return;
    }
    uploaded.length = 0;
    log.info({ bytes: outputs.bytes, rawBytes: outputs.rawBytes }, logs.processingDone);
    // Plaintext must not outlive processing (videos at rest are encrypted).
    await removeQuietly(ports, [event.path]);
    if (moved.doc.state === 'posted') log.info({ postId: moved.doc.postId }, logs.posted);
  } catch (e) {
    await removeQuietly(ports, uploaded);
    await handleProcessingError(ports, ref, owner, e);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function claimProcessing(ports: Ports, ref: RequestRef, owner: string): Promise<boolean> {
  const lease = () => ({ step: 'process', owner, until: ports.clock.now() + ports.config.stepLeaseMs });
  const current = await readRequest(ports, ref);
  if (!current) return false;
  if (current.state === 'downloading') {
    const moved = await transition(ports, ref, {
      from: ['downloading'], to: 'processing', by: 'system', reason: 'raw video stored', lease: lease(),
      patch: (d) => ({ processAttempts: (d.processAttempts ?? 0) + 1 }),
    });
    if (moved.applied) return true;
  }
  const again = await readRequest(ports, ref);
  if (!again || again.state !== 'processing') return false;
  if (leaseIsLive(again.lease, ports.clock.now())) throw new RetryLaterError('another worker is processing this video');
  if ((again.processAttempts ?? 0) >= ports.config.maxProcessAttempts) {
    await transition(ports, ref, {
      from: ['processing'], to: 'failed', by: 'system', reason: 'processing attempts exhausted',
      error: errorInfo('MEDIA_PROCESSING_FAILED', undefined, `gave up after ${again.processAttempts} attempts`),
    });
    return false;
  }
  const taken = await updateRequestIf(ports, ref, { states: ['processing'] }, (d) =>
    leaseIsLive(d.lease, ports.clock.now()) ? {} : { lease: lease(), processAttempts: (d.processAttempts ?? 0) + 1 },
  );
  return taken?.lease?.owner === owner;
}

async function handleProcessingError(ports: Ports, ref: RequestRef, owner: string, e: unknown): Promise<void> {
  const log = ports.log.child({ ...ref });
  log.warn({ err: String(e), code: (e as { code?: string }).code }, logs.processingFailed);
  if (isMediaValidationError(e)) {
    await transition(ports, ref, {
      from: ['processing'], to: 'failed', by: 'system', reason: 'raw video refused by validation', leaseOwner: owner, lease: null,
      error: errorInfo(e.code as ErrorCode, e.message),
    });
    return;
  }
  await updateRequestIf(ports, ref, { states: ['processing'], leaseOwner: owner }, () => ({ lease: null }));
  throw e instanceof RetryLaterError ? e : new RetryLaterError(`processing failed: ${String(e)}`);
}

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
