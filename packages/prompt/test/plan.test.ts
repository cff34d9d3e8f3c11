import { buildLumaPlan, planStages, renderPrompt, LUMA_CONCEPT_KEYS_USED, CAMERA_MOVES, PROMPT_TARGET } from '../src';
import { PipelineError } from '@d2v/schema';
import { CONCEPT_KEYS as SIMULATOR_CONCEPT_KEYS } from '../../luma-sim/src/validation';
import { DEFAULT_OPTIONS, draft, fakeContext, loadFixtures, options } from './helpers';

const U = 'users/demo-user/uploads/';

test('a text-only draft goes straight to Ray (one stage, no image-stage parts)', async () => {
  const plan = await buildLumaPlan(draft({ text: 'A red fox trotting through fresh snow at dawn.' }), DEFAULT_OPTIONS, fakeContext());
  expect(plan.keyframe).toBeUndefined();
  expect(planStages(plan).map((s) => s.kind)).toEqual(['video']);
  expect(plan.video).toMatchObject({ model: 'ray-2', aspect_ratio: '9:16', resolution: '1080p', duration: '5s', generation_type: 'video' });
  expect(plan.video.keyframes).toBeUndefined();
  expect(plan.parts.every((p) => p.stage !== 'image')).toBe(true);
});

test('a draft with images: Photon keyframe, then Ray with frame0 from it; flash pairs with flash', async () => {
  const d = draft({ text: 'A fox', referenceImages: [{ path: `${U}ref-1.jpg` }] });
  const plan = await buildLumaPlan(d, options({ model: 'ray-flash-2', aspectRatio: '16:9' }), fakeContext());
  expect(plan.keyframe).toMatchObject({ model: 'photon-flash-1', aspect_ratio: '16:9', format: 'jpg', generation_type: 'image' });
  expect(plan.video.model).toBe('ray-flash-2');
  const stages = planStages(plan);
  expect(stages.map((s) => s.kind)).toEqual(['image', 'video']);
  expect(stages[1]!.frame0).toContain('stage 1');
  const ray2 = await buildLumaPlan(d, DEFAULT_OPTIONS, fakeContext());
  expect(ray2.keyframe?.model).toBe('photon-1');
});

test('the keyframe prompt is a still: no camera move, still-image style and quality words', async () => {
  const plan = await buildLumaPlan(draft({ text: 'A lighthouse in a storm', style: 'cinematic', styleImage: { path: `${U}style-1.jpg` } }), DEFAULT_OPTIONS, fakeContext());
  expect(plan.keyframe!.prompt).not.toContain('Camera:');
  expect(plan.keyframe!.prompt).toContain('Cinematic film still');
  expect(plan.keyframe!.prompt).toContain('Match the look of the style reference image.');
  expect(plan.video.prompt).toContain('Camera:');
  expect(plan.video.prompt).toContain('Cinematic film look');
});

test('every prompt is exactly its parts, in order', async () => {
  for (const f of loadFixtures()) {
    const plan = await buildLumaPlan(f.draft, DEFAULT_OPTIONS, fakeContext()).catch(() => undefined);
    if (!plan) continue;
    expect(renderPrompt(plan.parts, 'video')).toBe(plan.video.prompt);
    if (plan.keyframe) expect(renderPrompt(plan.parts, 'image')).toBe(plan.keyframe.prompt);
    for (const p of plan.parts) expect(p.text.length).toBeGreaterThan(0);
  }
});

test('concept keys: only documented ones, all accepted by the simulator, one per request, named in words too', async () => {
  for (const key of LUMA_CONCEPT_KEYS_USED) expect(SIMULATOR_CONCEPT_KEYS).toContain(key);
  for (const move of Object.values(CAMERA_MOVES)) if (move.concept) expect(LUMA_CONCEPT_KEYS_USED).toContain(move.concept);
  for (const f of loadFixtures()) {
    const plan = await buildLumaPlan(f.draft, DEFAULT_OPTIONS, fakeContext()).catch(() => undefined);
    if (!plan?.video.concepts) continue;
    expect(plan.video.concepts).toHaveLength(1);
    const move = Object.values(CAMERA_MOVES).find((m) => m.concept === plan.video.concepts![0]!.key)!;
    expect(plan.video.prompt).toContain(move.language);
  }
});

