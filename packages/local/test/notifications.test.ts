import type { Notification } from '@d2v/schema';
import { notifyOutcome, type Notifier, type PushMessage } from '@d2v/core';
import type { LocalStack } from '../src';
import { startTestStack } from './helpers';

/**
 * Issue #13: the owner is told once per outcome — a video ready, a video failed, a follow-up ready — however often
 * the outcome is delivered. The notification documents are the local outbox (`GET /v1/notifications`); pushes go
 * to the Notifier port, here a recorder (locally there is no FCM; functions/test/fcm-push.test.ts covers it).
 */

const UID = 'demo-user';
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;

const pushes: PushMessage[] = [];
const recorder: Notifier = { send: async (m) => (pushes.push(m), { sent: 1, removedTokens: 0 }) };

let stack: LocalStack;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ stack, cleanup } = await startTestStack({ push: recorder })));
afterAll(() => cleanup?.());
afterEach(() => stack.simulator!.setFaults({ failureRate: 0 }));

async function call(method: string, path: string, json?: unknown, token = 'demo-token'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : text };
}

const listed = async (): Promise<Notification[]> => (await call('GET', '/v1/notifications')).body.notifications;
const forRequest = async (requestId: string) => (await listed()).filter((n) => n.requestId === requestId);

/** Waits until the notification hook (after the commit of the outcome) has written its document. */
async function waitForNotification(requestId: string): Promise<Notification[]> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const found = await forRequest(requestId);
    if (found.length) return found;
  }
  throw new Error(`no notification for ${requestId}`);
}

describe('notifications, exactly once per outcome', () => {
  let readyId: string;

  it('tells the owner once when a video is ready, even when the outcome is delivered again', async () => {
    const res = await call('POST', '/v1/requests', { draftId: 'demo-sunrise', options: { ...FAST, autoPost: true, fresh: true } });
    readyId = res.body.requestId;
    const done = await stack.waitForState(UID, readyId, ['posted', 'failed'], 60_000);
    expect(done.state).toBe('posted');
    const notes = await waitForNotification(readyId);
    expect(notes).toEqual([expect.objectContaining({ id: `${readyId}_ready`, outcome: 'ready', read: false, title: 'Your AI video is ready' })]);
    // The same outcome delivered twice more (a redelivered event, a second path to the same state).
    await notifyOutcome(stack.ports, { ref: { uid: UID, requestId: readyId }, from: 'processing', to: 'ready', doc: done });
    await notifyOutcome(stack.ports, { ref: { uid: UID, requestId: readyId }, from: 'processing', to: 'ready', doc: done });
    expect(await forRequest(readyId)).toHaveLength(1);
    expect(pushes.filter((p) => p.requestId === readyId)).toHaveLength(1);
    expect(pushes.find((p) => p.requestId === readyId)!.data).toMatchObject({ requestId: readyId, outcome: 'ready' });
  }, 90_000);

  it('tells the owner once when a video fails, with the error code', async () => {
    stack.simulator!.setFaults({ failureRate: 1 });
    const res = await call('POST', '/v1/requests', { draftId: 'demo-sunrise', options: { ...FAST, fresh: true } });
    const failed = await stack.waitForState(UID, res.body.requestId, ['failed', 'ready'], 60_000);
    expect(failed.state).toBe('failed');
    const notes = await waitForNotification(failed.requestId);
    expect(notes).toEqual([expect.objectContaining({ outcome: 'failed', errorCode: failed.error!.code, body: failed.error!.message })]);
    await notifyOutcome(stack.ports, { ref: { uid: UID, requestId: failed.requestId }, from: 'dreaming', to: 'failed', doc: failed });
    expect(await forRequest(failed.requestId)).toHaveLength(1);
    expect(pushes.filter((p) => p.requestId === failed.requestId)).toHaveLength(1);
  }, 90_000);

  it('tells the owner when a follow-up is ready, naming the original', async () => {
    const action = await call('POST', `/v1/requests/${readyId}/actions`, { type: 'addAudio', prompt: 'waves on a beach' });
    expect(action.status).toBe(202);
    let versionId: string | undefined;
    for (const deadline = Date.now() + 10_000; !versionId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      versionId = (await stack.api.getRequest(UID, readyId)).versions?.[0]?.requestId;
    }
    const version = await stack.waitForState(UID, versionId!, ['ready', 'failed'], 60_000);
    expect(version.state).toBe('ready');
    expect(await waitForNotification(version.requestId)).toEqual([
      expect.objectContaining({ outcome: 'ready', followUpOf: readyId, title: 'The version with sound of your video is ready' }),
    ]);
  }, 90_000);

  it('lists newest first with an unread count, marks read, and registers devices (with clear refusals)', async () => {
    const before = (await call('GET', '/v1/notifications')).body;
    expect(before.unread).toBe(before.notifications.length);
    const first = before.notifications[0].id;
    expect((await call('POST', '/v1/notifications/read', { ids: [first, 'no-such-id'] })).body).toEqual({ marked: 1 });
    expect((await call('GET', '/v1/notifications')).body.unread).toBe(before.unread - 1);
    expect((await call('POST', '/v1/notifications/read', {})).body).toEqual({ marked: before.unread - 1 });
    expect((await call('GET', '/v1/notifications')).body.unread).toBe(0);
    expect((await call('POST', '/v1/notifications/read', { ids: 'all' })).body.error.code).toBe('INVALID_REQUEST');
    // Another person sees none of these.
    expect((await call('GET', '/v1/notifications', undefined, 'other-token')).body.notifications ?? []).toEqual([]);

    const token = `dev1:APA91b${'z'.repeat(60)}`;
    const registered = await call('POST', '/v1/devices', { token, platform: 'ios' });
    expect(registered.status).toBe(201);
    expect((await stack.ports.store.get(`users/${UID}/devices/${token}`))!.data).toMatchObject({ token, platform: 'ios' });
    for (const bad of [{}, { token: '../../x' }, { token: 'short' }, { token, platform: 'toaster' }, { token, extra: 1 }]) {
      const res = await call('POST', '/v1/devices', bad);
      expect({ bad, status: res.status, code: res.body.error?.code }).toEqual({ bad, status: 400, code: 'INVALID_REQUEST' });
    }
  });
});
