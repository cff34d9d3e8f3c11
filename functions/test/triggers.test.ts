/**
 * Every Firebase trigger, as deployed (functions/src/index.ts), driven the way the platform drives it:
 * CloudEvent triggers through firebase-functions-test `wrap()` with realistic events (each delivered twice),
 * task-queue functions through `.run()`, the webhook through real HTTP requests (the simulator's own callbacks
 * and hand-made ones: valid, forged, replayed, out of order). Behind the triggers: the real pipeline core on
 * the local stack's adapters (SQLite store, file blobs, task table, event table), the Luma simulator over HTTP
 * and real ffmpeg — never a mock of firebase-admin.
 */
import { TEST_BUCKET, TEST_WEBHOOK_SECRET } from './helpers/env';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import functionsTest from 'firebase-functions-test';
import { readTransitionLog, webhookToken, type Ports, type TaskPayload, type TaskQueueName } from '@d2v/core';
import { PIPELINE_METADATA_KEY, blobPaths, docPaths, type Transition, type VideoRequest, type VideoState } from '@d2v/schema';
import * as fns from '../src/index';
import { setPortsForTesting } from '../src/ports';
import { makeLocalPorts, type LocalPortsFixture } from './helpers/local-ports';

jest.setTimeout(180_000);

const fft = functionsTest();
const UID = 'u1';
const DRAFT = 'd1';

let fx: LocalPortsFixture;
let server: Server;
let hookBase: string;

beforeAll(async () => {
  // The webhook function served exactly like Cloud Functions serves it: an express app in front of the handler.
  const app = express();
  app.use(express.json());
  app.use((req, res) => fns.lumaWebhook(req as never, res as never));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  hookBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fx = await makeLocalPorts({ webhookBaseUrl: hookBase });
  setPortsForTesting(fx.ports);
  await fx.store.runTransaction(async (tx) => {
    tx.set(docPaths.draft(UID, DRAFT), {
      id: DRAFT,
      uid: UID,
      title: 'Harbour at dawn',
      text: 'A quiet fishing harbour at sunrise, gulls circling above wooden boats while the mist lifts.',
      style: 'cinematic',
    });
  });
});

afterAll(async () => {
  setPortsForTesting(undefined);
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections?.();
  await fx?.close();
  fft.cleanup();
});

// ---------------------------------------------------------------------------------------------------------------
// helpers

const requestDoc = async (requestId: string): Promise<VideoRequest> =>
  (await fx.store.get<VideoRequest>(docPaths.videoRequest(UID, requestId)))!.data;

async function transitions(requestId: string): Promise<Transition[]> {
  return readTransitionLog(fx.store, { uid: UID, requestId });
}

