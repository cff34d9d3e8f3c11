/**
 * raw.mp4 finalized → validate, compress, poster, encrypt, upload, (post). The loop guard runs first and on
 * the raw event alone — no port, no Firestore, no ffmpeg — because this trigger sees every object written to
 * the bucket, the pipeline's own outputs included.
 *
 * Sizing: ffmpeg (libx264) is CPU-bound and wants the whole machine: cpu 2 / 2 GiB (ffmpeg's frame buffers
 * plus the scratch files in /tmp, which is memory-backed in Cloud Functions), concurrency 1 so one video never
 * competes with another, the 540 s maximum for event functions (a 9 s 4k clip transcodes in well under
 * that on 2 vCPU), and maxInstances 10 to bound cost and the load on Storage. `retry: true`: the core throws
 * only for transient failures and counts its own attempts.
 */
import { onObjectFinalized } from 'firebase-functions/v2/storage';
import { PROCESSING_SECRETS, REGION } from '../config';
import { shouldProcessObject, stringMetadata } from '../guards';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

export const onRawVideoFinalized = onObjectFinalized(
  {
    region: REGION,
    memory: '2GiB',
    cpu: 2,
    concurrency: 1,
    timeoutSeconds: 540,
    maxInstances: 10,
    retry: true,
    secrets: PROCESSING_SECRETS,
  },
  async (event) => {
    const obj = event.data;
    const decision = shouldProcessObject(obj);
    if (!decision.process) {
      runtimeLogger().debug({ path: obj.name, bucket: obj.bucket, reason: decision.reason }, logs.objectIgnored);
      return;
    }
    const { getHandlers } = await import('../pipeline');
    await getHandlers().onObjectFinalized({
      path: obj.name,
      contentType: obj.contentType ?? 'application/octet-stream',
      size: Number(obj.size ?? 0),
      custom: stringMetadata(obj.metadata),
      generation: String(obj.generation ?? ''),
    });
  },
);
