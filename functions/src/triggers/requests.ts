/**
 * Firestore triggers on `users/{uid}/videoRequests/{requestId}`: creation starts the pipeline, updates carry
 * the person's actions (save/post/delete/retry/cancel); and on `users/{uid}/scriptRequests/{requestId}` (Create Script). `retry: true`: a thrown error means "deliver again" (the core
 * throws only for transient failures; duplicates are harmless because every step is a guarded transition).
 *
 * Sizing: they read a draft, write a transaction and enqueue one task — 512 MiB and 120 s are plenty;
 * concurrency 40 per instance (I/O bound), maxInstances 50 caps Firestore write fan-out in a spike.
 */
import { onDocumentCreated, onDocumentUpdated } from 'firebase-functions/v2/firestore';
import { docPatterns } from '@d2v/schema';
import { PIPELINE_SECRETS, REGION } from '../config';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

const options = {
  document: docPatterns.videoRequest,
  region: REGION,
  retry: true,
  memory: '512MiB' as const,
  cpu: 1,
  concurrency: 40,
  timeoutSeconds: 120,
  maxInstances: 50,
  secrets: PIPELINE_SECRETS,
};

export const onVideoRequestCreated = onDocumentCreated(options, async (event) => {
  const { uid, requestId } = event.params;
  if (!event.data) {
    runtimeLogger().warn({ uid, requestId, eventId: event.id }, logs.eventWithoutData);
    return;
  }
  const { getHandlers, toDocData } = await import('../pipeline');
  await getHandlers().onRequestCreated({ uid, requestId, data: toDocData(event.data.data()) });
});

export const onVideoRequestUpdated = onDocumentUpdated(options, async (event) => {
  const { uid, requestId } = event.params;
  if (!event.data) {
    runtimeLogger().warn({ uid, requestId, eventId: event.id }, logs.eventWithoutData);
    return;
  }
  const { getHandlers, toDocData } = await import('../pipeline');
  const { before, after } = event.data;
  await getHandlers().onRequestUpdated({
    uid,
    requestId,
    before: before?.exists ? toDocData(before.data()) : null,
    after: after?.exists ? toDocData(after.data()) : null,
  });
});

/** "Create Script": builds the shot script from the draft (no Luma call, so no secrets beyond the pipeline's). */
export const onScriptRequestCreated = onDocumentCreated({ ...options, document: docPatterns.scriptRequest }, async (event) => {
  const { uid, requestId } = event.params;
  if (!event.data) {
    runtimeLogger().warn({ uid, requestId, eventId: event.id }, logs.eventWithoutData);
    return;
  }
  const { getHandlers, toDocData } = await import('../pipeline');
  await getHandlers().onScriptRequestCreated({ uid, requestId, data: toDocData(event.data.data()) });
});
