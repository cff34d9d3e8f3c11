/**
 * The Notifier port on Firebase (issue #13): Firebase Cloud Messaging through firebase-admin, to every device the
 * owner registered (`users/{uid}/devices/{token}`). A token FCM answers `messaging/registration-token-not-registered`
 * for (the app was uninstalled, the token rotated) is removed, so it is not tried again. The payload is built as
 * firebase-admin's own `MulticastMessage` type, so a field FCM does not know fails to compile.
 */
import { createHash } from 'node:crypto';
import type { BatchResponse, MulticastMessage } from 'firebase-admin/messaging';
import { docPaths, type Device } from '@d2v/schema';
import type { DocumentStore, Notifier, PushMessage } from '@d2v/core';

/** The part of firebase-admin's `Messaging` this adapter uses (a test passes a fake one: FCM cannot run here). */
export interface MessagingBoundary {
  sendEachForMulticast(message: MulticastMessage, dryRun?: boolean): Promise<BatchResponse>;
}

/** FCM's limit of tokens per multicast. */
export const FCM_MULTICAST_LIMIT = 500;
/** Error codes that mean the token will never work again. */
export const STALE_TOKEN_CODES = ['messaging/registration-token-not-registered', 'messaging/invalid-registration-token'] as const;

/** One multicast to `tokens`: shown as a notification, with the ids the app needs to open the video in `data`. */
export function buildMulticastMessage(message: PushMessage, tokens: string[]): MulticastMessage {
  // The same notification delivered twice collapses into one on the device (APNs allows 64 bytes of collapse id).
  const collapseId = createHash('sha256').update(message.notificationId).digest('hex').slice(0, 32);
  return {
    tokens,
    notification: { title: message.title, body: message.body },
    data: message.data,
    android: { collapseKey: collapseId, priority: 'high', notification: { tag: collapseId } },
    apns: { headers: { 'apns-collapse-id': collapseId }, payload: { aps: { sound: 'default', threadId: message.requestId } } },
    webpush: { notification: { tag: collapseId } },
  };
}

export class FcmPush implements Notifier {
  constructor(
    private readonly messaging: MessagingBoundary,
    private readonly store: DocumentStore,
  ) {}

  async send(message: PushMessage): Promise<{ sent: number; removedTokens: number }> {
    const devices = await this.store.query<Device>({ collection: docPaths.devices(message.uid) });
    const tokens = devices.map((d) => d.data.token ?? d.path.split('/').pop()!).filter(Boolean);
    let sent = 0;
    const stale: string[] = [];
    for (let i = 0; i < tokens.length; i += FCM_MULTICAST_LIMIT) {
      const batch = tokens.slice(i, i + FCM_MULTICAST_LIMIT);
      const answer = await this.messaging.sendEachForMulticast(buildMulticastMessage(message, batch));
      answer.responses.forEach((r, j) => {
        if (r.success) sent++;
        else if ((STALE_TOKEN_CODES as readonly string[]).includes(r.error?.code ?? '')) stale.push(batch[j]!);
      });
    }
    if (stale.length) {
      await this.store.runTransaction(async (tx) => {
        for (const token of stale) tx.delete(docPaths.device(message.uid, token));
      });
    }
    return { sent, removedTokens: stale.length };
  }
}
