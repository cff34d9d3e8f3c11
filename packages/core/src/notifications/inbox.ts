/**
 * What the owner does with their notifications (issue #13), over the DocumentStore port: list them, mark them read,
 * register a device for pushes. The local API serves these; on Firebase the app does the same reads and writes
 * against Firestore directly (firestore.rules allow exactly these).
 */
import { docPaths, type Device, type Notification } from '@d2v/schema';
import type { DocData, DocumentStore } from '../ports';

export const NOTIFICATIONS_PAGE = 50;
/** FCM registration tokens: long, URL-safe, with ':' — and never a '/' (the token is a document id). */
const DEVICE_TOKEN_RE = /^[A-Za-z0-9_:.-]{16,4096}$/;

export function isValidDeviceToken(token: unknown): token is string {
  return typeof token === 'string' && DEVICE_TOKEN_RE.test(token);
}

export async function listNotifications(store: DocumentStore, uid: string): Promise<{ notifications: Notification[]; unread: number }> {
  const snaps = await store.query<Notification>({ collection: docPaths.notifications(uid), orderBy: { field: 'createdAt', direction: 'desc' }, limit: NOTIFICATIONS_PAGE });
  const notifications = snaps.map((s) => s.data);
  return { notifications, unread: notifications.filter((n) => !n.read).length };
}

/** Marks `ids` (or, without ids, every listed notification) read; unknown ids are skipped. Returns how many changed. */
export async function markNotificationsRead(store: DocumentStore, uid: string, ids?: readonly string[]): Promise<number> {
  const targets = ids ?? (await listNotifications(store, uid)).notifications.filter((n) => !n.read).map((n) => n.id);
  if (!targets.length) return 0;
  return store.runTransaction(async (tx) => {
    const paths = targets.map((id) => docPaths.notification(uid, id));
    const snaps = await Promise.all(paths.map((p) => tx.get<Notification>(p)));
    let changed = 0;
    snaps.forEach((snap, i) => {
      if (snap && !snap.data.read) {
        tx.update(paths[i]!, { read: true });
        changed++;
      }
    });
    return changed;
  });
}

export async function registerDevice(store: DocumentStore, uid: string, token: string, platform: string | undefined, at: string): Promise<Device> {
  const device: Device = { token, registeredAt: at, ...(platform ? { platform } : {}) };
  await store.runTransaction(async (tx) => tx.set(docPaths.device(uid, token), device as unknown as DocData));
  return device;
}
