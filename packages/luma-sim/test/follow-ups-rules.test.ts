/**
 * The follow-up endpoints' rules, through our Luma client where it can send the request and raw HTTP where only a
 * malformed body shows the point: Luma's 422/400 answers, impossible requests, inputs that fail when read, limits
 * per model family (429 + Retry-After), credits charged at submit and refunded on failure, and the fault knobs.
 */
import { LumaClient, LumaError, type Generation } from '@d2v/luma';
import { INPUT_FRAMES_FAILURE, LumaSimulator, modifyCostCents, reframeVideoCostCents, startLumaSimulator, upscaleCostCents } from '../src';
import { call, delay, eventually, FAST, FROZEN, KEY, makePng, Receiver, startReceiver } from './helpers';

let sim: LumaSimulator;
let client: LumaClient;
let source: Generation;
let receiver: Receiver;

async function ended(id: string): Promise<Generation> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await delay(40)) {
    const g = await client.getGeneration(id);
    if (g.state === 'completed' || g.state === 'failed') return g;
  }
  throw new Error(`generation ${id} did not end`);
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as LumaError);

beforeAll(async () => {
  const png = makePng();
  receiver = await startReceiver((req) => {
    if (req.method === 'POST') return { status: 200 }; // callbacks
    return req.url === '/still.png' ? { status: 200, type: 'image/png', body: png } : { status: 404 };
  });
  sim = await startLumaSimulator({
    timing: FAST,
    maxRenderHeight: 270,
    seed: 31,
    followUps: { maxExtendedSeconds: 12, maxInputVideoSeconds: 6 },
    limits: { maxConcurrent: { ray: 50, photon: 50 }, createsPerMinute: { ray: 100, photon: 100 } },
  });
  client = new LumaClient({ apiKey: KEY, baseUrl: sim.url, maxRetries: 0 });
  source = await ended((await client.createVideo({ model: 'ray-2', prompt: 'tide pools', resolution: '540p', duration: '5s' })).id);
  expect(source.state).toBe('completed');
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

describe('validation of the follow-up endpoints', () => {
  it('refuses impossible upscales: not higher, beyond 4k, of an image, of an unknown generation', async () => {
    await expect(refusal(client.upscaleGeneration(source.id, { resolution: '540p' }))).resolves.toMatchObject({
      kind: 'bad_request',
      status: 400,
      detail: 'Cannot upscale a 540p generation to 540p',
    });
    const eightK = await refusal(client.upscaleGeneration(source.id, { resolution: '8k' as never }));
    expect(eightK?.detail).toMatch(/^Invalid resolution '8k', must be one of: 540p, 720p, 1080p, 4k/);
    const image = await client.createImage({ model: 'photon-flash-1', prompt: 'a shell', sync: true });
    expect((await refusal(client.upscaleGeneration(image.id, { resolution: '1080p' })))?.detail).toBe('Cannot upscale an image generation');
    expect((await refusal(client.addAudio(image.id, { prompt: 'surf' })))?.detail).toBe('Cannot add audio to an image generation');
    await expect(refusal(client.upscaleGeneration('00000000-0000-0000-0000-000000000000', { resolution: '4k' }))).resolves.toMatchObject({
      kind: 'not_found',
      status: 404,
    });
  });

  it('refuses an extension of a generation that is not completed, and one past the chain limit', async () => {
    sim.setTiming(FROZEN);
    const pending = await client.createVideo({ model: 'ray-2', prompt: 'still queued' });
    sim.setTiming(FAST);
    const notDone = await refusal(client.createVideo({ model: 'ray-2', prompt: 'more', keyframes: { frame0: { type: 'generation', id: pending.id } } }));
    expect(notDone?.detail).toBe(`Keyframe generation ${pending.id} is not completed (keyframes.frame0)`);
    const tooLong = await refusal(
      client.createVideo({ model: 'ray-2', prompt: 'much more', duration: '9s', keyframes: { frame0: { type: 'generation', id: source.id } } }),
    );
    expect(tooLong?.detail).toBe('Cannot extend: the video would be 14 seconds long, the maximum is 12 seconds');
    // 5 + 5 fits under 12.
    expect((await client.createVideo({ model: 'ray-2', prompt: 'a bit more', keyframes: { frame0: { type: 'generation', id: source.id } } })).state).toBe('queued');
  });

  it('answers 422 in FastAPI form for schema errors of modify and reframe', async () => {
    const modify = await call(sim, 'POST', '/generations/video/modify', { model: 'ray-3', media: {}, mode: 'gentle' });
    expect(modify.status).toBe(422);
    expect(modify.body.detail.map((e: { loc: unknown[]; type: string }) => [e.loc.join('.'), e.type])).toEqual([
      ['body.generation_type', 'missing'],
      ['body.model', 'enum'],
      ['body.mode', 'enum'],
      ['body.media.url', 'missing'],
    ]);
    const reframe = await call(sim, 'POST', '/generations/video/reframe', {
      generation_type: 'reframe_video',
      model: 'ray-2',
      media: { url: 'http://127.0.0.1:9/v.mp4' },
      grid_position_x: 2.5,
      y_start: '10',
    });
    expect(reframe.status).toBe(422);
    expect(reframe.body.detail.map((e: { loc: unknown[]; type: string }) => [e.loc.join('.'), e.type])).toEqual([
      ['body.aspect_ratio', 'missing'],
      ['body.grid_position_x', 'int_from_float'],
      ['body.y_start', 'int_type'],
    ]);
    const wrongType = await call(sim, 'POST', '/generations/image/reframe', {
      generation_type: 'reframe_video',
      model: 'photon-1',
      aspect_ratio: '1:1',
      media: { url: 'http://127.0.0.1:9/i.png' },
    });
    expect(wrongType.body.detail).toEqual([
      expect.objectContaining({ type: 'literal_error', loc: ['body', 'generation_type'], msg: "Input should be 'reframe_image'" }),
    ]);
  });

  it("answers 400 with Luma's wording for bad URLs, geometry and prompts", async () => {
    const media = { url: 'http://127.0.0.1:9/v.mp4' };
    const cases: [Promise<unknown>, string][] = [
      [client.modifyVideo({ model: 'ray-2', mode: 'flex_1', media: { url: 'file:///etc/passwd' } }), 'Invalid URL for media.url: only http and https URLs are supported'],
      [client.modifyVideo({ model: 'ray-2', mode: 'flex_1', media, first_frame: { url: 'ftp://x/y.png' } }), 'Invalid URL for first_frame.url: only http and https URLs are supported'],
      [client.modifyVideo({ model: 'ray-2', mode: 'flex_1', media, prompt: 'hi' }), 'Prompt is too short, minimum length is 3 characters'],
      [client.reframeVideo({ model: 'ray-2', aspect_ratio: '1:1', media, x_start: 100, x_end: 50 }), 'x_end must be greater than x_start'],
      [client.reframeVideo({ model: 'ray-2', aspect_ratio: '1:1', media, y_start: 0 }), 'y_start and y_end must be given together'],
      [client.reframeImage({ model: 'photon-1', aspect_ratio: '1:1', media, grid_position_y: -1 }), 'grid_position_y must be greater than or equal to 0'],
      [client.reframeImage({ model: 'photon-1', aspect_ratio: '1:1', media, format: 'gif' as never }), "Invalid format 'gif', must be one of: jpg, png"],
      [client.addAudio(source.id, { prompt: '' }), 'Prompt is required'],
    ];
    for (const [request, detail] of cases) {
      await expect(refusal(request)).resolves.toMatchObject({ kind: 'bad_request', status: 400, retryable: false, detail });
    }
    expect(sim.stats().creates).toMatchObject({ modify_video: 0, reframe_video: 0, reframe_image: 0 });
  });
});

describe('follow-up inputs that fail when Luma reads them (refunded)', () => {
  it('fails unreadable, remote, non-video and too-long inputs, and reframes to the same aspect ratio', async () => {
    const balance = sim.stats().creditBalance;
    const longVideo = await ended((await client.createVideo({ model: 'ray-2', prompt: 'a long take', duration: '9s', resolution: '540p' })).id);
    const afterLong = sim.stats().creditBalance;
    expect(afterLong).toBe(balance - 72);
    const cases: [Promise<Generation>, string][] = [
      [
        client.modifyVideo({ model: 'ray-2', mode: 'adhere_1', media: { url: `${receiver.url}/missing.mp4` }, callback_url: `${receiver.url}/cb` }),
        INPUT_FRAMES_FAILURE,
      ],
      [client.modifyVideo({ model: 'ray-2', mode: 'adhere_1', media: { url: 'https://videos.example.com/a.mp4' } }), INPUT_FRAMES_FAILURE],
      [client.reframeVideo({ model: 'ray-2', aspect_ratio: '1:1', media: { url: `${receiver.url}/still.png` } }), INPUT_FRAMES_FAILURE],
      [client.modifyVideo({ model: 'ray-flash-2', mode: 'flex_3', media: { url: longVideo.assets!.video! } }), 'Input video is too long, maximum duration is 6 seconds'],
      [client.reframeVideo({ model: 'ray-2', aspect_ratio: '16:9', media: { url: source.assets!.video! } }), 'Cannot reframe to 16:9: the input already has that aspect ratio'],
      [client.reframeImage({ model: 'photon-1', aspect_ratio: '4:3', media: { url: `${receiver.url}/still.png` } }), 'Cannot reframe to 4:3: the input already has that aspect ratio'],
    ];
    const created = await Promise.all(cases.map(([p]) => p));
    expect(sim.stats().creditBalance).toBeLessThan(afterLong); // charged at submit
    for (const [i, g] of created.entries()) {
      const done = await ended(g.id);
      expect({ i, state: done.state, reason: done.failure_reason, assets: done.assets }).toEqual({ i, state: 'failed', reason: cases[i][1], assets: null });
    }
    expect(sim.stats().creditBalance).toBe(afterLong); // all refunded in full
    // An input that cannot be read fails straight from queued: the callbacks say failed (twice), never dreaming.
    await eventually(() => receiver.received.filter((r) => r.method === 'POST').length >= 2, 5000, 'failure callbacks');
    await delay(150);
    const callbacks = receiver.received.filter((r) => r.method === 'POST');
    expect(callbacks.map((r) => [r.url, r.body.state, r.body.generation_type])).toEqual([
      ['/cb', 'failed', 'modify_video'],
      ['/cb', 'failed', 'modify_video'],
    ]);
  });
});

describe('a source deleted while its follow-ups wait', () => {
  it('fails the upscale, the audio and the extension of it as unreadable, and refunds them', async () => {
    const doomed = await ended((await client.createVideo({ model: 'ray-flash-2', prompt: 'a sandcastle', resolution: '540p' })).id);
    const balance = sim.stats().creditBalance;
    sim.setTiming({ ...FAST, queuedMs: 300 });
    try {
      const followUps = [
        await client.upscaleGeneration(doomed.id, { resolution: '720p' }),
        await client.addAudio(doomed.id, { prompt: 'the tide comes in' }),
        await client.createVideo({ model: 'ray-flash-2', prompt: 'washed away', keyframes: { frame0: { type: 'generation', id: doomed.id } } }),
      ];
      await client.deleteGeneration(doomed.id);
      for (const g of followUps) expect(await ended(g.id)).toMatchObject({ state: 'failed', failure_reason: INPUT_FRAMES_FAILURE });
      expect(sim.stats().creditBalance).toBe(balance);
    } finally {
      sim.setTiming(FAST);
    }
  });
});

describe('limits, credits and faults of the follow-ups', () => {
  it('counts video follow-ups against Ray and the image reframe against Photon (429 + Retry-After)', async () => {
    sim.setTiming({ ...FROZEN, queuedMs: 20_000, dreamingMs: 10_000 });
    sim.setLimits({ maxConcurrent: { ray: 2, photon: 1 } });
    try {
      // Whatever is still in flight from earlier tests counts too: fill Ray up to its limit.
      const media = { url: source.assets!.video! };
      const refusedRay = async () => refusal(client.reframeVideo({ model: 'ray-2', aspect_ratio: '9:16', media }));
      let refused = await refusedRay();
      for (let i = 0; i < 3 && refused === undefined; i++) refused = await refusedRay();
      expect(refused).toMatchObject({ kind: 'rate_limited', status: 429, retryable: true });
      expect(refused!.retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect(await refusal(client.upscaleGeneration(source.id, { resolution: '1080p' }))).toMatchObject({ status: 429 });
      expect(await refusal(client.modifyVideo({ model: 'ray-2', mode: 'adhere_3', media }))).toMatchObject({ status: 429 });
      expect(await refusal(client.addAudio(source.id, { prompt: 'rain' }))).toMatchObject({ status: 429 });
      // Photon has its own budget: one image reframe fits, the second does not.
      const still = { url: `${receiver.url}/still.png` };
      expect((await client.reframeImage({ model: 'photon-1', aspect_ratio: '1:1', media: still })).state).toBe('queued');
      expect(await refusal(client.reframeImage({ model: 'photon-1', aspect_ratio: '1:1', media: still }))).toMatchObject({ status: 429 });
    } finally {
      sim.setLimits({ maxConcurrent: { ray: 50, photon: 50 } });
      sim.setTiming(FAST);
    }
  });

  it('charges each follow-up at submit and refunds it in full when it fails', async () => {
    sim.setFaults({ failureRate: 1, failureReasons: ['Job failed'] });
    try {
      const before = sim.stats().creditBalance;
      const up = await client.upscaleGeneration(source.id, { resolution: '1080p' });
      const mod = await client.modifyVideo({ model: 'ray-2', mode: 'flex_2', media: { url: source.assets!.video! } });
      const ref = await client.reframeVideo({ model: 'ray-flash-2', aspect_ratio: '9:16', media: { url: source.assets!.video! } });
      const charged = upscaleCostCents('ray-2', '1080p', 5) + modifyCostCents('ray-2') + reframeVideoCostCents('ray-flash-2');
      expect(before - sim.stats().creditBalance).toBe(charged);
      expect((await client.getCredits()).credit_balance).toBe(before - charged);
      for (const g of [up, mod, ref]) expect(await ended(g.id)).toMatchObject({ state: 'failed', failure_reason: 'Job failed' });
      expect(sim.stats().creditBalance).toBe(before);
      expect(sim.generations().filter((g) => [up.id, mod.id, ref.id].includes(g.id)).every((g) => g.refunded)).toBe(true);
    } finally {
      sim.setFaults({ failureRate: 0 });
    }
  });

  it('answers 402 without credits and injected 5xx before creating anything (never retried by the client)', async () => {
    const creates = () => Object.values(sim.stats().creates).reduce((a, b) => a + b, 0);
    const balance = sim.stats().creditBalance;
    sim.setCredits(0);
    expect(await refusal(client.addAudio(source.id, { prompt: 'birdsong' }))).toMatchObject({ kind: 'no_credits', status: 402 });
    sim.setCredits(balance);
    const before = { creates: creates(), requests: sim.stats().requests };
    sim.setFaults({ serverErrorRate: 1 });
    try {
      const err = await refusal(client.modifyVideo({ model: 'ray-2', mode: 'adhere_1', media: { url: source.assets!.video! } }));
      expect(err).toMatchObject({ kind: 'server', retryable: true });
    } finally {
      sim.setFaults({ serverErrorRate: 0 });
    }
    expect(creates()).toBe(before.creates);
    expect(sim.stats().requests).toBe(before.requests + 1);
  });
});
