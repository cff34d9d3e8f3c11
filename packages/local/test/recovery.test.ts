import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandlers, Incarnation, readTransitionLog, silentLogger, type Ports, type TaskQueue } from '@d2v/core';
import type { LumaApi } from '@d2v/luma';
import { docPaths, type VideoRequest } from '@d2v/schema';
import { FileBlobStore, LocalDatabase, SqliteDocumentStore, SqliteEventSink, type LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';
const OPTIONS = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;

/**
 * Crash and race scenarios for the one billed call, driven step by step: real SQLite store, real simulator over
 * HTTP. Two boundaries are faked and say so: the task queue only records (so no other worker runs), and a
 * "crash" is an exception thrown by the Luma port right after the real create answered — process death,
 * which cannot happen inside one test process any other way.
 */
describe('the Luma create is never repeated for one request', () => {
  let stack: LocalStack;
  let cleanupStack: () => Promise<void>;
  let dir: string;
  let db: LocalDatabase;
  let ports: Ports;
  const clock = { t: Date.now(), now() { return this.t; } };
  const enqueued: string[] = [];
  const enqueuedTasks: { queue: string; requestId: string; id?: string; delaySeconds?: number }[] = [];

  beforeAll(async () => {
    ({ stack, cleanup: cleanupStack } = await startTestStack());
    dir = mkdtempSync(join(tmpdir(), 'd2v-recovery-'));
    db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    const recordingQueue: TaskQueue = {
      enqueue: async (queue, payload, opts) => {
        enqueued.push(`${queue}:${payload.requestId}`);
        enqueuedTasks.push({ queue, requestId: payload.requestId, id: opts?.id, delaySeconds: opts?.delaySeconds });
      },
    };
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

  async function queued(): Promise<string> {
    const requestId = `r${Math.random().toString(36).slice(2, 10)}`;
    await ports.store.runTransaction(async (tx) => tx.create(docPaths.videoRequest(UID, requestId), { draftId: 'd1', options: OPTIONS }));
    await createHandlers(ports).onRequestCreated({ uid: UID, requestId, data: {} });
    expect((await read(requestId)).state).toBe('queued');
    return requestId;
  }
  async function read(requestId: string): Promise<VideoRequest> {
    return (await ports.store.get<VideoRequest>(docPaths.videoRequest(UID, requestId)))!.data;
  }
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

  it('adopts the generation an attempt created before it crashed, once the crashed lease expires', async () => {
    const requestId = await queued();
    let created!: () => void;
    const createdOnLuma = new Promise<void>((r) => (created = r));
    const dying = withLuma({
      createVideo: async (req) => {
        await ports.luma.createVideo(req);
        created();
        // The process dies here: nothing after Luma's answer ever runs (no cleanup, the lease stays).
        return new Promise<never>(() => undefined);
      },
    });
    void dying.onSubmitTask({ uid: UID, requestId, stage: 'video' });
    await createdOnLuma;
    expect((await read(requestId)).state).toBe('submitting');

    // While the dead worker's lease is live, a retry waits instead of creating: it schedules one follow-up for
    // the lease's end and is acknowledged (no queue attempt spent).
    enqueuedTasks.length = 0;
    await createHandlers(ports).onSubmitTask({ uid: UID, requestId, stage: 'video' });
    expect((await read(requestId)).state).toBe('submitting');
    const followUps = enqueuedTasks.filter((t) => t.requestId === requestId);
    expect(followUps).toHaveLength(1);
    expect(followUps[0]!.id).toMatch(/^submit-wait-/);
    expect(followUps[0]!.delaySeconds).toBeGreaterThan(0);
    expect(followUps[0]!.delaySeconds).toBeLessThanOrEqual(Math.ceil(ports.config.stepLeaseMs / 1000) + 1);
    expect(generationsFor(stack, requestId)).toHaveLength(1);
    clock.t += ports.config.stepLeaseMs + 1;
    await createHandlers(ports).onSubmitTask({ uid: UID, requestId, stage: 'video' });

    const doc = await read(requestId);
    expect(doc.state).toBe('dreaming');
    const gens = generationsFor(stack, requestId) as { id: string }[];
    expect(gens).toHaveLength(1);
    expect(doc.luma.generationId).toBe(gens[0]!.id);
    expect(doc.luma.submitAttempts).toBe(1);
  });

  it('takes over at once from a worker the runtime knows is dead (another incarnation), and adopts its create', async () => {
    const requestId = await queued();
    const killed = new Incarnation({ othersAreDead: true });
    const restarted = new Incarnation({ othersAreDead: true });
    let created!: () => void;
    const createdOnLuma = new Promise<void>((r) => (created = r));
    const dying = createHandlers({ ...ports, liveness: killed, luma: { ...ports.luma, createVideo: async (req) => {
      await ports.luma.createVideo(req);
      created();
      return new Promise<never>(() => undefined);
    } } as typeof ports.luma });
    void dying.onSubmitTask({ uid: UID, requestId, stage: 'video' });
    await createdOnLuma;
    const leased = await read(requestId);
    expect(leased.lease?.owner.startsWith(`${killed.incarnation}.`)).toBe(true);
    expect(leased.lease!.until).toBeGreaterThan(clock.now());

    // The clock has not moved: the lease is unexpired, but its incarnation is dead.
    await createHandlers({ ...ports, liveness: restarted }).onSubmitTask({ uid: UID, requestId, stage: 'video' });
    const doc = await read(requestId);
    expect(doc.state).toBe('dreaming');
    expect(generationsFor(stack, requestId)).toHaveLength(1);
    expect(doc.luma.generationId).toBe(generationsFor(stack, requestId)[0]!.id);
  });

  it('lets only one of two concurrent deliveries create; the other waits without failing', async () => {
    const requestId = await queued();
    const handlers = createHandlers(ports);
    const results = await Promise.allSettled([0, 1].map(() => handlers.onSubmitTask({ uid: UID, requestId, stage: 'video' })));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect((await read(requestId)).state).toBe('dreaming');
    expect(generationsFor(stack, requestId)).toHaveLength(1);
  });

  it('after an ambiguous 5xx looks before it creates again, and creates once', async () => {
    const requestId = await queued();
    stack.simulator!.setFaults({ serverErrorRate: 1 });
    try {
      await expect(createHandlers(ports).onSubmitTask({ uid: UID, requestId, stage: 'video' })).rejects.toMatchObject({ name: 'RetryLaterError' });
    } finally {
      stack.simulator!.setFaults({ serverErrorRate: 0 });
    }
    const afterError = await read(requestId);
    expect(afterError.state).toBe('submitting');
    expect(afterError.luma.submitIntentAt).toBeDefined();
    expect(afterError.lease ?? null).toBeNull();
    let lists = 0;
    await withLuma({ listGenerations: (o) => (lists++, ports.luma.listGenerations(o)) }).onSubmitTask({ uid: UID, requestId, stage: 'video' });
    expect(lists).toBeGreaterThan(0);
    expect((await read(requestId)).state).toBe('dreaming');
    expect(generationsFor(stack, requestId)).toHaveLength(1);
  });

  it('gives the slot back on 429 without counting the attempt', async () => {
    const requestId = await queued();
    stack.simulator!.setLimits({ createsPerMinute: { ray: 1 } });
    try {
      // Use up the one create of this minute (it may already be used by the tests before).
      await ports.luma.createVideo({ model: 'ray-2', prompt: 'a placeholder that takes the only slot', resolution: '540p' }).catch(() => undefined);
      enqueuedTasks.length = 0;
      // Acknowledged: the next try is a delayed task of its own, so a long stretch at Luma's limit spends no attempt.
      await createHandlers(ports).onSubmitTask({ uid: UID, requestId, stage: 'video' });
      const next = enqueuedTasks.filter((t) => t.requestId === requestId);
      expect(next).toHaveLength(1);
      expect(next[0]).toMatchObject({ queue: 'submit' });
      expect(next[0]!.id).toMatch(/^submit-retry-/);
      expect(next[0]!.delaySeconds).toBeGreaterThan(0);
    } finally {
      stack.simulator!.setLimits({ createsPerMinute: { ray: 20 } });
    }
    const doc = await read(requestId);
    expect(doc.state).toBe('queued');
    expect(doc.luma.submitIntentAt).toBeUndefined();
    expect(doc.luma.submitAttempts).toBe(0);
    expect(generationsFor(stack, requestId)).toHaveLength(0);
    const log = await readTransitionLog(ports.store, { uid: UID, requestId });
    expect(log.some((t) => t.from === 'submitting' && t.to === 'queued' && t.reason.includes('429'))).toBe(true);
  });

  it('sweeps: re-kicks a request that stopped moving, fails one past its deadline, records the credit balance', async () => {
    const requestId = await queued();
    enqueued.length = 0;
    // Waiting for a Luma slot is left alone for a while (its task waits in the rate-limited queue)…
    clock.t += ports.config.rekickAfterMs + 1;
    await createHandlers(ports).sweep();
    expect(enqueued).not.toContain(`submit:${requestId}`);
    // …then re-kicked, in case its task was lost.
    clock.t += ports.config.rekickQueuedAfterMs;
    const first = await createHandlers(ports).sweep();
    expect(first.rekicked).toBeGreaterThanOrEqual(1);
    expect(enqueued).toContain(`submit:${requestId}`);
    expect((await read(requestId)).state).toBe('queued');

    clock.t += ports.config.requestDeadlineMs;
    const second = await createHandlers(ports).sweep();
    expect(second.failed).toBeGreaterThanOrEqual(1);
    const doc = await read(requestId);
    expect(doc.state).toBe('failed');
    expect(doc.error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    const log = await readTransitionLog(ports.store, { uid: UID, requestId });
    expect(log.at(-1)).toMatchObject({ to: 'failed', by: 'sweeper' });

    const balances = await (ports.events as SqliteEventSink).list({ type: 'credits_balance' });
    expect(balances.length).toBeGreaterThanOrEqual(2);
    expect(balances.every((e) => typeof e.balanceCents === 'number')).toBe(true);
    const calls = await (ports.events as SqliteEventSink).list({ type: 'luma_call' });
    expect(calls.some((e) => e.lumaOp === 'credits' && e.outcome === 'ok' && typeof e.durationMs === 'number')).toBe(true);
  });

  it('refuses a request document whose creator wrote server-owned fields (no credits, clear error)', async () => {
    const requestId = `forged${Math.random().toString(36).slice(2, 8)}`;
    await ports.store.runTransaction(async (tx) => tx.create(docPaths.videoRequest(UID, requestId), { draftId: 'd1', state: 'ready', outputs: {} }));
    await createHandlers(ports).onRequestCreated({ uid: UID, requestId, data: {} });
    const doc = await read(requestId);
    expect(doc.state).toBe('failed');
    expect(doc.error).toMatchObject({ code: 'INVALID_REQUEST', retryable: false });
    expect(doc.error!.message).toMatch(/set by the server/);
    expect(generationsFor(stack, requestId)).toHaveLength(0);
  });
});
