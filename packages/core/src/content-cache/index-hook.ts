import { docPaths, type VideoCacheEntry, type VideoRequest } from '@d2v/schema';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { isoNow, requestPath } from '../request-doc';
import type { AppliedTransition } from '../transition';

/**
 * Transition hook (wired in `pipeline.ts`): keeps the content cache's index, `users/{uid}/videoCache/{key}`.
 * A request that reaches ready becomes the entry for its content key, unless the entry already names another
 * request whose video still exists (the first one stays, so deleting a later copy does not lose the entry); a
 * request that is deleted removes the entry that names it — later requests with that content are generated
 * again. Shots of a script video are never entries (their clips live on only inside the joined video).
 * Best effort, after the commit: a failed write only costs a later miss, since a hit re-reads its source.
 */
export async function indexVideoContent(ports: Ports, applied: AppliedTransition): Promise<void> {
  const { doc, to } = applied;
  if (!doc.contentKey || doc.parentRequestId || (to !== 'ready' && to !== 'deleted')) return;
  const path = docPaths.videoCacheEntry(doc.uid, doc.contentKey);
  try {
    await ports.store.runTransaction(async (tx) => {
      const entry = (await tx.get<VideoCacheEntry>(path))?.data;
      if (to === 'deleted') {
        if (entry?.requestId === doc.requestId) tx.delete(path);
        return;
      }
      if (entry && entry.requestId !== doc.requestId) {
        const holder = (await tx.get<VideoRequest>(requestPath({ uid: doc.uid, requestId: entry.requestId })))?.data;
        if (holder?.outputs && (holder.state === 'ready' || holder.state === 'posted')) return;
      }
      const next: VideoCacheEntry = { key: doc.contentKey!, requestId: doc.requestId, createdAt: isoNow(ports) };
      tx.set(path, next as unknown as DocData);
    });
  } catch (e) {
    ports.log.warn({ uid: doc.uid, requestId: doc.requestId, err: String(e) }, logs.cacheIndexFailed);
  }
}
