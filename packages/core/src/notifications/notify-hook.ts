/**
 * Transition hook (wired in `pipeline.ts`, issue #13): when a video — or a follow-up — becomes ready or fails,
 * its owner is told. The notification document `users/{uid}/notifications/{requestId}_{outcome}` is created if
 * absent, so whatever delivers the outcome twice (a duplicate event, a redelivered task reaching the same
 * transition through another path) tells nobody twice; only the call that created it sends the push. A shot of
 * a script video is not a video of its own, and a cancel is the person's own doing: neither is told.
 */
import { docPaths, notificationId, type Notification, type NotificationOutcome, type VideoRequest } from '@d2v/schema';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { isoNow } from '../request-doc';
import type { AppliedTransition } from '../transition';

const FOLLOW_UP_WORDS: Record<NonNullable<VideoRequest['followUp']>['type'], string> = {
  extend: 'longer version',
  upscale: 'sharper version',
  addAudio: 'version with sound',
  restyle: 'restyled version',
  reframe: 'reframed version',
};

export function notificationFor(doc: VideoRequest, outcome: NotificationOutcome, at: string): Notification {
  const what = doc.followUp ? `The ${FOLLOW_UP_WORDS[doc.followUp.type]} of your video` : 'Your AI video';
  const name = doc.options?.caption ?? doc.draftSnapshot?.title;
  const ready = outcome === 'ready';
  return {
    id: notificationId(doc.requestId, outcome),
    uid: doc.uid,
    requestId: doc.requestId,
    outcome,
    ...(doc.followUpOf ? { followUpOf: doc.followUpOf } : {}),
    title: ready ? `${what} is ready` : `${what} could not be made`,
    body: ready
      ? `${name ? `“${name}” ` : ''}${doc.options?.autoPost && !doc.followUp ? 'is ready and posted.' : 'is ready to watch, post or keep.'}`.replace(/^is/, 'It is')
      : doc.error?.message ?? 'Something went wrong.',
    ...(ready ? {} : { errorCode: doc.error?.code ?? 'INTERNAL' }),
    createdAt: at,
    read: false,
  };
}

export async function notifyOutcome(ports: Ports, applied: AppliedTransition): Promise<void> {
  const { doc, to } = applied;
  const outcome: NotificationOutcome | null = to === 'ready' ? 'ready' : to === 'failed' ? 'failed' : null;
  if (!outcome || doc.parentRequestId) return;
  const note = notificationFor(doc, outcome, isoNow(ports));
  const path = docPaths.notification(doc.uid, note.id);
  const created = await ports.store.runTransaction(async (tx) => {
    if (await tx.get(path)) return false;
    tx.create(path, note as unknown as DocData);
    return true;
  });
  if (!created) return;
  ports.log.info({ uid: doc.uid, requestId: doc.requestId, outcome }, logs.notificationCreated);
  if (!ports.push) return;
  try {
    const sent = await ports.push.send({
      uid: doc.uid,
      notificationId: note.id,
      requestId: doc.requestId,
      title: note.title,
      body: note.body,
      data: { requestId: doc.requestId, outcome, notificationId: note.id, ...(doc.followUpOf ? { followUpOf: doc.followUpOf } : {}) },
    });
    ports.log.info({ uid: doc.uid, requestId: doc.requestId, outcome, ...sent }, logs.notificationPushed);
  } catch (e) {
    // The document is the notification; a push that fails leaves it in the owner's list.
    ports.log.warn({ uid: doc.uid, requestId: doc.requestId, err: String(e) }, logs.notificationPushFailed);
  }
}
