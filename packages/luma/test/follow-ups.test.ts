/**
 * The follow-up methods against a scripted HTTP server: the path and body each one sends (with its
 * `generation_type`), the generation parsed back (new types, and unknown ones tolerated), no automatic retry of
 * these billed creates, Luma's errors mapped as for every call, and the cost estimates. The same methods against
 * the real simulator, with the media probed, are in packages/luma-sim/test/follow-ups.test.ts.
 */
import {
  estimateCostCents,
  estimateFollowUpCostCents,
  extendVideoRequest,
  GenerationSchema,
  LumaClient,
  LumaError,
  MODIFY_MODES,
  type LumaFollowUpApi,
} from '../src';
import { generationFixture, sequence, startScriptedServer, type RecordedRequest, type ScriptStep } from './scripted-server';

const SOURCE = 'c7d1e0f2-1111-4222-8333-944455556666';

async function sent(
  step: ScriptStep,
  run: (client: LumaClient) => Promise<unknown>,
): Promise<{ value?: unknown; error?: unknown; requests: RecordedRequest[] }> {
  const server = await startScriptedServer(sequence(step));
  try {
    const client = new LumaClient({ apiKey: 'k', baseUrl: server.baseUrl, retryDelays: { initialMs: 1, maxMs: 2 } });
    const outcome = await run(client).then(
      (value): { value?: unknown; error?: unknown } => ({ value }),
      (error: unknown) => ({ error }),
    );
    return { ...outcome, requests: server.requests };
  } finally {
    await server.close();
  }
}

describe('follow-up methods', () => {
  const media = { url: 'https://cdn.example/in.mp4' };
  const cases: [string, (c: LumaFollowUpApi) => Promise<unknown>, string, Record<string, unknown>][] = [
    ['upscaleGeneration', (c) => c.upscaleGeneration(SOURCE, { resolution: '4k' }), `/generations/${SOURCE}/upscale`, { resolution: '4k', generation_type: 'upscale_video' }],
    [
      'addAudio',
      (c) => c.addAudio(SOURCE, { prompt: 'rain', negative_prompt: 'music', callback_url: 'https://hook.example/luma?t=1' }),
      `/generations/${SOURCE}/audio`,
      { prompt: 'rain', negative_prompt: 'music', callback_url: 'https://hook.example/luma?t=1', generation_type: 'add_audio' },
    ],
    [
      'modifyVideo',
      (c) => c.modifyVideo({ model: 'ray-2', mode: 'flex_2', media, first_frame: { url: 'https://cdn.example/f.png' }, prompt: 'as claymation' }),
      '/generations/video/modify',
      { model: 'ray-2', mode: 'flex_2', media, first_frame: { url: 'https://cdn.example/f.png' }, prompt: 'as claymation', generation_type: 'modify_video' },
    ],
    [
      'reframeVideo',
      (c) => c.reframeVideo({ model: 'ray-flash-2', aspect_ratio: '9:16', media, grid_position_x: 0, grid_position_y: 420 }),
      '/generations/video/reframe',
      { model: 'ray-flash-2', aspect_ratio: '9:16', media, grid_position_x: 0, grid_position_y: 420, generation_type: 'reframe_video' },
    ],
    [
      'reframeImage',
      (c) => c.reframeImage({ model: 'photon-1', aspect_ratio: '1:1', format: 'png', media: { url: 'https://cdn.example/i.jpg' }, x_start: 0, x_end: 576, y_start: 100, y_end: 424 }),
      '/generations/image/reframe',
      { model: 'photon-1', aspect_ratio: '1:1', format: 'png', media: { url: 'https://cdn.example/i.jpg' }, x_start: 0, x_end: 576, y_start: 100, y_end: 424, generation_type: 'reframe_image' },
    ],
  ];

  it.each(cases)('%s POSTs its body with generation_type and parses the new generation', async (_name, run, path, body) => {
    const type = body.generation_type as string;
    const { value, requests } = await sent({ status: 201, body: generationFixture({ generation_type: type }) }, run);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', url: `/dream-machine/v1${path}` });
    expect(JSON.parse(requests[0]!.bodyText)).toEqual(body);
    expect(value).toMatchObject({ generation_type: type, state: 'queued' });
  });

  it.each(cases)('%s is never retried: a 503 arrives as a retryable LumaError after one attempt', async (_name, run) => {
    const { error, requests } = await sent({ status: 503, body: { detail: 'Internal server error' } }, run);
    expect(error).toBeInstanceOf(LumaError);
    expect(error).toMatchObject({ kind: 'server', status: 503, retryable: true });
    expect(requests).toHaveLength(1);
  });

  it('maps a 429 with Retry-After and a 400 with Luma detail as for every call', async () => {
    const limited = await sent({ status: 429, body: { detail: 'Too many requests' }, headers: { 'retry-after': '7' } }, (c) =>
      c.reframeVideo({ model: 'ray-2', aspect_ratio: '1:1', media }),
    );
    expect(limited.error).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: 7000 });
    const refused = await sent({ status: 400, body: { detail: 'Cannot upscale a 1080p generation to 720p' } }, (c) =>
      c.upscaleGeneration(SOURCE, { resolution: '720p' }),
    );
    expect(refused.error).toMatchObject({ kind: 'bad_request', retryable: false, detail: 'Cannot upscale a 1080p generation to 720p' });
  });

  it('refuses an empty source id before sending anything', async () => {
    const { error, requests } = await sent({ status: 201, body: generationFixture() }, (c) => c.addAudio(' ', { prompt: 'rain' }));
    expect(error).toBeInstanceOf(RangeError);
    expect(requests).toHaveLength(0);
    expect(() => extendVideoRequest('', { model: 'ray-2' })).toThrow(RangeError);
  });

  it('builds an extension request with the source as frame0 (and an optional end frame)', () => {
    expect(extendVideoRequest(SOURCE, { model: 'ray-2', prompt: 'later', duration: '9s' })).toEqual({
      model: 'ray-2',
      prompt: 'later',
      duration: '9s',
      keyframes: { frame0: { type: 'generation', id: SOURCE } },
    });
    expect(extendVideoRequest(SOURCE, { model: 'ray-2', frame1: { type: 'image', url: 'https://cdn.example/end.png' } }).keyframes).toEqual({
      frame0: { type: 'generation', id: SOURCE },
      frame1: { type: 'image', url: 'https://cdn.example/end.png' },
    });
  });

  it('parses every follow-up generation type, and tolerates one it does not know', () => {
    for (const type of ['upscale_video', 'add_audio', 'modify_video', 'reframe_video', 'reframe_image', 'something_new']) {
      expect(GenerationSchema.parse(generationFixture({ generation_type: type })).generation_type).toBe(type);
    }
    expect(MODIFY_MODES).toHaveLength(9);
  });
});

