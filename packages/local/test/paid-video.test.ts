import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandlers, Incarnation, silentLogger, type PipelineHandlers, type Ports, type TaskPayload, type TaskQueue, type TaskQueueName } from '@d2v/core';
import type { LumaApi } from '@d2v/luma';
import { blobPaths, docPaths, type VideoRequest } from '@d2v/schema';
import { FileBlobStore, LocalDatabase, SqliteDocumentStore, SqliteEventSink, type LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';
// `fresh`: every request its own generation (the same draft again would be a content-cache hit).
const OPTIONS = { resolution: '540p', aspectRatio: '16:9', duration: '5s', fresh: true } as const;

/**
 * "A paid video is never lost to our own failure": the download and processing steps after Luma completed a
 * generation, driven step by step on a real SQLite store, real files, real ffmpeg and the real simulator over HTTP.
 * Faked and named: the task queue only records (so no worker runs and a "lost" task is one nobody runs), the clock
 * is moved by hand, and one Luma port answers with a dead asset link (a CDN failure cannot be made on demand).
 */
describe('after Luma completed the video', () => {
  let stack: LocalStack;
  let cleanupStack: () => Promise<void>;
  let dir: string;
  let db: LocalDatabase;
  let ports: Ports;
  let handlers: PipelineHandlers;
  const clock = { offset: 0, now() { return Date.now() + this.offset; } };
  let tasks: { queue: TaskQueueName; payload: TaskPayload; id?: string; delaySeconds?: number }[] = [];

  beforeAll(async () => {
    ({ stack, cleanup: cleanupStack } = await startTestStack());
    dir = mkdtempSync(join(tmpdir(), 'd2v-paid-'));
    db = new LocalDatabase({ file: join(dir, 'db.sqlite') });
    const recordingQueue: TaskQueue = { enqueue: async (queue, payload, opts) => void tasks.push({ queue, payload, id: opts?.id, delaySeconds: opts?.delaySeconds }) };
    ports = {
      ...stack.ports,
      store: new SqliteDocumentStore({ db }),
      blobs: new FileBlobStore({ db, rootDir: join(dir, 'blobs'), publicBaseUrl: 'http://127.0.0.1:1', signingSecret: 'x'.repeat(32) }),
      events: new SqliteEventSink({ db }),
      tasks: recordingQueue,
      clock,
      log: silentLogger,
      tmpDir: join(dir, 'tmp'),
      liveness: new Incarnation({ othersAreDead: true }),
      config: { ...stack.ports.config, downloadRetryMinSeconds: 2, downloadRetryMaxSeconds: 60 },
    };
    mkdirSync(ports.tmpDir, { recursive: true });
    handlers = createHandlers(ports);
    await ports.store.runTransaction(async (tx) => tx.set(docPaths.draft(UID, 'd1'), { id: 'd1', uid: UID, title: 'Lanterns', text: 'Paper lanterns drift over a calm river at dusk.' }));
  });
  afterAll(async () => {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await cleanupStack?.();
  });

  const read = async (requestId: string) => (await ports.store.get<VideoRequest>(docPaths.videoRequest(UID, requestId)))!.data;
  const withLuma = (overrides: Partial<LumaApi>) => createHandlers({ ...ports, luma: { ...bind(ports.luma), ...overrides } });

  /**
   * A request driven until Luma finished its video and the poll heard it: its download task recorded, not run. The
   * request is still `dreaming`: the download task's claim makes the move to `downloading` (with its lease).
   */
  async function finished(): Promise<string> {
    const requestId = `p${Math.random().toString(36).slice(2, 10)}`;
    await ports.store.runTransaction(async (tx) => tx.create(docPaths.videoRequest(UID, requestId), { draftId: 'd1', options: OPTIONS }));
    await handlers.onRequestCreated({ uid: UID, requestId, data: {} });
    await handlers.onSubmitTask({ uid: UID, requestId, stage: 'video' });
    const generationId = (await read(requestId)).luma.generationId!;
    for (let i = 0; i < 200; i++) {
      if ((await ports.luma.getGeneration(generationId)).state === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    tasks = [];
    await handlers.onPollTask({ uid: UID, requestId, stage: 'video', attempt: (await read(requestId)).luma.polls });
    expect((await read(requestId)).state).toBe('dreaming');
    expect(tasks.filter((t) => t.queue === 'download' && t.payload.requestId === requestId)).toHaveLength(1);
    return requestId;
  }

  it('fetches again with a fresh link, as a delayed task of its own (no queue attempt), after a failed fetch', async () => {
    const requestId = await finished();
    tasks = [];
    let reads = 0;
    const deadLink = withLuma({
      getGeneration: async (id) => {
        reads++;
        const g = await ports.luma.getGeneration(id);
        return { ...g, assets: { ...g.assets, video: 'http://127.0.0.1:9/gone.mp4' } };
      },
    });
    await deadLink.onDownloadTask({ uid: UID, requestId }); // resolves: the queue's retry budget is not what ends it
    let doc = await read(requestId);
    expect(doc.state).toBe('downloading');
    expect(doc.lease ?? null).toBeNull();
    expect(reads).toBe(1);
    const retry = tasks.find((t) => t.queue === 'download' && t.payload.requestId === requestId);
    expect(retry?.id).toMatch(/^download-retry-/);
    expect(retry?.delaySeconds).toBeGreaterThanOrEqual(2);

    let fresh = 0;
    await withLuma({ getGeneration: (id) => (fresh++, ports.luma.getGeneration(id)) }).onDownloadTask(retry!.payload);
    expect(fresh).toBe(1); // the next try asked Luma for the generation (a fresh link) again
    expect(await ports.blobs.stat(blobPaths.rawVideo(UID, requestId))).not.toBeNull();
    doc = await read(requestId);
    expect(doc.downloadAttempts).toBe(2);
    expect(generationsFor(stack, requestId)).toHaveLength(1);
  });

  it('fails with LUMA_VIDEO_GONE when Luma no longer has it, and its retry fetches again without creating', async () => {
    const requestId = await finished();
    const generationId = (await read(requestId)).luma.generationId!;
    await ports.luma.deleteGeneration(generationId);
    await handlers.onDownloadTask({ uid: UID, requestId });
    let doc = await read(requestId);
    expect(doc.state).toBe('failed');
    expect(doc.error).toMatchObject({ code: 'LUMA_VIDEO_GONE', retryable: true });
    expect(doc.error!.message).toMatch(/never billed twice/);

    tasks = [];
    await handlers.onRequestUpdated({ uid: UID, requestId, before: null, after: { ...doc, action: { id: 'retry-1', type: 'retry' } } });
    doc = await read(requestId);
    expect(doc.state).toBe('downloading');
    expect(doc.luma.generationId).toBe(generationId);
    expect(tasks.map((t) => t.queue)).toEqual(['download']);
    expect(tasks.some((t) => t.queue === 'submit')).toBe(false);
    await handlers.onDownloadTask(tasks[0]!.payload);
    expect((await read(requestId)).error?.code).toBe('LUMA_VIDEO_GONE');
    expect(generationsFor(stack, requestId)).toHaveLength(1); // billed once, whatever the retries
  });

  it('takes Luma at its word after three fresh links that all lead nowhere (403/404): LUMA_VIDEO_GONE', async () => {
    const requestId = await finished();
    const expired = withLuma({
      getGeneration: async (id) => {
        const g = await ports.luma.getGeneration(id);
        return { ...g, assets: { video: `${new URL(stack.simulator!.url).origin}/assets/${id}/video.mp4?exp=1&sig=00` } };
      },
    });
    for (let i = 0; i < 3; i++) await expired.onDownloadTask({ uid: UID, requestId });
    const doc = await read(requestId);
    expect(doc.state).toBe('failed');
    expect(doc.error?.code).toBe('LUMA_VIDEO_GONE');
    expect(doc.error?.detail).toMatch(/answered 40\d on 3 tries/);
  });

  it('re-kicks a request whose download task was lost: the re-kicked poll hears Luma finished again, and the video is fetched', async () => {
    const requestId = await finished();
    tasks = []; // the download task is "lost": nobody runs it
    clock.offset += ports.config.rekickAfterMs + 1;
    expect((await handlers.sweep()).rekicked).toBeGreaterThanOrEqual(1);
    const poll = tasks.find((t) => t.queue === 'poll' && t.payload.requestId === requestId);
    expect(poll).toBeDefined();
    tasks = [];
    await handlers.onPollTask(poll!.payload);
    const rekick = tasks.find((t) => t.queue === 'download' && t.payload.requestId === requestId);
    expect(rekick).toBeDefined();
    await handlers.onDownloadTask(rekick!.payload);
    expect((await read(requestId)).state).toBe('downloading');
    expect(await ports.blobs.stat(blobPaths.rawVideo(UID, requestId))).not.toBeNull();
  });

  it('re-drives processing left behind by a killed process (raw.mp4 stored, its lease unexpired) at once on resume', async () => {
    const requestId = await finished();
    await handlers.onDownloadTask({ uid: UID, requestId });
    // What a process killed while processing leaves: state processing, a live-looking lease of its incarnation.
    const killed = new Incarnation({ othersAreDead: true });
    await ports.store.runTransaction(async (tx) => {
      const doc = (await tx.get<VideoRequest>(docPaths.videoRequest(UID, requestId)))!.data;
      tx.set(docPaths.videoRequest(UID, requestId), { ...doc, state: 'processing', processAttempts: 1, lease: { step: 'process', owner: `${killed.incarnation}.x`, until: clock.now() + 60_000 } });
    });
    tasks = [];
    expect((await handlers.sweep({ resume: true })).rekicked).toBeGreaterThanOrEqual(1);
    const redrive = tasks.find((t) => t.queue === 'process' && t.payload.requestId === requestId);
    expect(redrive).toBeDefined();
    await handlers.onProcessTask(redrive!.payload);
    const doc = await read(requestId);
    expect(doc.state).toBe('ready');
    expect(doc.processAttempts).toBe(1); // the killed attempt is not counted twice
    expect(await ports.blobs.stat(blobPaths.rawVideo(UID, requestId))).toBeNull();
    expect(await ports.blobs.stat(doc.outputs!.videoPath)).not.toBeNull();
  });

  it('a download that finds raw.mp4 already stored (its process died before processing took over) processes it', async () => {
    const requestId = await finished();
    await handlers.onDownloadTask({ uid: UID, requestId });
    tasks = [];
    let reads = 0;
    // The next incarnation (the one that stored it is dead, its lease with it) runs the download again.
    const restarted = createHandlers({ ...ports, liveness: new Incarnation({ othersAreDead: true }), luma: { ...bind(ports.luma), getGeneration: (id) => (reads++, ports.luma.getGeneration(id)) } });
    await restarted.onDownloadTask({ uid: UID, requestId });
    expect(reads).toBe(0); // nothing fetched again
    expect(tasks.map((t) => t.queue)).toEqual(['process']);
  });
});

function bind(luma: LumaApi): LumaApi {
  return {
    createVideo: (r) => luma.createVideo(r),
    createImage: (r) => luma.createImage(r),
    getGeneration: (id) => luma.getGeneration(id),
    listGenerations: (o) => luma.listGenerations(o),
    deleteGeneration: (id) => luma.deleteGeneration(id),
    getCredits: () => luma.getCredits(),
    ping: () => luma.ping(),
    upscaleGeneration: (id, req) => luma.upscaleGeneration(id, req),
    addAudio: (id, req) => luma.addAudio(id, req),
    modifyVideo: (req) => luma.modifyVideo(req),
    reframeVideo: (req) => luma.reframeVideo(req),
    reframeImage: (req) => luma.reframeImage(req),
  };
}
