import { blobPaths, type Transition, type VideoRequest, type VideoState } from '@d2v/schema';
import type { LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

/**
 * Cancel end to end: POST /v1/requests/:id/actions {type: "cancel"} over real HTTP, the pipeline reacting to the
 * written action, the simulator counting what was created and deleted at "Luma". (State-by-state races are in
 * cancel-steps.test.ts.)
 */
const UID = 'demo-user';
const DEMO = 'demo-token';
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s', fresh: true } as const;

let stack: LocalStack;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ stack, cleanup } = await startTestStack({ simulator: { seed: 9, timing: { queuedMs: 200, dreamingMs: 6000 } } })));
afterAll(() => cleanup?.());
afterEach(() => stack.simulator!.setFaults({ slowMs: 0 }));

async function call(method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEMO}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
async function create(draftId: string): Promise<string> {
  const res = await call('POST', '/v1/requests', { draftId, options: FAST });
  expect(res.status).toBe(201);
  return res.body.requestId;
}
async function cancel(requestId: string): Promise<string> {
  const res = await call('POST', `/v1/requests/${requestId}/actions`, { type: 'cancel' });
  expect(res.status).toBe(202);
  return res.body.actionId;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(requestId: string, ok: (doc: VideoRequest) => boolean, what: string, timeoutMs = 30_000): Promise<VideoRequest> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const doc = await stack.api.getRequest(UID, requestId);
    if (ok(doc)) return doc;
    if (Date.now() > deadline) throw new Error(`${requestId} never ${what} (state ${doc.state})`);
    await sleep(25);
  }
}
const waitFor = (requestId: string, states: VideoState[]) => stack.waitForState(UID, requestId, states, 30_000);
const counts = () => {
  const s = stack.simulator!.stats();
  return { video: s.creates.video, image: s.creates.image, deletes: s.deletes, inFlight: s.deletesInFlight };
};
async function noFiles(requestId: string): Promise<void> {
  for (const path of [blobPaths.rawVideo(UID, requestId), blobPaths.encryptedVideo(UID, requestId), blobPaths.poster(UID, requestId)]) {
    expect(await stack.ports.blobs.stat(path)).toBeNull();
  }
}

it('while Luma dreams: Luma\'s DELETE stops it, the request is cancelled and stays so after Luma would have finished', async () => {
  const before = counts();
  const requestId = await create('demo-sunrise');
  const dreaming = await waitFor(requestId, ['dreaming']);
  const actionId = await cancel(requestId);
  const cancelled = await waitFor(requestId, ['cancelled']);
  expect(cancelled.lastActionResult).toMatchObject({ id: actionId, type: 'cancel', ok: true });
  expect(cancelled.cancellation).toMatchObject({ fromState: 'dreaming', billed: true, generationIds: [dreaming.luma.generationId] });
  expect(stack.simulator!.generations().find((g) => g.id === dreaming.luma.generationId)!.deleted).toBe(true);
  expect(counts()).toEqual({ ...before, video: before.video + 1, deletes: before.deletes + 1, inFlight: before.inFlight + 1 });

  // Past the time Luma needed: no completion, download or processing happened.
  await sleep(7000);
  const after = await stack.api.getRequest(UID, requestId);
  expect(after.state).toBe('cancelled');
  expect(after.transitionCount).toBe(cancelled.transitionCount);
  await noFiles(requestId);
  const states = ((await call('GET', `/v1/requests/${requestId}/transitions`)).body.transitions as Transition[]).map((t) => t.to);
  expect(states).toEqual(['pending', 'validating', 'queued', 'submitting', 'dreaming', 'cancelled']);

  // A late cancel is harmless; playback says it is not there.
  const late = await cancel(requestId);
  const doc = await until(requestId, (d) => d.lastActionResult?.id === late, 'recorded the late cancel');
  expect(doc.lastActionResult).toMatchObject({ ok: true, message: 'Already cancelled.' });
  const video = await call('GET', `/v1/requests/${requestId}/video`);
  expect({ status: video.status, code: video.body.error.code }).toEqual({ status: 410, code: 'CANCELLED' });
}, 40_000);

it('while Luma draws the keyframe: the image generation is deleted, no video is ever created', async () => {
  const before = counts();
  const requestId = await create('demo-portrait');
  const drawing = await waitFor(requestId, ['keyframe_dreaming']);
  await cancel(requestId);
  const cancelled = await waitFor(requestId, ['cancelled']);
  expect(cancelled.cancellation).toMatchObject({ fromState: 'keyframe_dreaming', billed: true, generationIds: [drawing.luma.keyframeGenerationId] });
  await sleep(2000);
  expect((await stack.api.getRequest(UID, requestId)).state).toBe('cancelled');
  expect(counts()).toMatchObject({ image: before.image + 1, video: before.video, deletes: before.deletes + 1 });
}, 40_000);

it('while the billed create is in flight (Luma slow to answer): cancelled, and the generation Luma made is deleted', async () => {
  const before = counts();
  stack.simulator!.setFaults({ slowMs: 1500 });
  const requestId = await create('demo-sunrise');
  await until(requestId, (d) => d.state === 'submitting' && d.luma.submitIntentAt !== undefined, 'started the create');
  await cancel(requestId);
  const marked = await until(requestId, (d) => Boolean(d.cancelRequested) || d.state === 'cancelled', 'marked');
  expect(['submitting', 'dreaming', 'cancelled']).toContain(marked.state);
  const done = await waitFor(requestId, ['cancelled']);
  const gens = generationsFor(stack, requestId);
  expect(gens).toHaveLength(1);
  expect(done.cancellation).toMatchObject({ billed: true, generationIds: [gens[0]!.id] });
  // Luma's DELETE goes through the same slow API: give it the time.
  for (const deadline = Date.now() + 10_000; !stack.simulator!.generations().find((g) => g.id === gens[0]!.id)!.deleted && Date.now() < deadline; ) await sleep(50);
  expect(stack.simulator!.generations().find((g) => g.id === gens[0]!.id)!.deleted).toBe(true);
  expect(counts()).toMatchObject({ video: before.video + 1, deletes: before.deletes + 1 });
}, 40_000);