async function waitForState(requestId: string, states: VideoState[], timeoutMs = 60_000): Promise<VideoRequest> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const doc = await requestDoc(requestId);
    if (states.includes(doc.state)) return doc;
    if (Date.now() > until) throw new Error(`${requestId} stuck in ${doc.state} (wanted ${states.join('|')}): ${JSON.stringify(doc.error)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ran = new Set<string>();
/** Pending tasks of a queue for a request that the test has not run yet. */
/** The first not-yet-run task of `queue` for the request, once something has enqueued it. */
async function waitForTask(queue: TaskQueueName, requestId: string, timeoutMs = 60_000): Promise<{ id: string; payload: TaskPayload }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [task] = newTasks(queue, requestId);
    if (task) return task;
    if (Date.now() > until) throw new Error(`no ${queue} task for ${requestId} (state ${(await requestDoc(requestId)).state})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function newTasks(queue: TaskQueueName, requestId: string): { id: string; payload: TaskPayload }[] {
  return fx.pending(queue).filter((t) => t.payload.requestId === requestId && !ran.has(`${queue}:${t.id}`));
}

const TASK_FUNCTIONS = { submit: fns.submitTask, poll: fns.pollTask, download: fns.downloadTask, process: fns.processTask } as const;

/** Runs a task through its task-queue function like Cloud Tasks would (`times` > 1: duplicate delivery). */
async function runTask(queue: TaskQueueName, task: { id: string; payload: TaskPayload }, times = 1): Promise<void> {
  ran.add(`${queue}:${task.id}`);
  for (let i = 0; i < times; i++) {
    await TASK_FUNCTIONS[queue].run({ data: task.payload, id: task.id, retryCount: i, queueName: `${queue}Task` } as never);
  }
}

async function createRequest(requestId: string, options: Record<string, unknown>): Promise<Record<string, unknown>> {
  const clientFields = { draftId: DRAFT, options };
  // What the app does: write the client fields; then Firestore fires onDocumentCreated.
  await fx.store.runTransaction(async (tx) => void tx.create(docPaths.videoRequest(UID, requestId), clientFields));
  return clientFields;
}

function postWebhook(uid: string, requestId: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${hookBase}/${uid}/${requestId}?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const OPTIONS = { model: 'ray-flash-2', resolution: '540p', duration: '5s', aspectRatio: '16:9', autoPost: false, visibility: 'followers' };

// ---------------------------------------------------------------------------------------------------------------

describe('a request through every trigger', () => {
  const RID = 'req-e2e-1';
  let generationId = '';

  it('onVideoRequestCreated: the creation event (delivered twice) queues exactly one submit task', async () => {
    const data = await createRequest(RID, OPTIONS);
    const wrapped = fft.wrap(fns.onVideoRequestCreated);
    const event = { data, params: { uid: UID, requestId: RID } };
    await wrapped(event);
    await wrapped(event);
    const doc = await requestDoc(RID);
    expect(doc.state).toBe('queued');
    expect(doc.draftSnapshot?.id).toBe(DRAFT);
    expect(newTasks('submit', RID)).toHaveLength(1);
    expect((await transitions(RID)).map((t) => t.to)).toEqual(['pending', 'validating', 'queued']);
  });

  it('submitTask.run: the billed create happens once even when the task is delivered twice', async () => {
    const [task] = newTasks('submit', RID);
    await runTask('submit', task!, 2);
    const doc = await requestDoc(RID);
    expect(['dreaming', 'downloading']).toContain(doc.state);
    generationId = doc.luma.generationId!;
    expect(generationId).toBeTruthy();
    expect(fx.simulator!.generations().filter((g) => g.id === generationId)).toHaveLength(1);
    expect(fx.simulator!.generations()).toHaveLength(1);
  });

  it("lumaWebhook: Luma's own callbacks (real HTTP, with its duplicates) enqueue one download task", async () => {
    await waitForTask('download', RID);
    const doc = await requestDoc(RID);
    // The download task's claim moves the request to downloading (state and lease in one write), not the callback.
    expect(doc.state).toBe('dreaming');
    expect(doc.luma.generationId).toBe(generationId);
    expect(newTasks('download', RID)).toHaveLength(1);
  });

  it('lumaWebhook: a forged token is refused (403) and changes nothing', async () => {
    const before = await requestDoc(RID);
    const forged = await postWebhook(UID, RID, 'forged-token', { id: generationId, state: 'failed', failure_reason: 'forged' });
    expect(forged.status).toBe(403);
    const wrongRequest = await postWebhook(UID, RID, webhookToken(TEST_WEBHOOK_SECRET, UID, 'another-request'), { id: generationId, state: 'failed' });
    expect(wrongRequest.status).toBe(403);
    expect((await requestDoc(RID)).updatedAt).toBe(before.updatedAt);
  });

  it('lumaWebhook: a replayed and an out-of-order callback are acknowledged and harmless', async () => {
    const token = webhookToken(TEST_WEBHOOK_SECRET, UID, RID);
    const before = await requestDoc(RID);
    const replay = await postWebhook(UID, RID, token, { id: generationId, state: 'completed', assets: { video: 'http://attacker.invalid/x.mp4' } });
    expect(replay.status).toBe(200);
    const stale = await postWebhook(UID, RID, token, { id: generationId, state: 'dreaming' });
    expect(stale.status).toBe(200);
    const after = await requestDoc(RID);
    expect(after.state).toBe('dreaming');
    expect(after.transitionCount).toBe(before.transitionCount);
    expect(newTasks('download', RID)).toHaveLength(1);
  });

  it('lumaWebhook: a callback for a request that does not exist is acknowledged and ignored', async () => {
    const res = await postWebhook(UID, 'no-such-request', webhookToken(TEST_WEBHOOK_SECRET, UID, 'no-such-request'), { id: 'x', state: 'completed' });
    expect(res.status).toBe(200);
    expect(await fx.store.get(docPaths.videoRequest(UID, 'no-such-request'))).toBeNull();
  });

  it('lumaWebhook: wrong method and unknown routes', async () => {
    expect((await fetch(`${hookBase}/${UID}/${RID}`)).status).toBe(405);
    expect((await fetch(`${hookBase}/just-one`, { method: 'POST' })).status).toBe(404);
  });

  let downloadTask: { id: string; payload: TaskPayload } | undefined;
  it('downloadTask.run: stores raw.mp4; a duplicate delivery meanwhile waits for the lease (a follow-up task, no retry spent) and stores nothing', async () => {
    [downloadTask] = newTasks('download', RID);
    expect(downloadTask).toBeDefined();
    await runTask('download', downloadTask!);
    const raw = await fx.blobs.stat(blobPaths.rawVideo(UID, RID));
    expect(raw).not.toBeNull();
    expect(raw!.contentType).toBe('video/mp4');
    expect(raw!.custom?.[PIPELINE_METADATA_KEY]).not.toBe('true');
    // Cloud Tasks delivers the same task again while the first worker's lease is live: acknowledged (no retry
    // attempt spent), with one follow-up scheduled for the lease's end.
    await expect(fns.downloadTask.run({ data: downloadTask!.payload, id: downloadTask!.id, retryCount: 1 } as never)).resolves.toBeUndefined();
    const waits = newTasks('download', RID).filter((t) => t.id.startsWith('download-wait-'));
    expect(waits).toHaveLength(1);
    expect(fx.pending('download').find((t) => t.id === waits[0]!.id)!.dueAt).toBeGreaterThan(Date.now());
    ran.add(`download:${waits[0]!.id}`);
    expect((await fx.blobs.stat(blobPaths.rawVideo(UID, RID)))!.generation).toBe(raw!.generation);
  });

  it('onRawVideoFinalized: the finalize event (delivered twice) makes one encrypted video and poster → ready', async () => {
    const raw = (await fx.blobs.stat(blobPaths.rawVideo(UID, RID)))!;
    const wrapped = fft.wrap(fns.onRawVideoFinalized);
    const event = {
      data: {
        bucket: TEST_BUCKET,
        name: raw.path,
        contentType: raw.contentType,
        size: String(raw.size),
        generation: raw.generation,
        metageneration: '1',
        metadata: raw.custom ?? {},
        timeCreated: raw.updatedAt,
        updated: raw.updatedAt,
      },
    };
    await wrapped(event);
    await wrapped(event);
    const doc = await requestDoc(RID);
    expect(doc.state).toBe('ready');
    expect(doc.outputs?.videoPath).toBe(blobPaths.encryptedVideo(UID, RID));
    const enc = await fx.blobs.stat(blobPaths.encryptedVideo(UID, RID));
    const poster = await fx.blobs.stat(blobPaths.poster(UID, RID));
    expect(enc?.custom?.[PIPELINE_METADATA_KEY]).toBe('true');
    expect(poster?.custom?.[PIPELINE_METADATA_KEY]).toBe('true');
    expect((await transitions(RID)).filter((t) => t.to === 'ready')).toHaveLength(1);
    // The retried duplicate download task now finds the request moved on and is acknowledged.
    await expect(fns.downloadTask.run({ data: downloadTask!.payload, id: downloadTask!.id, retryCount: 2 } as never)).resolves.toBeUndefined();
    expect((await requestDoc(RID)).state).toBe('ready');
  });

  it("onRawVideoFinalized: the pipeline's own outputs and app uploads do not re-trigger it (loop guard)", async () => {
    const before = await requestDoc(RID);
    const wrapped = fft.wrap(fns.onRawVideoFinalized);
    for (const [name, metadata] of [
      [blobPaths.encryptedVideo(UID, RID), { [PIPELINE_METADATA_KEY]: 'true' }],
      [blobPaths.poster(UID, RID), { [PIPELINE_METADATA_KEY]: 'true' }],
      [blobPaths.rawVideo(UID, RID), { [PIPELINE_METADATA_KEY]: 'true' }],
      [`users/${UID}/uploads/photo.jpg`, {}],
    ] as const) {
      await wrapped({ data: { bucket: TEST_BUCKET, name, contentType: 'application/octet-stream', size: '10', metadata } });
    }
    const after = await requestDoc(RID);
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(after.transitionCount).toBe(before.transitionCount);
  });

  it('onVideoRequestUpdated: a "post" action (update event delivered twice) posts exactly once', async () => {
    const before = await requestDoc(RID);
    const action = { id: 'act-post-1', type: 'post', visibility: 'public', caption: 'Dawn' };
    await fx.store.runTransaction(async (tx) => void tx.update(docPaths.videoRequest(UID, RID), { action }));
    const after = await requestDoc(RID);
    const wrapped = fft.wrap(fns.onVideoRequestUpdated);
    const event = { data: { before: before as unknown as Record<string, unknown>, after: after as unknown as Record<string, unknown> }, params: { uid: UID, requestId: RID } };
    await wrapped(event);
    await wrapped(event);
    const doc = await requestDoc(RID);
    expect(doc.state).toBe('posted');
    expect(doc.postId).toBeTruthy();
    const posts = await fx.store.query({ collection: docPaths.posts(), where: [{ field: 'requestId', op: '==', value: RID }] });
    expect(posts).toHaveLength(1);
    expect(posts[0]!.data).toMatchObject({ uid: UID, aiGenerated: true, visibility: 'public', videoPath: blobPaths.encryptedVideo(UID, RID) });
  });

  it('every state change is in the transition log, in order, without duplicates', async () => {
    const log = await transitions(RID);
    expect(log.map((t) => t.n)).toEqual(log.map((_, i) => i));
    expect(log.map((t) => t.to)).toEqual(['pending', 'validating', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready', 'posted']);
  });

  it('onVideoRequestCreated: the same draft and options again reuse that video (content cache): ready, no task, no Luma create', async () => {
    const HIT = 'req-e2e-cached';
    const creates = fx.simulator!.stats().creates.video;
    const data = await createRequest(HIT, { ...OPTIONS, caption: 'another caption' });
    const wrapped = fft.wrap(fns.onVideoRequestCreated);
    await wrapped({ data, params: { uid: UID, requestId: HIT } });
    await wrapped({ data, params: { uid: UID, requestId: HIT } });
    const doc = await requestDoc(HIT);
    expect(doc.state).toBe('ready');
    expect(doc.cachedFrom).toBe(RID);
    expect(doc.outputs!.videoPath).toBe(blobPaths.encryptedVideo(UID, HIT));
    expect(await fx.ports.blobs.stat(doc.outputs!.videoPath)).toMatchObject({ md5Hash: (await fx.ports.blobs.stat(blobPaths.encryptedVideo(UID, RID)))!.md5Hash });
    expect(newTasks('submit', HIT)).toHaveLength(0);
    expect(fx.simulator!.stats().creates.video).toBe(creates);
    expect((await transitions(HIT)).map((t) => t.to)).toEqual(['pending', 'validating', 'ready']);
  });

  it('the owner was told once that the video is ready (a notification document per outcome)', async () => {
    const notes = await fx.store.query({ collection: docPaths.notifications(UID), where: [{ field: 'requestId', op: '==', value: RID }] });
    expect(notes.map((n) => n.data)).toEqual([expect.objectContaining({ id: `${RID}_ready`, outcome: 'ready', read: false })]);
  });

  it('onVideoRequestUpdated: an upscale follow-up (delivered twice) makes one new request; its creation event and submit task make one upscale at Luma', async () => {
    const before = await requestDoc(RID);
    const action = { id: 'act-upscale-1', type: 'upscale', resolution: '720p' };
    await fx.store.runTransaction(async (tx) => void tx.update(docPaths.videoRequest(UID, RID), { action }));
    const after = await requestDoc(RID);
    const event = { data: { before: before as unknown as Record<string, unknown>, after: after as unknown as Record<string, unknown> }, params: { uid: UID, requestId: RID } };
    const updated = fft.wrap(fns.onVideoRequestUpdated);
    await updated(event);
    await updated(event);
    const original = await requestDoc(RID);
    expect(original.lastActionResult).toMatchObject({ id: 'act-upscale-1', ok: true });
    expect(original.versions).toHaveLength(1);
    const FU = original.lastActionResult!.versionRequestId!;
    // Firestore would now deliver the follow-up's creation (at least once): here twice.
    const data = (await fx.store.get(docPaths.videoRequest(UID, FU)))!.data;
    expect(data).toMatchObject({ followUpOf: RID, followUp: { type: 'upscale', resolution: '720p' } });
    const created = fft.wrap(fns.onVideoRequestCreated);
    await created({ data, params: { uid: UID, requestId: FU } });
    await created({ data, params: { uid: UID, requestId: FU } });
    const submits = newTasks('submit', FU);
    expect(submits).toHaveLength(1);
    const upscales = () => fx.simulator!.generations().filter((g) => g.generation.generation_type === 'upscale_video').length;
    const before2 = upscales();
    await runTask('submit', submits[0]!, 2);
    expect(upscales() - before2).toBe(1);
    const doc = await requestDoc(FU);
    expect(doc.state).toBe('dreaming');
    expect(doc.luma.sourceGenerationId).toBe(original.luma.generationId);
  });
});

describe('cancel through the update trigger', () => {
  it('onVideoRequestUpdated: a cancel (delivered twice) cancels a queued request once; its submit task then creates nothing', async () => {
    const RID = 'req-cancel-1';
    const data = await createRequest(RID, { ...OPTIONS, fresh: true });
    await fft.wrap(fns.onVideoRequestCreated)({ data, params: { uid: UID, requestId: RID } });
    const before = await requestDoc(RID);
    expect(before.state).toBe('queued');
    await fx.store.runTransaction(async (tx) => void tx.update(docPaths.videoRequest(UID, RID), { action: { id: 'act-cancel-1', type: 'cancel' } }));
    const after = await requestDoc(RID);
    const wrapped = fft.wrap(fns.onVideoRequestUpdated);
    const event = { data: { before: before as unknown as Record<string, unknown>, after: after as unknown as Record<string, unknown> }, params: { uid: UID, requestId: RID } };
    await wrapped(event);
    await wrapped(event);
    const doc = await requestDoc(RID);
    expect(doc.state).toBe('cancelled');
    expect(doc.lastActionResult).toEqual({ id: 'act-cancel-1', type: 'cancel', ok: true });
    expect(doc.cancellation).toMatchObject({ fromState: 'queued', billed: false });
    const creates = fx.simulator!.stats().creates.video;
    for (const task of newTasks('submit', RID)) await runTask('submit', task);
    expect(fx.simulator!.stats().creates.video).toBe(creates);
    expect((await transitions(RID)).filter((t) => t.to === 'cancelled')).toHaveLength(1);
  });
});

describe('pollTask and the sweeper', () => {
  it('pollTask.run: a poll for a request that is not waiting on Luma is acknowledged and does nothing', async () => {
    await expect(fns.pollTask.run({ data: { uid: UID, requestId: 'req-e2e-1', stage: 'video', attempt: 0 } } as never)).resolves.toBeUndefined();
    expect((await requestDoc('req-e2e-1')).state).toBe('posted');
  });

  it('a task payload that can never work is dropped (returns), not retried', async () => {
    await expect(fns.submitTask.run({ data: { uid: '../x' } } as never)).resolves.toBeUndefined();
    await expect(fns.downloadTask.run({ data: null } as never)).resolves.toBeUndefined();
  });

  it('processTask.run: re-drives processing from the stored raw.mp4 after the instance that had it died (lease lapsed)', async () => {
    const RID = 'req-redrive-1';
    const data = await createRequest(RID, { ...OPTIONS, fresh: true });
    await fft.wrap(fns.onVideoRequestCreated)({ data, params: { uid: UID, requestId: RID } });
    await runTask('submit', newTasks('submit', RID)[0]!);
    await runTask('download', await waitForTask('download', RID));
    expect(await fx.blobs.stat(blobPaths.rawVideo(UID, RID))).not.toBeNull();
    // The Storage trigger's instance took it to processing and died; its lease has lapsed, its event is gone.
    await fx.store.runTransaction(async (tx) => {
      const doc = (await tx.get<VideoRequest>(docPaths.videoRequest(UID, RID)))!.data;
      tx.set(docPaths.videoRequest(UID, RID), { ...doc, state: 'processing', processAttempts: 1, lease: { step: 'process', owner: 'dead-instance.1', until: Date.now() - 1 } });
    });
    await fns.processTask.run({ data: { uid: UID, requestId: RID }, id: 'process-1', retryCount: 0 } as never);
    const doc = await requestDoc(RID);
    expect(doc.state).toBe('ready');
    expect(await fx.blobs.stat(doc.outputs!.videoPath)).not.toBeNull();
    expect(await fx.blobs.stat(blobPaths.rawVideo(UID, RID))).toBeNull();
    expect(fx.simulator!.generations().filter((g) => JSON.stringify(g.requestBody).includes(`/${RID}?token=`))).toHaveLength(1);
  });

  it('sweeper: fails a request stuck past its deadline (TIMEOUT), once', async () => {
    const RID = 'req-stuck-1';
    // A new generation: the same content as req-e2e-1 would be a content-cache hit (ready at once).
    const data = await createRequest(RID, { ...OPTIONS, fresh: true });
    await fft.wrap(fns.onVideoRequestCreated)({ data, params: { uid: UID, requestId: RID } });
    expect((await requestDoc(RID)).state).toBe('queued');
    await fx.store.runTransaction(async (tx) => void tx.update(docPaths.videoRequest(UID, RID), { deadlineAt: Date.now() - 1000 }));
    await fns.sweeper.run({ scheduleTime: new Date().toISOString(), jobName: 'sweeper' } as never);
    await fns.sweeper.run({ scheduleTime: new Date().toISOString(), jobName: 'sweeper' } as never);
    const doc = await requestDoc(RID);
    expect(doc.state).toBe('failed');
    expect(doc.error?.code).toBe('TIMEOUT');
    expect((await transitions(RID)).filter((t) => t.to === 'failed')).toHaveLength(1);
  });
});

describe('onScriptRequestCreated ("Create Script")', () => {
  it('answers a script request (delivered twice) with one script whose scenes add up, and spends nothing', async () => {
    const RID = 'script-1';
    const data = { draftId: DRAFT, duration: '9s', shots: 2 };
    await fx.store.runTransaction(async (tx) => void tx.create(docPaths.scriptRequest(UID, RID), data));
    const generations = fx.simulator!.generations().length;
    const wrapped = fft.wrap(fns.onScriptRequestCreated);
    await wrapped({ data, params: { uid: UID, requestId: RID } });
    await wrapped({ data, params: { uid: UID, requestId: RID } });
    const doc = (await fx.store.get<{ state: string; script: { scenes: { durationMs: number }[] } }>(docPaths.scriptRequest(UID, RID)))!.data;
    expect(doc.state).toBe('ready');
    expect(doc.script.scenes).toHaveLength(2);
    expect(doc.script.scenes.reduce((sum, s) => sum + s.durationMs, 0)).toBe(9000);
    expect(fx.simulator!.generations()).toHaveLength(generations);
  });
});

describe('failure policy', () => {
  it('an invalid request (an option outside its enum) ends failed with INVALID_REQUEST and spends nothing', async () => {
    const RID = 'req-invalid-1';
    const data = { draftId: DRAFT, options: { ...OPTIONS, resolution: '8k' } };
    await fx.store.runTransaction(async (tx) => void tx.create(docPaths.videoRequest(UID, RID), data));
    const generations = fx.simulator!.generations().length;
    await fft.wrap(fns.onVideoRequestCreated)({ data, params: { uid: UID, requestId: RID } });
    const doc = await requestDoc(RID);
    expect(doc.state).toBe('failed');
    expect(doc.error?.code).toBe('INVALID_REQUEST');
    expect(newTasks('submit', RID)).toHaveLength(0);
    expect(fx.simulator!.generations()).toHaveLength(generations);
  });

  it('a handler error propagates out of the trigger (so the platform retries the event)', async () => {
    const broken = {
      ...fx.ports,
      store: {
        get: () => Promise.reject(new Error('Firestore unavailable')),
        query: () => Promise.reject(new Error('Firestore unavailable')),
        count: () => Promise.reject(new Error('Firestore unavailable')),
        runTransaction: () => Promise.reject(new Error('Firestore unavailable')),
      },
    } as Ports;
    setPortsForTesting(broken);
    try {
      await expect(fft.wrap(fns.onVideoRequestCreated)({ data: { draftId: DRAFT }, params: { uid: UID, requestId: 'r-x' } })).rejects.toThrow(/unavailable/);
      await expect(fns.submitTask.run({ data: { uid: UID, requestId: 'r-x' } } as never)).rejects.toThrow(/unavailable/);
      const res = await postWebhook(UID, 'r-x', webhookToken(TEST_WEBHOOK_SECRET, UID, 'r-x'), { id: 'g' });
      expect(res.status).toBe(500);
    } finally {
      setPortsForTesting(fx.ports);
    }
  });

  it('the loop guard decides before any port is touched', async () => {
    const poisoned = new Proxy({} as Ports, {
      get(_t, prop) {
        throw new Error(`port ${String(prop)} touched`);
      },
    });
    setPortsForTesting(poisoned);
    try {
      const wrapped = fft.wrap(fns.onRawVideoFinalized);
      await expect(
        wrapped({ data: { bucket: TEST_BUCKET, name: blobPaths.encryptedVideo(UID, 'r1'), size: '1', metadata: { [PIPELINE_METADATA_KEY]: 'true' } } }),
      ).resolves.toBeUndefined();
      await expect(wrapped({ data: { bucket: TEST_BUCKET, name: 'users/u1/uploads/a.png', size: '1', metadata: {} } })).resolves.toBeUndefined();
      // …whereas a real raw video does reach the ports.
      await expect(wrapped({ data: { bucket: TEST_BUCKET, name: blobPaths.rawVideo(UID, 'r1'), size: '1', metadata: {} } })).rejects.toThrow(/touched/);
    } finally {
      setPortsForTesting(fx.ports);
    }
  });
});
