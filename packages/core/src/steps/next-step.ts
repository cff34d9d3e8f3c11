import type { VideoRequest } from '@d2v/schema';
import { stableId } from '../ids';
import type { Ports } from '../ports';
import { checkShots } from '../multi-shot/await-shots';

/**
 * Enqueues the task that moves a request on from the state it is in. Task ids are derived from the request,
 * the state's position in the transition log and (for re-kicks) a time bucket, so calling this twice for the
 * same situation enqueues one task — Cloud Tasks and the local queue both drop named duplicates.
 */
export async function ensureNextStep(ports: Ports, doc: VideoRequest, opts: { rekick?: string } = {}): Promise<boolean> {
  const ref = { uid: doc.uid, requestId: doc.requestId };
  const episode = doc.transitionCount;
  const id = (kind: string, ...extra: (string | number)[]) => `${kind}-${stableId(doc.requestId, kind, episode, ...extra, opts.rekick ?? '')}`;
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
      const attempt = doc.luma?.polls ?? 0;
      await ports.tasks.enqueue(
        'poll',
        { ...ref, stage, attempt },
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