describe('camera choice', () => {
  const camera = async (text: string, extra: Parameters<typeof draft>[0] = {}, opts = DEFAULT_OPTIONS) =>
    (await buildLumaPlan(draft({ text, ...extra }), opts, fakeContext())).analysis!.camera;

  test('a move the draft names wins', async () => {
    expect(await camera('Drone shot over the fjord')).toMatchObject({ move: 'aerial', concept: 'aerial_drone', reason: 'named in the draft' });
    expect(await camera('Close-up of a ladybug on a leaf')).toMatchObject({ move: 'push_in' });
    expect(await camera('A dolly zoom on the hallway')).toMatchObject({ move: 'dolly_zoom', concept: 'dolly_zoom' });
  });

  test('otherwise the content decides, then the preset, then a slow push-in', async () => {
    expect((await camera('A girl running along the shore')).move).toBe('tracking');
    expect((await camera('Two dancers spinning under the lights')).move).toBe('orbit');
    expect((await camera('Snow-covered mountains and a frozen lake')).move).toBe('aerial');
    expect((await camera('A bowl of ramen with steam')).move).toBe('push_in');
    expect((await camera('An old clock on a wall', { style: 'documentary' })).move).toBe('handheld');
    expect((await camera('An old clock on a wall')).reason).toMatch(/^default/);
  });

  test('a loop video gets a camera that loops (a named move is kept, with a warning)', async () => {
    expect((await camera('A girl running along the shore', {}, options({ loop: true }))).move).toBe('static');
    expect((await camera('Two dancers spinning', {}, options({ loop: true }))).move).toBe('orbit');
    const plan = await buildLumaPlan(draft({ text: 'Zoom in on the cake' }), options({ loop: true }), fakeContext());
    expect(plan.video.loop).toBe(true);
    expect(plan.analysis!.camera.move).toBe('zoom_in');
    expect(plan.warnings[0]).toContain('does not loop seamlessly');
  });
});

describe('length', () => {
  test('a long draft is condensed towards the target, keeping the first sentence and the most visual others', async () => {
    const filler = (i: number) => `I honestly do not know what to say about week ${i} anymore and that is fine with me.`;
    const visual = 'A red kite dances above the golden wheat field at sunset.';
    const text = ['Our summer at the farm.', ...Array.from({ length: 60 }, (_, i) => (i === 30 ? visual : filler(i)))].join(' ');
    const plan = await buildLumaPlan(draft({ text }), DEFAULT_OPTIONS, fakeContext());
    expect(plan.video.prompt!.length).toBeLessThanOrEqual(PROMPT_TARGET);
    expect(plan.video.prompt).toMatch(/^Our summer at the farm\./);
    expect(plan.video.prompt).toContain(visual);
    expect(plan.warnings.some((w) => w.startsWith('The draft text ('))).toBe(true);
  });

  test('a single sentence of 100,000 characters is cut at a word boundary', async () => {
    const text = `A ${'very '.repeat(19_990)}long road.`;
    const plan = await buildLumaPlan(draft({ text }), DEFAULT_OPTIONS, fakeContext());
    expect(plan.video.prompt!.length).toBeLessThanOrEqual(PROMPT_TARGET);
    expect(plan.video.prompt).toMatch(/^A very very/);
  });

  test('CJK and RTL drafts are condensed without a broken character', async () => {
    for (const unit of ['夜の新宿、ネオンの光が濡れた路地に反射している。', 'غروب الشمس فوق الصحراء، والجمال تمشي ببطء. ', '👩‍👩‍👧 🇹🇼 ']) {
      const plan = await buildLumaPlan(draft({ text: unit.repeat(400) }), DEFAULT_OPTIONS, fakeContext());
      const prompt = plan.video.prompt!;
      expect(prompt.length).toBeLessThanOrEqual(PROMPT_TARGET);
      expect(prompt).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(prompt.startsWith(unit.trim().slice(0, 10))).toBe(true);
    }
  });
});

