/**
 * The FCM adapter (issue #13) against a FAKE messaging boundary — FCM cannot run here (no network, no project) —
 * and the real SQLite document store holding `users/{uid}/devices/{token}`. The payloads are typed as
 * firebase-admin's `MulticastMessage` (a compile-time check) and checked here for what FCM requires at run time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchResponse, Message, MulticastMessage } from 'firebase-admin/messaging';
import { docPaths, type Device } from '@d2v/schema';
import { LocalDatabase, SqliteDocumentStore } from '@d2v/local';
import type { PushMessage } from '@d2v/core';
import { buildMulticastMessage, FCM_MULTICAST_LIMIT, FcmPush, type MessagingBoundary } from '../src/adapters/fcm-push';

const UID = 'u1';
const token = (n: number) => `tok-${String(n).padStart(4, '0')}:APA91b${'x'.repeat(100)}`;
const MESSAGE: PushMessage = {
  uid: UID,
  notificationId: 'req-1_ready',
  requestId: 'req-1',
  title: 'Your AI video is ready',
  body: 'It is ready to watch, post or keep.',
  data: { requestId: 'req-1', outcome: 'ready', notificationId: 'req-1_ready' },
};

/** Records every multicast and answers each token with `answer(token)` (undefined: success). */
class FakeMessaging implements MessagingBoundary {
  readonly sent: MulticastMessage[] = [];
  constructor(private readonly answer: (token: string) => string | undefined = () => undefined) {}
  async sendEachForMulticast(message: MulticastMessage): Promise<BatchResponse> {
    this.sent.push(message);
    const responses = message.tokens.map((t) => {
      const code = this.answer(t);
      return code ? { success: false, error: Object.assign(new Error(code), { code, toJSON: () => ({ code, message: code }) }) } : { success: true, messageId: `m-${t}` };
    }) as BatchResponse['responses'];
    return { responses, successCount: responses.filter((r) => r.success).length, failureCount: responses.filter((r) => !r.success).length };
  }
}

let dir: string;
let db: LocalDatabase;
let store: SqliteDocumentStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'd2v-fcm-'));
  db = new LocalDatabase({ file: join(dir, 'd2v.sqlite') });
  store = new SqliteDocumentStore({ db, clock: { now: () => Date.now() } });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function register(...tokens: string[]): Promise<void> {
  await store.runTransaction(async (tx) => {
    for (const t of tokens) tx.set(docPaths.device(UID, t), { token: t, registeredAt: new Date().toISOString() } satisfies Device);
  });
}

describe('FCM push adapter with a fake messaging boundary', () => {
  it('builds a payload FCM accepts: string data, a notification, collapse ids within APNs’ 64 bytes', () => {
    const multicast = buildMulticastMessage(MESSAGE, [token(1)]);
    // Each token's message is a firebase-admin `Message` (the type a single send takes).
    // (No cast: every part of the multicast must also type as a single `Message`'s, or this does not compile.)
    const single: Message = { token: token(1), notification: multicast.notification, data: multicast.data, android: multicast.android, apns: multicast.apns, webpush: multicast.webpush };
    expect(single).toMatchObject({ token: token(1), notification: { title: MESSAGE.title, body: MESSAGE.body } });
    expect(Object.values(multicast.data!).every((v) => typeof v === 'string')).toBe(true);
    const collapse = multicast.apns!.headers!['apns-collapse-id']!;
    expect(Buffer.byteLength(collapse)).toBeLessThanOrEqual(64);
    expect(multicast.android!.collapseKey).toBe(collapse);
    // The same notification always collapses to the same id; another one does not.
    expect(buildMulticastMessage(MESSAGE, [token(2)]).apns!.headers!['apns-collapse-id']).toBe(collapse);
    expect(buildMulticastMessage({ ...MESSAGE, notificationId: 'req-1_failed' }, [token(1)]).apns!.headers!['apns-collapse-id']).not.toBe(collapse);
  });

  it('sends to every registered device and removes tokens FCM says are not registered', async () => {
    await register(token(1), token(2), token(3));
    const fake = new FakeMessaging((t) => (t === token(2) ? 'messaging/registration-token-not-registered' : t === token(3) ? 'messaging/internal-error' : undefined));
    const result = await new FcmPush(fake, store).send(MESSAGE);
    expect(result).toEqual({ sent: 1, removedTokens: 1 });
    expect(fake.sent).toHaveLength(1);
    expect([...fake.sent[0]!.tokens].sort()).toEqual([token(1), token(2), token(3)]);
    // The stale token is gone; a transient failure keeps its token.
    expect(await store.get(docPaths.device(UID, token(2)))).toBeNull();
    expect(await store.get(docPaths.device(UID, token(3)))).not.toBeNull();
    expect(await store.get(docPaths.device(UID, token(1)))).not.toBeNull();
  });

  it(`splits more than ${FCM_MULTICAST_LIMIT} devices into multicasts of at most ${FCM_MULTICAST_LIMIT}`, async () => {
    await register(...Array.from({ length: FCM_MULTICAST_LIMIT + 3 }, (_, i) => token(i)));
    const fake = new FakeMessaging();
    expect(await new FcmPush(fake, store).send(MESSAGE)).toEqual({ sent: FCM_MULTICAST_LIMIT + 3, removedTokens: 0 });
    expect(fake.sent.map((m) => m.tokens.length)).toEqual([FCM_MULTICAST_LIMIT, 3]);
  });

  it('sends nothing to an owner without devices', async () => {
    const fake = new FakeMessaging();
    expect(await new FcmPush(fake, store).send(MESSAGE)).toEqual({ sent: 0, removedTokens: 0 });
    expect(fake.sent).toHaveLength(0);
  });
});
