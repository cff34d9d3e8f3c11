import { Readable } from 'node:stream';
import { blobPaths } from '@d2v/schema';
import { isLumaError } from '@d2v/luma';
import { errorInfo } from '../errors';
import { newOwnerId } from '../ids';
import { logs } from '../logs';
import { RetryLaterError, type Ports, type TaskPayload } from '../ports';
import { leaseIsLive, readRequest, updateRequestIf } from '../request-doc';
import { assembleShots } from '../multi-shot/assemble';
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
