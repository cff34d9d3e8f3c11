import { docPaths, type ErrorCode, type VideoRequest } from '@d2v/schema';
import { errorInfo } from '../errors';
import type { Ports } from '../ports';
import { readRequest, type RequestRef } from '../request-doc';
import { transition } from '../transition';

/**
 * A "Create Script" video waits in `dreaming` while its shots (child requests) are made. This re-checks them:
 * when every shot is ready, the parent moves dreaming → downloading, where the download step joins the clips
 * instead of fetching one from Luma; when one shot failed, the parent fails naming it. The guarded transition
 * makes repeats harmless. Returns the parent when it moved to `downloading` (its caller enqueues the next step:
 * this module does not import the dispatcher, which calls it), null otherwise.
 */
export async function checkShots(ports: Ports, parentRef: RequestRef): Promise<VideoRequest | null> {
  const parent = await readRequest(ports, parentRef);
  // A parent being cancelled cancels its shots itself (steps/cancel.ts): their settling must not fail it.
  if (!parent || parent.state !== 'dreaming' || !parent.shots?.length || parent.cancelRequested) return null;
  const children = await Promise.all(
    parent.shots.map(async (s) => ({ s, doc: (await ports.store.get<VideoRequest>(docPaths.videoRequest(parentRef.uid, s.requestId)))?.data ?? null })),
  );
  const failed = children.find(({ doc }) => !doc || doc.state === 'failed' || doc.state === 'cancelled' || doc.state === 'deleted');
  if (failed) {
    const code = (failed.doc?.error?.code ?? 'LUMA_GENERATION_FAILED') as ErrorCode;
    const why = failed.doc?.error?.message ?? 'it was stopped';
    // Not retryable as such: the shots are separate requests; the video is made again from the script.
    await transition(ports, parentRef, {
      from: ['dreaming'],
      when: (d) => !d.cancelRequested,
      to: 'failed',
      by: 'system',
      reason: `shot ${failed.s.n} failed`,
      error: errorInfo(code, `Shot ${failed.s.n} of ${parent.shots.length} could not be made: ${why}`, failed.doc?.error?.detail, false),
    });
    return null;
  }
  if (!children.every(({ doc }) => doc?.state === 'ready')) return null;
  const moved = await transition(ports, parentRef, {
    from: ['dreaming'],
    when: (d) => !d.cancelRequested,
    to: 'downloading',
    by: 'system',
    reason: `all ${children.length} shots ready`,
  });
  return moved.applied ? moved.doc : null;
}
