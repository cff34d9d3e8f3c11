import fc from 'fast-check';
import {
  buildScript, planFromScript, parseScript, durationToMs, defaultShotCount, shotRange, splitDuration, shotTypes,
  ScriptSchema, ScriptRequestClientFieldsSchema, type Script,
} from '../../src/script';
import { PipelineError } from '@d2v/schema';
import { LUMA_CONCEPT_KEYS_USED } from '../../src';
import { ALLOW_LIST, DEFAULT_OPTIONS, FAKE_SIGNED_PREFIX, draft, fakeContext, options, urlsIn } from '../helpers';

const U = 'users/demo-user/uploads/';
const TEXT = 'The fishing boats come back into the old harbour at sunrise. Gulls circle above the masts. An old woman sells coffee from a cart. Kids on bicycles weave between the nets. The light is soft and golden on the water. By eight the harbour goes quiet again.';

function errorOf(fn: () => unknown): PipelineError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PipelineError) return e;
    throw e;
  }
  throw new Error('expected a PipelineError');
}

describe('durations', () => {
  test('scene durations add up exactly to the chosen length, for any length and shot count', () => {
    const durationArb = fc.oneof(
      fc.constantFrom('5s' as const, '9s' as const),
      fc.integer({ min: 1_000, max: 60_000 }).map((ms) => ms / 1000),
      fc.double({ min: 1, max: 60, noNaN: true }),
    );
    fc.assert(
      fc.property(durationArb, fc.nat(), (duration, pick) => {
        const totalMs = durationToMs(duration);
        const { min, max } = shotRange(totalMs);
        const shots = min + (pick % (max - min + 1));
        const script = buildScript(draft({ text: TEXT }), { duration, shots });
        expect(script.totalMs).toBe(totalMs);
        expect(script.scenes.reduce((a, s) => a + s.durationMs, 0)).toBe(totalMs);
        expect(script.scenes).toHaveLength(shots);
        for (const s of script.scenes) {
          expect(Number.isInteger(s.durationMs)).toBe(true);
          expect(s.durationMs).toBeGreaterThanOrEqual(1_000);
          expect(s.durationMs).toBeLessThanOrEqual(9_000);
        }
        expect(ScriptSchema.safeParse(script).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('the split is as even as the length allows, in 100 ms steps when they divide it', () => {
    expect(splitDuration(9_000, 2)).toEqual([4_500, 4_500]);
    expect(splitDuration(10_000, 3)).toEqual([3_400, 3_300, 3_300]);
    expect(splitDuration(7_250, 3)).toEqual([2_420, 2_420, 2_410]);
    expect(splitDuration(5_001, 2)).toEqual([2_501, 2_500]);
  });

  test('default shot counts: about one per 4.5 s, within 1–9 s per shot and at most 12', () => {
    expect([5_000, 9_000, 15_000, 30_000, 60_000, 1_000].map(defaultShotCount)).toEqual([1, 2, 3, 7, 12, 1]);
    expect(shotRange(5_000)).toEqual({ min: 1, max: 5 });
    expect(shotRange(60_000)).toEqual({ min: 7, max: 12 });
  });

  test.each([
    [{ duration: '5s' as const, shots: 6 }, 'A 5 s script can have 1 to 5 shots'],
    [{ duration: 60, shots: 3 }, 'A 60 s script can have 7 to 12 shots'],
    [{ duration: '9s' as const, shots: 1.5 }, '1.5 was asked for'],
    [{ duration: 0.5 }, 'A script lasts 5s, 9s or a number of seconds from 1 to 60'],
    [{ duration: 61 }, 'A script lasts 5s, 9s'],
    [{ duration: Number.NaN }, 'A script lasts 5s, 9s'],
    [{ duration: '7s' as unknown as '5s' }, 'A script lasts 5s, 9s'],
  ])('%j is refused', (opts, phrase) => {
    const e = errorOf(() => buildScript(draft({ text: TEXT }), opts));
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toContain(phrase);
  });
});

describe('scenes', () => {
  test('framing follows establishing → medium/detail → close-up → closing', () => {
    expect(shotTypes(1)).toEqual(['single']);
    expect(shotTypes(2)).toEqual(['establishing', 'close_up']);
    expect(shotTypes(5)).toEqual(['establishing', 'medium', 'detail', 'close_up', 'closing']);
  });

  test('sentences are shared out in order, one moment per shot; calls to action are left out', () => {
    const s = buildScript(draft({ text: `${TEXT} Link in bio for more!` }), { duration: 15, shots: 3 });
    expect(s.scenes.map((x) => x.description)).toEqual([
      'The fishing boats come back into the old harbour at sunrise. Gulls circle above the masts.',
      'An old woman sells coffee from a cart. Kids on bicycles weave between the nets.',
      'The light is soft and golden on the water. By eight the harbour goes quiet again.',
    ]);
    expect(s.scenes[0]!.from).toBe('sentences 1 and 2 of the text (the most visual of sentences 1–2)');
    // Establishing over a harbour: aerial; medium: what its words suggest (a person, no travel: push-in); close-up: push-in.
    expect(s.scenes.map((x) => x.camera)).toEqual(['aerial', 'push_in', 'push_in']);
  });

  test('with fewer sentences than shots the framing varies: setting first, then the subject up close', () => {
    const s = buildScript(draft({ text: 'A red fox trotting through fresh snow at dawn.' }), { duration: '9s' });
    expect(s.scenes.map((x) => [x.shot, x.description, x.camera])).toEqual([
      ['establishing', 'Fresh snow at dawn, with a red fox', 'pan'],
      ['close_up', 'A red fox trotting', 'push_in'],
    ]);
  });

  test('a camera move named in a sentence is that shot\'s camera', () => {
    const s = buildScript(draft({ text: 'Drone shot over the fjord at dawn. A kayak glides below.' }), { duration: '9s' });
    expect(s.scenes[0]!.camera).toBe('aerial');
  });

  test('a draft without words describes its images; the script carries the images for every shot', () => {
    const d = draft({ text: '', characterImages: [{ path: `${U}face-1.jpg` }], styleImage: { path: `${U}style-1.jpg`, weight: 0.6 } });
    const s = buildScript(d, { duration: '5s', shots: 2 });
    expect(s.scenes.map((x) => x.description)).toEqual(['The person from the character photos', 'The person from the character photos']);
    expect(s.images).toEqual({ referenceImages: [], characterImages: [{ path: `${U}face-1.jpg` }], styleImage: { path: `${U}style-1.jpg`, weight: 0.6 } });
  });

  test('the draft is checked like for a video: contact data removed, refused words and foreign images refused', () => {
    const s = buildScript(draft({ text: 'Sunset at the pier, photos at https://x.example.com/a. Gulls everywhere.' }), { duration: '9s' });
    expect(JSON.stringify(s)).not.toContain('example.com');
    expect(s.warnings?.[0]).toContain('1 link');
    expect(errorOf(() => buildScript(draft({ text: 'A nude beach' }), { duration: '5s' })).code).toBe('PROMPT_REFUSED');
    expect(errorOf(() => buildScript(draft({ text: 'Fox', referenceImages: [{ path: 'users/x/uploads/a.jpg' }] }), { duration: '5s' })).code).toBe('IMAGE_NOT_ALLOWED');
    expect(errorOf(() => buildScript(draft({ text: 'Fox', referenceImages: [{ url: 'https://images.example.com/a.jpg' }] }), { duration: '5s' })).code).toBe('IMAGE_NOT_ALLOWED');
    expect(buildScript(draft({ text: 'Fox', referenceImages: [{ url: 'https://images.example.com/a.jpg' }] }), { duration: '5s', imageHostAllowList: ALLOW_LIST }).scenes).toHaveLength(1);
  });

  test('deterministic', () => {
    const d = draft({ text: TEXT, style: 'dreamy' });
    expect(JSON.stringify(buildScript(d, { duration: 30 }))).toBe(JSON.stringify(buildScript(d, { duration: 30 })));
  });
});

describe('editing a script', () => {
  const base = () => buildScript(draft({ text: TEXT }), { duration: '9s' });

  test('an edited script validates; durations that no longer add up are explained', () => {
    const edited: Script = { ...base(), scenes: base().scenes.map((s, i) => ({ ...s, description: `Edited ${i}`, camera: 'orbit' })) };
    expect(parseScript(edited).scenes[0]!.description).toBe('Edited 0');
    const wrong = { ...edited, scenes: edited.scenes.map((s) => ({ ...s, durationMs: 4_000 })) };
    const e = errorOf(() => parseScript(wrong));
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toContain('the scenes last 8000 ms in total but the script is 9000 ms long');
  });

  test.each([
    ['an unknown camera', (s: Script) => ({ ...s, scenes: s.scenes.map((x) => ({ ...x, camera: 'warp_speed' })) }), 'scenes.0.camera'],
    ['scenes out of order', (s: Script) => ({ ...s, scenes: [...s.scenes].reverse() }), 'number scenes 1, 2, 3'],
    ['a 10 s scene', (s: Script) => ({ ...s, totalMs: 14_500, scenes: [{ ...s.scenes[0]!, durationMs: 10_000 }, s.scenes[1]!] }), 'scenes.0.durationMs'],
    ['an empty description', (s: Script) => ({ ...s, scenes: [{ ...s.scenes[0]!, description: '  ' }, s.scenes[1]!] }), 'scenes.0.description'],
    ['an extra field', (s: Script) => ({ ...s, owner: 'x' }), 'owner'],
  ])('%s is refused with the field named', (_what, edit, phrase) => {
    const e = errorOf(() => parseScript(edit(base())));
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toContain(phrase);
  });

  test('edited words are checked again when the video is planned', async () => {
    const s = base();
    const withLink: Script = { ...s, scenes: [{ ...s.scenes[0]!, description: 'Boats at dawn, details on https://x.example.com/a' }, s.scenes[1]!] };
    const plan = await planFromScript(withLink, DEFAULT_OPTIONS, fakeContext());
    expect(plan.shots[0]!.video.prompt).not.toContain('example.com');
    expect(plan.warnings[0]).toContain('Scene 1');
    const refused: Script = { ...s, scenes: [s.scenes[0]!, { ...s.scenes[1]!, description: 'A gory ending' }] };
    const e = (await planFromScript(refused, DEFAULT_OPTIONS, fakeContext()).catch((x: unknown) => x)) as PipelineError;
    expect(e).toBeInstanceOf(PipelineError);
    expect(e.code).toBe('PROMPT_REFUSED');
    expect(e.message).toContain("The draft's scene 2 uses words");
    const foreign: Script = { ...s, images: { ...s.images, referenceImages: [{ path: 'users/someone-else/uploads/a.jpg' }] } };
    await expect(planFromScript(foreign, DEFAULT_OPTIONS, fakeContext())).rejects.toMatchObject({ code: 'IMAGE_NOT_ALLOWED' });
  });
});

describe('planning a multi-shot video', () => {
  test('one Ray clip per shot, cut to the scene and concatenated in order', async () => {
    const s = buildScript(draft({ text: TEXT }), { duration: 16, shots: 2 });
    expect(s.scenes.map((x) => x.durationMs)).toEqual([8_000, 8_000]);
    const plan = await planFromScript(s, options({ model: 'ray-flash-2', aspectRatio: '16:9', resolution: '720p' }), fakeContext());
    expect(plan.shots.map((x) => [x.clipDuration, x.trim.durationMs, x.video.duration])).toEqual([['9s', 8_000, '9s'], ['9s', 8_000, '9s']]);
    expect(plan.assembly).toEqual({ method: 'trim-and-concat', order: [1, 2], totalMs: 16_000, clipSeconds: 18 });
    for (const shot of plan.shots) {
      expect(shot.keyframe).toBeUndefined();
      expect(shot.video).toMatchObject({ model: 'ray-flash-2', aspect_ratio: '16:9', resolution: '720p', generation_type: 'video' });
      expect(shot.video.loop).toBeUndefined();
      expect(shot.video.keyframes).toBeUndefined();
      for (const c of shot.video.concepts ?? []) expect(LUMA_CONCEPT_KEYS_USED).toContain(c.key);
    }
    expect(plan.shots[0]!.video.prompt).toMatch(/^Wide establishing shot\. /);
  });

  test('short shots are cut from 5 s clips; loop is ignored with a warning', async () => {
    const s = buildScript(draft({ text: TEXT }), { duration: '9s', shots: 3 });
    const plan = await planFromScript(s, options({ loop: true }), fakeContext());
    expect(plan.shots.map((x) => x.clipDuration)).toEqual(['5s', '5s', '5s']);
    expect(plan.assembly.clipSeconds).toBe(15);
    expect(plan.warnings).toContain('A multi-shot video does not loop; the loop option was ignored.');
  });

  test('with images every shot gets a keyframe with the same references, signed once each', async () => {
    const signer = jest.fn(async (p: string) => `${FAKE_SIGNED_PREFIX}${p}?sig=test`);
    const d = draft({
      text: TEXT,
      referenceImages: [{ path: `${U}ref-1.jpg`, weight: 0.9 }],
      characterImages: [{ path: `${U}face-1.jpg` }, { path: `${U}face-2.jpg` }],
      styleImage: { url: 'https://images.example.com/s.jpg' },
    });
    const s = buildScript(d, { duration: 15, imageHostAllowList: ALLOW_LIST });
    const plan = await planFromScript(s, DEFAULT_OPTIONS, fakeContext({ signBlobUrl: signer }));
    expect(signer).toHaveBeenCalledTimes(3);
    const refs = plan.shots.map((x) => JSON.stringify([x.keyframe?.image_ref, x.keyframe?.character_ref, x.keyframe?.style_ref]));
    expect(new Set(refs).size).toBe(1);
    for (const shot of plan.shots) {
      expect(shot.keyframe?.model).toBe('photon-1');
      expect(shot.keyframe?.prompt).toMatch(/^Featuring the person from the character photos\./);
      expect(shot.keyframe?.prompt).not.toContain('Camera:');
      for (const url of urlsIn(shot.keyframe)) expect(url.startsWith(FAKE_SIGNED_PREFIX) || url.startsWith('https://images.example.com/')).toBe(true);
    }
  });
});

test('any draft → a script whose plan satisfies Luma\'s constraints, or a specific error', async () => {
  const words = fc.constantFrom('A fox', 'runs', 'on the beach', 'at dawn.', 'Drone shot', 'link in bio', '🌅', '夜の新宿。', 'call +44 20 7946 0958 now', '#sunsetVibes', '@bob', 'nude', '\n');
  const image = fc.oneof(
    fc.nat({ max: 9 }).map((i) => ({ path: `${U}ref-${i}.jpg`, weight: (i % 10) / 10 })),
    fc.constant({ url: 'https://images.example.com/a.jpg' }),
    fc.constant({ path: 'users/other/uploads/a.jpg' }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(words, { maxLength: 30 }).map((w) => w.join(' ')),
      fc.array(image, { maxLength: 6 }),
      fc.oneof(fc.constantFrom('5s' as const, '9s' as const), fc.integer({ min: 1, max: 60 })),
      fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
      async (text, refs, duration, shots) => {
        let script: Script;
        try {
          script = buildScript(draft({ text, referenceImages: refs }), { duration, ...(shots ? { shots } : {}), imageHostAllowList: ALLOW_LIST });
        } catch (e) {
          if (!(e instanceof PipelineError)) throw e;
          expect(['INVALID_REQUEST', 'DRAFT_EMPTY', 'PROMPT_TOO_SHORT', 'PROMPT_REFUSED', 'IMAGE_NOT_ALLOWED']).toContain(e.code);
          return;
        }
        expect(script.scenes.reduce((a, s) => a + s.durationMs, 0)).toBe(script.totalMs);
        const plan = await planFromScript(script, DEFAULT_OPTIONS, fakeContext());
        expect(plan.shots).toHaveLength(script.scenes.length);
        for (const shot of plan.shots) {
          for (const prompt of [shot.video.prompt!, shot.keyframe?.prompt].filter((p): p is string => p !== undefined)) {
            expect(prompt.length).toBeGreaterThanOrEqual(3);
            expect(prompt.length).toBeLessThanOrEqual(5000);
            expect(prompt).not.toContain('7946');
          }
          expect((shot.keyframe?.image_ref ?? []).length).toBeLessThanOrEqual(4);
          expect(shot.clipDuration).toBe(shot.durationMs <= 5_000 ? '5s' : '9s');
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('the script request a client writes', () => {
  expect(ScriptRequestClientFieldsSchema.parse({ draftId: 'd1' })).toEqual({ draftId: 'd1', duration: '5s' });
  expect(ScriptRequestClientFieldsSchema.parse({ draftId: 'd1', duration: 12.5, shots: 3 })).toEqual({ draftId: 'd1', duration: 12.5, shots: 3 });
  expect(ScriptRequestClientFieldsSchema.safeParse({ draftId: 'd1', duration: 90 }).success).toBe(false);
  expect(ScriptRequestClientFieldsSchema.safeParse({ draftId: 'd1', state: 'ready' }).success).toBe(false);
});
