import type { Lease, VideoRequest } from '@d2v/schema';
import { stableId } from '../ids';
import type { Ports, TaskPayload, TaskQueueName } from '../ports';
import { checkShots } from '../multi-shot/await-shots';

/**
 * Enqueues the task that moves a request on from the state it is in. Task ids are derived from the request,
 * the state's position in the transition log and (for re-kicks) a time bucket, so calling this twice for the
 * same situation enqueues one task — Cloud Tasks and the local queue both drop named duplicates.
 */
export interface NextStepOptions {
  /** The sweeper's re-kick bucket: a fresh task id (and, for polls, a fresh chain). */
  rekick?: string;
  /** The poll that schedules the next one: its attempt number and chain (see onPollTask). */
  poll?: { attempt: number; chain?: string };
}

export async function ensureNextStep(ports: Ports, doc: VideoRequest, opts: NextStepOptions = {}): Promise<boolean> {
  const ref = { uid: doc.uid, requestId: doc.requestId };
  const episode = doc.transitionCount;
  const chain = opts.rekick ?? opts.poll?.chain;
  const id = (kind: string, ...extra: (string | number)[]) => `${kind}-${stableId(doc.requestId, kind, episode, ...extra, chain ?? '')}`;
  switch (doc.state) {
    case 'keyframe_queued':
      await ports.tasks.enqueue('submit', { ...ref, stage: 'keyframe' }, { id: id('submit', 'keyframe') });
      return true;
    case 'queued':
    case 'submitting':
      await ports.tasks.enqueue('submit', { ...ref, stage: 'video' }, { id: id('submit', 'video') });
      return true;
    case 'keyframe_dreaming':
    case 'dreaming': {
      // A "Create Script" video has no generation of its own: its shots work; re-check whether they are done.
      if (doc.shots?.length) {
        const moved = await checkShots(ports, ref);
        if (moved) await ensureNextStep(ports, moved);
        return true;
      }
      const stage = doc.state === 'dreaming' ? 'video' : 'keyframe';
      const attempt = opts.poll?.attempt ?? doc.luma?.polls ?? 0;
      await ports.tasks.enqueue(
        'poll',
        { ...ref, stage, attempt, ...(chain ? { chain } : {}) },
        { id: id('poll', stage, attempt), delaySeconds: opts.rekick ? 0 : ports.config.pollIntervalSeconds },
      );
      return true;
    }
    case 'downloading':
      await enqueueDownload(ports, doc, chain);
      return true;
    case 'processing':
      await enqueueProcessing(ports, doc, opts);
      return true;
    default:
      return false;
  }
}

/**
 * The download task of a request that is `downloading`, or `dreaming` with Luma's video finished (the task's claim
 * then makes the move). Named after the episode, so every report of one completion enqueues one task.
 */
export async function enqueueDownload(ports: Ports, doc: VideoRequest, chain?: string): Promise<void> {
  const id = `download-${stableId(doc.requestId, 'download', doc.transitionCount, chain ?? '')}`;
  await ports.tasks.enqueue('download', { uid: doc.uid, requestId: doc.requestId }, { id });
}

/**
 * Normally the Storage trigger of raw.mp4 drives processing; this task re-drives it when that run was lost (a
 * crash, the sweeper) or when a download finds raw.mp4 already stored by an earlier try.
 */
export async function enqueueProcessing(ports: Ports, doc: VideoRequest, opts: { rekick?: string } = {}): Promise<void> {
  const id = `process-${stableId(doc.requestId, 'process', doc.transitionCount, opts.rekick ?? '')}`;
  await ports.tasks.enqueue('process', { uid: doc.uid, requestId: doc.requestId }, { id });
}

/** Seconds added after a lease's expiry before the follow-up runs (clock skew between workers and the queue). */
const LEASE_END_MARGIN_MS = 1000;

/**
 * A delivery that met another worker's live lease is acknowledged, and one named follow-up task is scheduled for
 * when that lease ends: waiting spends none of the task's attempts (on Cloud Tasks a thrown error always would).
 * Deliveries meeting the same lease share the follow-up's id, so duplicates schedule it once. If the holder is
 * alive it renews the lease and finishes; the follow-up then finds nothing to do (or waits once more).
 */
export async function followUpWhenLeaseEnds(ports: Ports, queue: TaskQueueName, payload: TaskPayload, lease: Lease): Promise<void> {
  const waitMs = Math.min(Math.max(0, lease.until - ports.clock.now()), ports.config.stepLeaseMs) + LEASE_END_MARGIN_MS;
  await ports.tasks.enqueue(queue, payload, {
    id: `${queue}-wait-${stableId(payload.requestId, queue, payload.stage ?? '', lease.owner, lease.until)}`,
    delaySeconds: Math.ceil(waitMs / 1000),
  });
}

/**
 * A step that failed for a reason time may cure schedules its own next try as a named, delayed task and
 * acknowledges this one, so the queue's attempt budget is not what ends it (the step counts its own attempts).
 * `key` names the try (e.g. the request's episode and attempt number), so duplicates schedule it once.
 */
export async function retryStepLater(ports: Ports, queue: TaskQueueName, payload: TaskPayload, key: (string | number)[], delaySeconds: number): Promise<void> {
  await ports.tasks.enqueue(queue, payload, {
    id: `${queue}-retry-${stableId(payload.requestId, queue, payload.stage ?? '', ...key)}`,
    delaySeconds: Math.max(0, Math.ceil(delaySeconds)),
  });
}