describe('drafts that cannot be used', () => {
  const code = (d: Parameters<typeof draft>[0]) =>
    buildLumaPlan(draft(d), DEFAULT_OPTIONS, fakeContext()).then(
      () => 'ok',
      (e: unknown) => (e instanceof PipelineError ? e.code : `crash: ${String(e)}`),
    );

  test.each([
    [{ text: '' }, 'DRAFT_EMPTY'],
    [{ text: '   \n\t ' }, 'DRAFT_EMPTY'],
    [{ text: 'https://example.com @bob #fyp' }, 'DRAFT_EMPTY'],
    [{ text: '🙂' }, 'DRAFT_EMPTY'],
    [{ text: 'ok' }, 'PROMPT_TOO_SHORT'],
    [{ text: '猫' }, 'ok'],
    [{ text: '🌅🌊☀️' }, 'ok'],
    [{ text: 'ok', referenceImages: [{ path: `${U}ref-1.jpg` }] }, 'ok'],
    [{ text: '', title: 'Paris in spring' }, 'ok'],
    [{ text: 'A fox', title: 'NSFW' }, 'PROMPT_REFUSED'],
    [{ text: 'A quiet lake #nudes #calm' }, 'PROMPT_REFUSED'],
    [{ text: 'Visit https://example.com/porn for more — a quiet lake at dawn' }, 'ok'],
  ] as const)('%j → %s', async (d, expected) => {
    expect(await code(d as Parameters<typeof draft>[0])).toBe(expected);
  });
});

test('images only: the prompt describes the images; themes alone become the scene', async () => {
  const refs = await buildLumaPlan(draft({ text: '', referenceImages: [{ path: `${U}ref-1.jpg` }], style: 'anime' }), DEFAULT_OPTIONS, fakeContext());
  expect(refs.video.prompt).toMatch(/^A scene based on the reference images/);
  expect(refs.keyframe!.prompt).toContain('Anime illustration');
  expect(refs.keyframe!.prompt).not.toContain('Photorealistic');
  const tags = await buildLumaPlan(draft({ text: '#sunset #beach #fyp' }), DEFAULT_OPTIONS, fakeContext());
  expect(tags.video.prompt).toMatch(/^Sunset, beach\./);
  expect(tags.parts[0]).toMatchObject({ source: 'hashtags', role: 'scene' });
});

test('analysis: subject, action, setting and mood of an English draft', async () => {
  const plan = await buildLumaPlan(draft({ text: 'My dog running on the beach at sunset, so happy! 😊' }), DEFAULT_OPTIONS, fakeContext());
  expect(plan.analysis).toMatchObject({ subject: 'My dog', action: 'running', setting: 'on the beach at sunset', moods: ['joyful'], english: true });
  expect(plan.parts.find((p) => p.role === 'mood')).toMatchObject({ text: 'The mood is joyful, with bright, warm light.', from: 'happy' });
});

test('mood from emoji alone is attributed to the emoji', async () => {
  const plan = await buildLumaPlan(draft({ text: 'Our little garden today 🌧️💔' }), DEFAULT_OPTIONS, fakeContext());
  expect(plan.parts.find((p) => p.role === 'mood')).toMatchObject({ source: 'emoji', text: 'The mood is melancholic, with muted colors and overcast light.' });
});

test('a generic or redundant title is not repeated', async () => {
  const a = await buildLumaPlan(draft({ title: 'Untitled', text: 'A fox in the snow' }), DEFAULT_OPTIONS, fakeContext());
  expect(a.parts.some((p) => p.source === 'title')).toBe(false);
  const b = await buildLumaPlan(draft({ title: 'A fox', text: 'A fox in the snow' }), DEFAULT_OPTIONS, fakeContext());
  expect(b.parts.some((p) => p.source === 'title')).toBe(false);
  const c = await buildLumaPlan(draft({ title: 'Winter morning', text: 'A fox in the snow' }), DEFAULT_OPTIONS, fakeContext());
  expect(c.video.prompt).toMatch(/^Winter morning\. A fox in the snow\./);
});
