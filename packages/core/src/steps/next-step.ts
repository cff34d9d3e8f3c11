import type { VideoRequest } from '@d2v/schema';
import { stableId } from '../ids';
import type { Ports } from '../ports';
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
      await ports.tasks.enqueue('download', ref, { id: id('download') });
      return true;
    default:
      return false;
  }
}