describe('follow-up cost estimates (USD cents)', () => {
  it("prices modify by Luma's published rate: 720p 16:9 5 s ≈ $1.75", () => {
    expect(estimateFollowUpCostCents({ operation: 'modify', model: 'ray-2' })).toBe(174.96);
    expect(estimateFollowUpCostCents({ operation: 'modify', model: 'ray-2', source: { width: 960, height: 540, durationSeconds: 10 } })).toBe(196.83);
    expect(estimateFollowUpCostCents({ operation: 'modify', model: 'ray-flash-2' })).toBe(58.32);
  });

  it('prices upscale and video reframe like a fresh clip of that length, audio and image reframe flat', () => {
    expect(estimateFollowUpCostCents({ operation: 'upscale', model: 'ray-2', resolution: '1080p', sourceDurationSeconds: 5 })).toBe(159);
    expect(estimateFollowUpCostCents({ operation: 'upscale', model: 'ray-2', resolution: '4k', sourceDurationSeconds: 10 })).toBe(1274);
    expect(estimateFollowUpCostCents({ operation: 'reframe_video', model: 'ray-2' })).toBe(71);
    expect(estimateFollowUpCostCents({ operation: 'reframe_video', model: 'ray-flash-2', resolution: '540p', sourceDurationSeconds: 9 })).toBe(24);
    expect(estimateFollowUpCostCents({ operation: 'add_audio' })).toBe(10);
    expect(estimateFollowUpCostCents({ operation: 'reframe_image', model: 'photon-flash-1' })).toBe(0.4);
  });

  it('prices an extension as the video create it is', () => {
    expect(estimateCostCents(extendVideoRequest(SOURCE, { model: 'ray-2', resolution: '1080p', duration: '5s' }))).toBe(159);
  });
});
