import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blobPaths, docPaths, type VideoRequest } from '@d2v/schema';
import { isLumaError } from '@d2v/luma';
import { errorInfo, isMediaValidationError } from '../errors';
import { newOwnerId } from '../ids';
import { logs } from '../logs';
import { RetryLaterError, type Ports, type TaskPayload } from '../ports';
import { leaseIsLive, readRequest, updateRequestIf, type RequestRef } from '../request-doc';
import { transition } from '../transition';

/**
 * Task "download": streams Luma's finished video into Storage as raw.mp4. Luma's asset URLs are short-lived
 * and undocumented in lifetime, so every attempt re-reads the generation for a fresh URL. Storing raw.mp4
 * is what starts processing (Storage finalize / the local blob trigger).
 */
export async function onDownloadTask(ports: Ports, payload: TaskPayload): Promise<void> {
  const ref = { uid: payload.uid, requestId: payload.requestId };
  const log = ports.log.child({ ...ref });
  const owner = newOwnerId();
  const current = await readRequest(ports, ref);
  if (!current || current.state !== 'downloading') return;
  if (leaseIsLive(current.lease, ports.clock.now())) throw new RetryLaterError('another worker is downloading');
  const doc = await updateRequestIf(ports, ref, { states: ['downloading'] }, (d) =>
    leaseIsLive(d.lease, ports.clock.now())
      ? {}
      : {
          lease: { step: 'download', owner, until: ports.clock.now() + ports.config.stepLeaseMs },
          downloadAttempts: (d.downloadAttempts ?? 0) + 1,
        },
  );
  if (!doc || doc.lease?.owner !== owner) return;
  if ((doc.downloadAttempts ?? 0) > ports.config.maxDownloadAttempts) {
    await transition(ports, ref, {
      from: ['downloading'], to: 'failed', by: 'system', reason: 'download attempts exhausted', leaseOwner: owner, lease: null,
      error: errorInfo('DOWNLOAD_FAILED', undefined, `gave up after ${ports.config.maxDownloadAttempts} attempts`),
    });
    return;
  }
  if (doc.shots?.length) {
    await assembleShots(ports, ref, doc, owner);
    return;
  }
  const generationId = doc.luma.generationId;
  if (!generationId) throw new Error('downloading without a generation id');

  try {
    const generation = await ports.luma.getGeneration(generationId);
    const url = generation.assets?.video;
    if (!url) throw new RetryLaterError('Luma reports no video asset yet');
    log.info({ generationId }, logs.downloadStarted);
    const res = await fetch(url, { signal: AbortSignal.timeout(ports.config.downloadTimeoutMs), redirect: 'follow' });
    if (!res.ok || !res.body) throw new RetryLaterError(`asset download answered ${res.status}`);
    const info = await ports.blobs.upload(
      blobPaths.rawVideo(ref.uid, ref.requestId),
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
      { contentType: 'video/mp4', custom: { requestId: ref.requestId, generationId, source: 'luma' } },
    );
    log.info({ bytes: info.size }, logs.downloadDone);
  } catch (e) {
    log.warn({ err: String(e) }, logs.downloadFailed);
    // Free the lease so the retry does not wait for it to expire.
    await updateRequestIf(ports, ref, { states: ['downloading'], leaseOwner: owner }, () => ({ lease: null }));
    if (e instanceof RetryLaterError) throw e;
    if (isLumaError(e) && !e.retryable) {
      await transition(ports, ref, {
        from: ['downloading'], to: 'failed', by: 'system', reason: 'Luma refused to return the generation',
        error: errorInfo('DOWNLOAD_FAILED', undefined, e.detail ?? e.message),
      });
      return;
    }
    throw new RetryLaterError(`download failed: ${String(e)}`);
  }
}

/**
 * "Create Script": the parent's "download" joins its shots. Each shot's encrypted video is decrypted to a temp
 * file, cut to its scene's length and concatenated with ffmpeg; the result is stored as the parent's raw.mp4,
 * which starts the usual processing (compress, encrypt, post). The shots' own files are then removed; their
 * documents stay (with their transition logs) but they are never posted.
 */
async function assembleShots(ports: Ports, ref: RequestRef, doc: VideoRequest, owner: string): Promise<void> {
  const log = ports.log.child({ ...ref });
  const shots = doc.shots!;
  const fail = async (reason: string, message: string): Promise<void> => {
    await transition(ports, ref, {
      from: ['downloading'], to: 'failed', by: 'system', reason, leaseOwner: owner, lease: null,
      error: errorInfo('MEDIA_PROCESSING_FAILED', message),
    });
  };
  const concat = ports.media.concat?.bind(ports.media);
  if (!concat) {
    await fail('cannot join shots', 'This runtime cannot join the shots of a script video.');
    return;
  }
  const children: VideoRequest[] = [];
  for (const shot of shots) {
    const child = (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, shot.requestId)))?.data;
    if (!child?.outputs) {
      await fail('shot video missing', `Shot ${shot.n} has no video to join.`);
      return;
    }
    children.push(child);
  }

  const work = await mkdtemp(join(ports.tmpDir, `d2v-${ref.requestId}-join-`));
  try {
    log.info({ shots: shots.length }, logs.assemblyStarted);
    const inputs: { file: string; durationMs: number }[] = [];
    for (const [i, child] of children.entries()) {
      const file = join(work, `shot-${shots[i]!.n}.mp4`);
      await pipeline(ports.media.decrypt(ports.blobs.download(child.outputs!.videoPath), child.outputs!.encryption), createWriteStream(file));
      inputs.push({ file, durationMs: shots[i]!.durationMs });
    }
    const joined = join(work, 'raw.mp4');
    const probe = await concat(inputs, joined);
    const info = await ports.blobs.uploadFile(blobPaths.rawVideo(ref.uid, ref.requestId), joined, {
      contentType: 'video/mp4',
      custom: { requestId: ref.requestId, source: 'script', shots: String(shots.length) },
    });
    log.info({ bytes: info.size, durationMs: probe.durationMs }, logs.assemblyDone);
  } catch (e) {
    log.warn({ err: String(e) }, logs.downloadFailed);
    if (isMediaValidationError(e)) {
      await fail('shots could not be joined', e.message);
      return;
    }
    await updateRequestIf(ports, ref, { states: ['downloading'], leaseOwner: owner }, () => ({ lease: null }));
    throw e instanceof RetryLaterError ? e : new RetryLaterError(`joining shots failed: ${String(e)}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  // The clips live on only inside the joined video (best effort: a leftover is swept with the request).
  for (const child of children) {
    for (const path of [child.outputs!.videoPath, child.outputs!.posterPath]) {
      await ports.blobs.delete(path).catch((err: unknown) => log.warn({ path, err: String(err) }, logs.cleanupFailed));
    }
  }
}
