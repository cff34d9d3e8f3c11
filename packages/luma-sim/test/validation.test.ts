/** Luma's validation answers: 400 with its messages, 422 FastAPI-style for schema errors; never charged. */
import { LumaSimulator, startLumaSimulator } from '../src';
import { call, FROZEN } from './helpers';

const video = (extra: Record<string, unknown> = {}) => ({ model: 'ray-2', prompt: 'a red fox in the snow', ...extra });
const image = (extra: Record<string, unknown> = {}) => ({ model: 'photon-1', prompt: 'a red fox portrait', ...extra });
const ref = (n: number, weight = 0.5) => Array.from({ length: n }, (_, i) => ({ url: `http://127.0.0.1:9/ref${i}.png`, weight }));

describe('request validation', () => {
  let sim: LumaSimulator;
  beforeAll(async () => {
    // Generous limits: this suite is about validation, not 429s.
    sim = await startLumaSimulator({
      timing: FROZEN,
      seed: 3,
      limits: { maxConcurrent: { ray: 100, photon: 100 }, createsPerMinute: { ray: 100, photon: 100 } },
    });
  });
  afterAll(() => sim.close());

  const expect400 = async (route: string, body: unknown, detail: string | RegExp) => {
    const res = await call(sim, 'POST', route, body);
    expect(res.status).toBe(400);
    if (typeof detail === 'string') expect(res.body).toEqual({ detail });
    else expect(res.body.detail).toMatch(detail);
  };

  describe('video prompt', () => {
    it('requires a prompt unless an image keyframe is given', async () => {
      await expect400('/generations/video', { model: 'ray-2' }, 'Prompt is required');
      await expect400('/generations/video', { model: 'ray-2', prompt: '   ' }, 'Prompt is required');
      await expect400(
        '/generations/video',
        { model: 'ray-2', keyframes: { frame0: { type: 'generation', id: '00000000-0000-0000-0000-000000000000' } } },
        'Prompt is required',
      );
      const ok = await call(sim, 'POST', '/generations/video', {
        model: 'ray-2',
        keyframes: { frame0: { type: 'image', url: 'http://127.0.0.1:9/a.png' } },
      });
      expect(ok.status).toBe(201);
    });

    it('enforces 3..5000 characters', async () => {
      await expect400('/generations/video', video({ prompt: 'hi' }), 'Prompt is too short, minimum length is 3 characters');
      await expect400('/generations/video', video({ prompt: 'x'.repeat(5001) }), 'Prompt is too long, maximum length is 5000 characters');
      expect((await call(sim, 'POST', '/generations/video', video({ prompt: 'abc' }))).status).toBe(201);
      expect((await call(sim, 'POST', '/generations/video', video({ prompt: 'y'.repeat(5000) }))).status).toBe(201);
    });
  });

  it('refuses unknown aspect_ratio, resolution and duration values', async () => {
    await expect400('/generations/video', video({ aspect_ratio: '2:1' }), /^Invalid aspect_ratio '2:1'/);
    await expect400('/generations/video', video({ resolution: '8k' }), /^Invalid resolution '8k'/);
    await expect400('/generations/video', video({ duration: '7s' }), /^Invalid duration '7s'/);
  });

  it('refuses loop with frame1, with both keyframes and with a reverse extend', async () => {
    const img = { type: 'image', url: 'http://127.0.0.1:9/a.png' };
    await expect400('/generations/video', video({ loop: true, keyframes: { frame0: img, frame1: img } }), /^Loop is not supported for /);
    await expect400('/generations/video', video({ loop: true, keyframes: { frame1: img } }), /^Loop is not supported for /);
    await expect400(
      '/generations/video',
      video({ loop: true, keyframes: { frame1: { type: 'generation', id: 'x' } } }),
      'Loop is not supported for reverse extend',
    );
    expect((await call(sim, 'POST', '/generations/video', video({ loop: true, keyframes: { frame0: img } }))).status).toBe(201);
  });

  it('refuses keyframe generations that do not exist or are not completed', async () => {
    await expect400(
      '/generations/video',
      video({ keyframes: { frame0: { type: 'generation', id: '11111111-1111-1111-1111-111111111111' } } }),
      /^Keyframe generation 11111111-1111-1111-1111-111111111111 not found/,
    );
    const queued = (await call(sim, 'POST', '/generations/video', video())).body.id;
    await expect400('/generations/video', video({ keyframes: { frame0: { type: 'generation', id: queued } } }), /is not completed/);
  });

  it('refuses non-http(s) image URLs, unknown concepts and bad callback URLs', async () => {
    await expect400('/generations/video', video({ keyframes: { frame0: { type: 'image', url: 'ftp://x/a.png' } } }), /only http and https/);
    await expect400('/generations/video', video({ concepts: [{ key: 'warp_drive' }] }), "Unknown concept 'warp_drive'");
    await expect400('/generations/video', video({ callback_url: 'not a url' }), /^Invalid callback_url/);
    expect((await call(sim, 'POST', '/generations/video', video({ concepts: [{ key: 'dolly_zoom' }] }))).status).toBe(201);
  });

  describe('image requests', () => {
    it('requires a prompt', async () => {
      await expect400('/generations/image', { model: 'photon-1' }, 'Prompt is required');
      await expect400('/generations/image', image({ prompt: 'ab' }), 'Prompt is too short, minimum length is 3 characters');
    });

    it('limits image_ref to 4, style_ref to 1 and character images to 4', async () => {
      await expect400('/generations/image', image({ image_ref: ref(5) }), /image_ref.*at most 4/);
      await expect400('/generations/image', image({ style_ref: ref(2) }), /style_ref.*at most 1/);
      await expect400(
        '/generations/image',
        image({ character_ref: { identity0: { images: ref(5).map((r) => r.url) } } }),
        /character_ref.*at most 4/,
      );
      const ok = await call(sim, 'POST', '/generations/image', image({
        image_ref: ref(4),
        style_ref: ref(1),
        character_ref: { identity0: { images: ref(4).map((r) => r.url) } },
        modify_image_ref: { url: 'http://127.0.0.1:9/m.png', weight: 1 },
      }));
      expect(ok.status).toBe(201);
      expect(ok.body.generation_type).toBe('image');
    });

    it('keeps weights within [0, 1] and URLs http(s)', async () => {
      await expect400('/generations/image', image({ image_ref: ref(1, 1.5) }), 'Weight must be between 0 and 1 (image_ref[0].weight)');
      await expect400('/generations/image', image({ style_ref: ref(1, -0.1) }), /Weight must be between 0 and 1/);
      await expect400('/generations/image', image({ modify_image_ref: { url: 'file:///etc/passwd', weight: 0.5 } }), /only http and https/);
      await expect400('/generations/image', image({ format: 'gif' }), /^Invalid format 'gif'/);
    });
  });

  describe('422 schema errors', () => {
    it('reports a missing model FastAPI-style', async () => {
      const res = await call(sim, 'POST', '/generations/video', { prompt: 'a red fox' });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        detail: [{ type: 'missing', loc: ['body', 'model'], msg: 'Field required', input: { prompt: 'a red fox' } }],
      });
    });

    it('reports an unknown model per endpoint', async () => {
      const v = await call(sim, 'POST', '/generations/video', video({ model: 'photon-1' }));
      expect(v.status).toBe(422);
      expect(v.body.detail).toEqual([
        expect.objectContaining({ type: 'enum', loc: ['body', 'model'], msg: "Input should be 'ray-2' or 'ray-flash-2'", input: 'photon-1' }),
      ]);
      const i = await call(sim, 'POST', '/generations/image', image({ model: 'ray-2' }));
      expect(i.status).toBe(422);
      expect(i.body.detail[0]).toMatchObject({ loc: ['body', 'model'], msg: "Input should be 'photon-1' or 'photon-flash-1'" });
    });

    it('reports every wrong type at once, with its location', async () => {
      const res = await call(sim, 'POST', '/generations/video', {
        model: 'ray-2',
        prompt: 42,
        loop: 'yes',
        keyframes: { frame0: { type: 'video', url: 'http://x' }, frame1: { type: 'image' } },
        concepts: 'dolly_zoom',
      });
      expect(res.status).toBe(422);
      const byLoc = Object.fromEntries(res.body.detail.map((e: { loc: unknown[]; type: string }) => [e.loc.join('.'), e.type]));
      expect(byLoc).toEqual({
        'body.prompt': 'string_type',
        'body.loop': 'bool_type',
        'body.keyframes.frame0': 'union_tag_invalid',
        'body.keyframes.frame1.image.url': 'missing',
        'body.concepts': 'list_type',
      });
      for (const e of res.body.detail) expect(typeof e.msg).toBe('string');
    });

    it('answers a non-object or missing body with 422', async () => {
      expect((await call(sim, 'POST', '/generations/video', [1, 2])).body.detail[0]).toMatchObject({
        type: 'model_attributes_type',
        loc: ['body'],
      });
      expect((await call(sim, 'POST', '/generations/image')).body.detail[0]).toMatchObject({ type: 'missing', loc: ['body'] });
      const wrong = await call(sim, 'POST', '/generations/image', image({ image_ref: [{ weight: 'high' }] }));
      expect(wrong.status).toBe(422);
      expect(wrong.body.detail.map((e: { loc: unknown[] }) => e.loc.join('.'))).toEqual([
        'body.image_ref.0.url',
        'body.image_ref.0.weight',
      ]);
    });

    it('checks generation_type when it is sent', async () => {
      const res = await call(sim, 'POST', '/generations/video', video({ generation_type: 'image' }));
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ type: 'literal_error', loc: ['body', 'generation_type'] });
      expect((await call(sim, 'POST', '/generations/video', video({ generation_type: 'video' }))).status).toBe(201);
    });
  });

  it('validates upscale and audio requests against their source', async () => {
    const queued = (await call(sim, 'POST', '/generations/video', video())).body.id;
    expect(await call(sim, 'POST', '/generations/00000000-0000-0000-0000-000000000000/upscale', { resolution: '1080p' })).toMatchObject({
      status: 404,
      body: { detail: 'Generation not found' },
    });
    await expect400(`/generations/${queued}/upscale`, { generation_type: 'upscale_video', resolution: '1080p' }, /is not completed/);
    await expect400(`/generations/${queued}/upscale`, { resolution: '16k' }, /^Invalid resolution/);
    expect((await call(sim, 'POST', `/generations/${queued}/upscale`, {})).status).toBe(422);
    await expect400(`/generations/${queued}/audio`, { generation_type: 'add_audio' }, 'Prompt is required');
    await expect400(`/generations/${queued}/audio`, { generation_type: 'add_audio', prompt: 'waves' }, /is not completed/);
  });

  it('never charged nor counted any rejected request', async () => {
    const accepted = sim.generations();
    const spent = accepted.reduce((sum, g) => sum + g.chargedCents, 0);
    expect(sim.stats().creditBalance).toBe(100_000 - spent);
    const stats = sim.stats();
    expect(stats.creates.video + stats.creates.image).toBe(accepted.length);
    expect(stats.rateLimited).toBe(0);
  });
});
