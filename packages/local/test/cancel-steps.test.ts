import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandlers, readTransitionLog, silentLogger, webhookToken, type DocData, type Ports, type TaskQueue } from '@d2v/core';
import type { LumaApi } from '@d2v/luma';
import { blobPaths, docPaths, type ActionRecord, type Transition, type VideoRequest, type VideoState } from '@d2v/schema';
import { FileBlobStore, LocalDatabase, SqliteDocumentStore, SqliteEventSink, type LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';
const OPTIONS = { resolution: '540p', aspectRatio: '16:9', duration: '5s', fresh: true } as const;

/**
 * Cancel in every state, driven step by step so each state is really the one cancelled: real SQLite store, real
 * simulator over HTTP (its counters say how many generations were created and deleted), real ffmpeg. Two
 * boundaries are faked and say so: the task queue only records (no other worker runs unless the test runs it),
 * and a "crash" is a Luma port that never returns after the real create answered.
 */
describe('cancel, state by state', () => {
  let stack: LocalStack;
  let cleanupStack: () => Promise<void>;
  let dir: string;
  let db: LocalDatabase;
  let ports: Ports;
  const clock = { t: Date.now(), now() { return this.t; } };
  const enqueued: string[] = [];

  beforeAll(async () => {
    ({ stack, cleanup: cleanupStack } = await startTestStack());
    dir = mkdtempSync(join(tmpdir(), 'd2v-cancel-'));
    db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    const recordingQueue: TaskQueue = { enqueue: async (queue, payload) => void enqueued.push(`${queue}:${payload.requestId}`) };
    ports = {
      ...stack.ports,
      store: new SqliteDocumentStore({ db }),
      blobs: new FileBlobStore({ db, rootDir: join(dir, 'blobs'), publicBaseUrl: 'http://127.0.0.1:1', signingSecret: 'x'.repeat(32) }),
      events: new SqliteEventSink({ db }),
      tasks: recordingQueue,
      clock,
      log: silentLogger,
    };
    await ports.store.runTransaction(async (tx) => tx.set(docPaths.draft(UID, 'd1'), { id: 'd1', uid: UID, title: 'A red kite', text: 'A red kite dances over green hills on a windy day.' }));
  });
  afterAll(async () => {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await cleanupStack?.();
  });
  afterEach(() => stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 1200 }));

  const handlers = () => createHandlers(ports);
  const withLuma = (overrides: Partial<LumaApi>) => {
    const real = ports.luma;
    const luma: LumaApi = {
      createVideo: (r) => real.createVideo(r),
      createImage: (r) => real.createImage(r),
      getGeneration: (id) => real.getGeneration(id),
      listGenerations: (o) => real.listGenerations(o),
      deleteGeneration: (id) => real.deleteGeneration(id),
      getCredits: () => real.getCredits(),
      ping: () => real.ping(),
      upscaleGeneration: (id, req) => real.upscaleGeneration(id, req),
      addAudio: (id, req) => real.addAudio(id, req),
      modifyVideo: (req) => real.modifyVideo(req),
      reframeVideo: (req) => real.reframeVideo(req),
      reframeImage: (req) => real.reframeImage(req),
      ...overrides,
    };
    return createHandlers({ ...ports, luma });
  };

  async function read(requestId: string): Promise<VideoRequest> {
    return (await ports.store.get<VideoRequest>(docPaths.videoRequest(UID, requestId)))!.data;
  }
  async function queued(): Promise<string> {
    const requestId = `c${randomUUID().slice(0, 8)}`;
    await ports.store.runTransaction(async (tx) => tx.create(docPaths.videoRequest(UID, requestId), { draftId: 'd1', options: OPTIONS }));
    await handlers().onRequestCreated({ uid: UID, requestId, data: {} });
    expect((await read(requestId)).state).toBe('queued');
    return requestId;
  }
  async function dreaming(): Promise<{ requestId: string; generationId: string }> {
    const requestId = await queued();
    await handlers().onSubmitTask({ uid: UID, requestId, stage: 'video' });
    const doc = await read(requestId);
    expect(doc.state).toBe('dreaming');
    return { requestId, generationId: doc.luma.generationId! };
  }
  /** A request held in a state as the store would hold it mid-step (the step itself is not running). */
  async function heldIn(state: VideoState, patch: DocData = {}): Promise<string> {
    const requestId = await queued();
    await ports.store.runTransaction(async (tx) => tx.update(docPaths.videoRequest(UID, requestId), { state, ...patch }));
    return requestId;
  }
  /** The owner writes `action` (as Firestore rules allow) and the update trigger runs, as it would. */
  async function act(requestId: string, type: string, id: string = randomUUID()): Promise<string> {
    const before = await read(requestId);
    await ports.store.runTransaction(async (tx) => tx.update(docPaths.videoRequest(UID, requestId), { action: { id, type } }));
    await handlers().onRequestUpdated({ uid: UID, requestId, before: before as unknown as DocData, after: (await read(requestId)) as unknown as DocData });
    return id;
  }
  async function transitions(requestId: string): Promise<Transition[]> {
    return readTransitionLog(ports.store, { uid: UID, requestId });
  }
  const lumaCounts = () => ({ creates: stack.simulator!.stats().creates.video, deletes: stack.simulator!.stats().deletes, inFlight: stack.simulator!.stats().deletesInFlight });
  const delta = (before: ReturnType<typeof lumaCounts>) => {
    const now = lumaCounts();
    return { creates: now.creates - before.creates, deletes: now.deletes - before.deletes, inFlight: now.inFlight - before.inFlight };
  };
  async function lumaState(generationId: string): Promise<string> {
    return (await ports.luma.getGeneration(generationId)).state;
  }
  async function untilLuma(generationId: string, state: string): Promise<void> {
    for (const deadline = Date.now() + 20_000; (await lumaState(generationId)) !== state; ) {
      if (Date.now() > deadline) throw new Error(`generation ${generationId} never became ${state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const webhook = (requestId: string, generationId: string) =>
    handlers().onLumaWebhook({ uid: UID, requestId, token: webhookToken(ports.config.webhookSecret, UID, requestId), body: { id: generationId, state: 'completed' } });
  const files = (requestId: string) => [blobPaths.rawVideo(UID, requestId), blobPaths.encryptedVideo(UID, requestId), blobPaths.poster(UID, requestId)];
  async function noFiles(requestId: string): Promise<void> {
    for (const path of files(requestId)) expect(await ports.blobs.stat(path)).toBeNull();
  }

  describe('before the billed create: cancelled, nothing spent', () => {
    it.each(['pending', 'validating'] as const)('%s → cancelled; the step that was running finds nothing to do', async (state) => {
      const before = lumaCounts();
      const requestId = await heldIn(state);
      const actionId = await act(requestId, 'cancel');
      const doc = await read(requestId);
      expect(doc.state).toBe('cancelled');
      expect(doc.lastActionResult).toEqual({ id: actionId, type: 'cancel', ok: true });
      expect(doc.cancellation).toMatchObject({ fromState: state, billed: false, generationIds: [], estimatedCents: 0 });
      await handlers().onRequestCreated({ uid: UID, requestId, data: {} });
      await handlers().onSubmitTask({ uid: UID, requestId, stage: 'video' });
      expect((await read(requestId)).state).toBe('cancelled');
      expect(delta(before)).toEqual({ creates: 0, deletes: 0, inFlight: 0 });
    });

    it('queued → cancelled; the queued submit task then creates nothing', async () => {
      const before = lumaCounts();
      const requestId = await queued();
      await act(requestId, 'cancel');
      expect((await read(requestId)).state).toBe('cancelled');
      await handlers().onSubmitTask({ uid: UID, requestId, stage: 'video' });
      expect((await read(requestId)).state).toBe('cancelled');
      expect(generationsFor(stack, requestId)).toHaveLength(0);
      expect(delta(before)).toEqual({ creates: 0, deletes: 0, inFlight: 0 });
      expect((await transitions(requestId)).map((t) => t.to)).toEqual(['pending', 'validating', 'queued', 'cancelled']);
    });

    it('submitting before the intent is written → cancelled; the submitter holding the slot does not bill', async () => {
      const before = lumaCounts();
      const requestId = await heldIn('submitting', { lease: { step: 'submit-video', owner: 'someone', until: clock.t + 60_000 } });
      await act(requestId, 'cancel');
      expect((await read(requestId)).state).toBe('cancelled');
      await handlers().onSubmitTask({ uid: UID, requestId, stage: 'video' });
      expect(delta(before)).toEqual({ creates: 0, deletes: 0, inFlight: 0 });
    });
  });

  describe('while the billed create is in flight: the generation is deleted at Luma, never left running', () => {
    it('the submitter sees the cancel when Luma answers, records the generation, deletes it and cancels', async () => {
      const before = lumaCounts();
      const requestId = await queued();
      let answered!: () => void;
      let release!: () => void;
      const lumaAnswered = new Promise<void>((r) => (answered = r));
      const gate = new Promise<void>((r) => (release = r));
      const slow = withLuma({
        createVideo: async (req) => {
          const generation = await ports.luma.createVideo(req);
          answered();
          await gate; // Luma has billed; our process has not heard yet
          return generation;
        },
      });
      const submitting = slow.onSubmitTask({ uid: UID, requestId, stage: 'video' });
      await lumaAnswered;
      expect((await read(requestId)).luma.submitIntentAt).toBeDefined();

      const actionId = await act(requestId, 'cancel');
      const marked = await read(requestId);
      expect(marked.state).toBe('submitting');
      expect(marked.cancelRequested).toMatchObject({ actionId });
      expect(marked.lastActionResult).toMatchObject({ id: actionId, ok: true });

      release();
      await submitting;
      const doc = await read(requestId);
      expect(doc.state).toBe('cancelled');
      const gens = generationsFor(stack, requestId) as { id: string; deleted?: boolean }[];
      expect(gens).toHaveLength(1);
      expect(stack.simulator!.generations().find((g) => g.id === gens[0]!.id)!.deleted).toBe(true);
      expect(doc.cancellation).toMatchObject({ fromState: 'dreaming', billed: true, generationIds: [gens[0]!.id] });
      expect(doc.cancellation!.estimatedCents).toBeGreaterThan(0);
      expect(delta(before)).toEqual({ creates: 1, deletes: 1, inFlight: 1 });
      expect((await transitions(requestId)).map((t) => t.to).slice(-3)).toEqual(['submitting', 'dreaming', 'cancelled']);
    });

    it('a submitter that died after Luma answered: the cancel hands the request to a new submit task, which finds and deletes it', async () => {
      const before = lumaCounts();
      const requestId = await queued();
      let created!: () => void;
      const createdOnLuma = new Promise<void>((r) => (created = r));
      const dying = withLuma({
        createVideo: async (req) => {
          await ports.luma.createVideo(req);
          created();
          return new Promise<never>(() => undefined); // the process dies here
        },
      });
      void dying.onSubmitTask({ uid: UID, requestId, stage: 'video' });
      await createdOnLuma;

      enqueued.length = 0;
      await act(requestId, 'cancel');
      expect((await read(requestId)).state).toBe('submitting'); // the dead worker's lease is still live
      // Past the dead worker's lease and the sweeper's idle threshold.
      clock.t += Math.max(ports.config.stepLeaseMs, ports.config.rekickAfterMs) + 1;
      await handlers().sweep(); // notices the stuck cancel and hands it to a submit task
      expect(enqueued).toContain(`submit:${requestId}`);
      await handlers().onSubmitTask({ uid: UID, requestId, stage: 'video' });

      const doc = await read(requestId);
      expect(doc.state).toBe('cancelled');
      const gens = generationsFor(stack, requestId) as { id: string }[];
      expect(gens).toHaveLength(1);
      expect(stack.simulator!.generations().find((g) => g.id === gens[0]!.id)!.deleted).toBe(true);
      expect(doc.cancellation).toMatchObject({ billed: true, generationIds: [gens[0]!.id] });
      expect(delta(before)).toMatchObject({ creates: 1, deletes: 1 });
    });

    it('a request deleted while its create was in flight: the generation Luma made is deleted too', async () => {
      const requestId = await queued();
      let answered!: () => void;
      let release!: () => void;
      const lumaAnswered = new Promise<void>((r) => (answered = r));
      const gate = new Promise<void>((r) => (release = r));
      const submitting = withLuma({
        createVideo: async (req) => {
          const g = await ports.luma.createVideo(req);
          answered();
          await gate;
          return g;
        },
      }).onSubmitTask({ uid: UID, requestId, stage: 'video' });
      await lumaAnswered;
      await act(requestId, 'delete');
      release();
      await submitting;
      expect((await read(requestId)).state).toBe('deleted');
      const gens = generationsFor(stack, requestId) as { id: string }[];
      expect(gens).toHaveLength(1);
      expect(stack.simulator!.generations().find((g) => g.id === gens[0]!.id)!.deleted).toBe(true);
    });
  });

  describe('while Luma works: DELETE at Luma, then cancelled (billed)', () => {
    it('dreaming → Luma\'s generation deleted mid-dream, cancelled, and later polls and callbacks change nothing', async () => {
      stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 8000 });
      const before = lumaCounts();
      const { requestId, generationId } = await dreaming();
      await act(requestId, 'cancel');
      const doc = await read(requestId);
      expect(doc.state).toBe('cancelled');
      expect(doc.cancellation).toMatchObject({ fromState: 'dreaming', billed: true, generationIds: [generationId] });
      expect(stack.simulator!.generations().find((g) => g.id === generationId)!.deleted).toBe(true);
      expect(delta(before)).toEqual({ creates: 1, deletes: 1, inFlight: 1 });

      // The poll chain and a late callback find a cancelled request: nothing moves, nothing fails.
      await handlers().onPollTask({ uid: UID, requestId, stage: 'video', attempt: 0 });
      expect(await webhook(requestId, generationId)).toMatchObject({ status: 200 });
      const after = await read(requestId);
      expect(after.state).toBe('cancelled');
      expect(after.transitionCount).toBe(doc.transitionCount);
      await noFiles(requestId);
      const events = await (ports.events as SqliteEventSink).list({ requestId });
      expect(events.filter((e) => e.type === 'cancel')).toHaveLength(1);
    });

    it.each(['cancel first', 'completion first'] as const)('racing the completion webhook (%s): cancelled, nothing downloaded, deleted at Luma', async (order) => {
      const before = lumaCounts();
      const { requestId, generationId } = await dreaming();
      await untilLuma(generationId, 'completed'); // done at Luma; our pipeline has not heard yet
      enqueued.length = 0;
      if (order === 'cancel first') {
        await act(requestId, 'cancel');
        await webhook(requestId, generationId);
      } else {
        await webhook(requestId, generationId);
        // The completion only enqueues the download task; its claim would make the move to downloading.
        expect(enqueued).toContain(`download:${requestId}`);
        expect((await read(requestId)).state).toBe('dreaming');
        await act(requestId, 'cancel');
      }
      // Whatever the download task that may have been queued does now, it finds a cancelled request.
      await handlers().onDownloadTask({ uid: UID, requestId });
      const doc = await read(requestId);
      expect(doc.state).toBe('cancelled');
      expect(doc.cancellation).toMatchObject({ billed: true, generationIds: [generationId] });
      expect(stack.simulator!.generations().find((g) => g.id === generationId)!.deleted).toBe(true);
      expect(delta(before)).toMatchObject({ creates: 1, deletes: 1, inFlight: 0 });
      await noFiles(requestId);
    });

    it('both at once, ten times: always one terminal state, cancelled, and one DELETE', async () => {
      for (let i = 0; i < 10; i++) {
        const before = lumaCounts();
        const { requestId, generationId } = await dreaming();
        await untilLuma(generationId, 'completed');
        await Promise.all([act(requestId, 'cancel'), webhook(requestId, generationId), handlers().onPollTask({ uid: UID, requestId, stage: 'video', attempt: 0 })]);
        await handlers().onDownloadTask({ uid: UID, requestId });
        expect((await read(requestId)).state).toBe('cancelled');
        expect(delta(before)).toMatchObject({ creates: 1, deletes: 1 });
        const log = await transitions(requestId);
        expect(log.filter((t) => t.to === 'cancelled')).toHaveLength(1);
        await noFiles(requestId);
      }
    }, 90_000);
  });

  describe('after Luma finished: the video was billed; cancelled and its files removed', () => {
    it('downloading (raw.mp4 stored) → cancelled, raw removed; processing that starts later leaves nothing', async () => {
      const { requestId, generationId } = await dreaming();
      await untilLuma(generationId, 'completed');
      await webhook(requestId, generationId);
      await handlers().onDownloadTask({ uid: UID, requestId });
      expect(await ports.blobs.stat(blobPaths.rawVideo(UID, requestId))).not.toBeNull();
      await act(requestId, 'cancel');
      const doc = await read(requestId);
      expect(doc.state).toBe('cancelled');
      expect(doc.cancellation).toMatchObject({ fromState: 'downloading', billed: true });
      await noFiles(requestId);
      // The Storage finalize event of that raw.mp4 arrives late: nothing is processed, nothing is stored.
      await handlers().onObjectFinalized({ path: blobPaths.rawVideo(UID, requestId), contentType: 'video/mp4', size: 1, custom: {}, generation: '1' });
      expect((await read(requestId)).state).toBe('cancelled');
      await noFiles(requestId);
    });

    it('processing (ffmpeg running) → cancelled; the processor\'s outputs and the raw video are removed', async () => {
      const { requestId, generationId } = await dreaming();
      await untilLuma(generationId, 'completed');
      await webhook(requestId, generationId);
      await handlers().onDownloadTask({ uid: UID, requestId });
      const raw = blobPaths.rawVideo(UID, requestId);
      const info = (await ports.blobs.stat(raw))!;
      const processing = handlers().onObjectFinalized({ path: raw, contentType: 'video/mp4', size: info.size, custom: {}, generation: info.generation });
      for (const deadline = Date.now() + 10_000; (await read(requestId)).state !== 'processing'; ) {
        if (Date.now() > deadline) throw new Error('never processing');
        await new Promise((r) => setTimeout(r, 20));
      }
      await act(requestId, 'cancel');
      expect((await read(requestId)).state).toBe('cancelled');
      await processing;
      const doc = await read(requestId);
      expect(doc.state).toBe('cancelled');
      expect(doc.outputs).toBeUndefined();
      expect(doc.cancellation).toMatchObject({ fromState: 'processing', billed: true, generationIds: [generationId] });
      await noFiles(requestId);
    });
  });

  describe('finished, duplicate, late', () => {
    it('ready → ACTION_NOT_ALLOWED ("delete it instead"), nothing changes; a cancelled request can be deleted but not retried', async () => {
      const { requestId, generationId } = await dreaming();
      await untilLuma(generationId, 'completed');
      await webhook(requestId, generationId);
      await handlers().onDownloadTask({ uid: UID, requestId });
      const raw = blobPaths.rawVideo(UID, requestId);
      const info = (await ports.blobs.stat(raw))!;
      await handlers().onObjectFinalized({ path: raw, contentType: 'video/mp4', size: info.size, custom: {}, generation: info.generation });
      const ready = await read(requestId);
      expect(ready.state).toBe('ready');
      const id = await act(requestId, 'cancel');
      const after = await read(requestId);
      expect(after.lastActionResult).toMatchObject({ id, type: 'cancel', ok: false, code: 'ACTION_NOT_ALLOWED' });
      expect(after.lastActionResult!.message).toMatch(/delete it instead/);
      expect(after.state).toBe('ready');
      expect(after.transitionCount).toBe(ready.transitionCount);
    });

    it('a duplicate delivery at the same moment, the same id later and a second cancel are all harmless', async () => {
      const requestId = await queued();
      const before = await read(requestId);
      const id = randomUUID();
      await ports.store.runTransaction(async (tx) => tx.update(docPaths.videoRequest(UID, requestId), { action: { id, type: 'cancel' } }));
      const after = await read(requestId);
      const event = { uid: UID, requestId, before: before as unknown as DocData, after: after as unknown as DocData };
      await Promise.all([handlers().onRequestUpdated(event), handlers().onRequestUpdated(event)]);
      const cancelled = await read(requestId);
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.lastActionResult).toEqual({ id, type: 'cancel', ok: true });

      await handlers().onRequestUpdated(event); // the same id again, later
      const second = await act(requestId, 'cancel'); // a new cancel
      const doc = await read(requestId);
      expect(doc.lastActionResult).toEqual({ id: second, type: 'cancel', ok: true, message: 'Already cancelled.' });
      expect((await transitions(requestId)).filter((t) => t.to === 'cancelled')).toHaveLength(1);
      const records = (await ports.store.query<ActionRecord>({ collection: `${docPaths.videoRequest(UID, requestId)}/actions` })).map((s) => s.data);
      expect(records.map((r) => r.id).sort()).toEqual([id, second].sort());

      const retry = await act(requestId, 'retry');
      expect((await read(requestId)).lastActionResult).toMatchObject({ id: retry, ok: false, code: 'ACTION_NOT_ALLOWED', message: expect.stringMatching(/make it again/) });
      await act(requestId, 'delete');
      expect((await read(requestId)).state).toBe('deleted');
      const late = await act(requestId, 'cancel');
      expect((await read(requestId)).lastActionResult).toMatchObject({ id: late, ok: false, code: 'ACTION_NOT_ALLOWED' });
    });
  });
});
