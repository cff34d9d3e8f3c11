import { buildLumaPlan } from '../src';
import { hostAllowed } from '../src/images';
import { PipelineError } from '@d2v/schema';
import type { ImageInfo } from '../src/images';
import { DEFAULT_OPTIONS, FAKE_SIGNED_PREFIX, draft, fakeContext, fakeSignBlobUrl } from './helpers';

const U = 'users/demo-user/uploads/';

async function failure(input: Parameters<typeof draft>[0], ctx = fakeContext()): Promise<PipelineError> {
  try {
    await buildLumaPlan(draft(input), DEFAULT_OPTIONS, ctx);
  } catch (e) {
    if (e instanceof PipelineError) return e;
    throw e;
  }
  throw new Error('expected a PipelineError');
}

describe('only the owner\'s objects and allow-listed https hosts', () => {
  test('owned paths are signed by the signer (fake at the URL-signing boundary)', async () => {
    const plan = await buildLumaPlan(draft({ text: 'A fox', referenceImages: [{ path: `${U}ref-1.jpg`, weight: 0.5 }] }), DEFAULT_OPTIONS, fakeContext());
    expect(plan.keyframe?.image_ref).toEqual([{ url: `${FAKE_SIGNED_PREFIX}${U}ref-1.jpg?sig=test`, weight: 0.5 }]);
  });

  test.each([
    ['another user', 'users/someone-else/uploads/a.jpg', "in another person's storage"],
    ['a prefix of the uid', 'users/demo-user2/uploads/a.jpg', "in another person's storage"],
    ['traversal', 'users/demo-user/../someone/a.jpg', 'not in your own storage folder'],
    ['encoded traversal', 'users/demo-user/%2e%2e/someone/a.jpg', 'not in your own storage folder'],
    ['an absolute path', '/users/demo-user/a.jpg', 'not in your own storage folder'],
    ['a backslash', 'users/demo-user\\..\\x.jpg', 'not in your own storage folder'],
    ['a public folder', 'public/a.jpg', 'not in your own storage folder'],
  ])('%s is refused without echoing the path', async (_what, path, phrase) => {
    const e = await failure({ text: 'A fox', referenceImages: [{ path }] });
    expect(e.code).toBe('IMAGE_NOT_ALLOWED');
    expect(e.message).toContain(phrase);
    expect(e.message).not.toContain(path);
  });

  test.each([
    ['http', 'http://images.example.com/a.jpg', 'does not use https'],
    ['a host not on the list', 'https://evil.example.net/a.jpg', 'evil.example.net'],
    ['a look-alike host', 'https://images.example.com.evil.net/a.jpg', 'images.example.com.evil.net'],
    ['credentials', 'https://user:pw@images.example.com/a.jpg', 'credentials or a port'],
    ['a port', 'https://images.example.com:8443/a.jpg', 'credentials or a port'],
    ['javascript:', 'javascript:alert(1)', 'does not use https'],
    ['file:', 'file:///etc/passwd', 'does not use https'],
  ])('a link with %s is refused', async (_what, url, phrase) => {
    const e = await failure({ text: 'A fox', referenceImages: [{ url }] });
    expect(e.code).toBe('IMAGE_NOT_ALLOWED');
    expect(e.message).toContain(phrase);
  });

  test('allow-listed links go to Luma as they are (fragment dropped), never signed', async () => {
    const signer = jest.fn(fakeSignBlobUrl);
    const plan = await buildLumaPlan(
      draft({ text: 'A fox', referenceImages: [{ url: 'https://IMAGES.example.com/a.jpg#x', weight: 1 }] }),
      DEFAULT_OPTIONS,
      fakeContext({ signBlobUrl: signer }),
    );
    expect(plan.keyframe?.image_ref).toEqual([{ url: 'https://images.example.com/a.jpg', weight: 1 }]);
    expect(signer).not.toHaveBeenCalled();
  });

  test('allow-list entries: exact hosts, or "*.domain" for its subdomains', () => {
    expect(hostAllowed('images.example.com', ['images.example.com'])).toBe(true);
    expect(hostAllowed('images.example.com.', ['Images.Example.com'])).toBe(true);
    expect(hostAllowed('a.cdn.example.com', ['*.cdn.example.com'])).toBe(true);
    expect(hostAllowed('cdn.example.com', ['*.cdn.example.com'])).toBe(false);
    expect(hostAllowed('evilcdn.example.com', ['*.cdn.example.com'])).toBe(false);
    expect(hostAllowed('example.com', [])).toBe(false);
  });

  test.each([
    ['notes.txt', 'only JPEG, PNG or WebP'],
    ['clip.mp4', 'only JPEG, PNG or WebP'],
    ['IMG_0001.HEIC', 'HEIC photos are not supported'],
    ['anim.gif', 'GIF images are not supported'],
  ])('%s is not an image Luma can read', async (name, phrase) => {
    const e = await failure({ text: 'A fox', characterImages: [{ path: `${U}${name}` }] });
    expect(e.code).toBe('IMAGE_INVALID');
    expect(e.message).toContain(`Character photo 1 (${name})`);
    expect(e.message).toContain(phrase);
  });

  test('an image that would be left out is still checked: a foreign path fails the draft', async () => {
    const refs = [1, 2, 3, 4].map((i) => ({ path: `${U}ref-${i}.jpg`, weight: 0.9 }));
    const e = await failure({ text: 'A fox', referenceImages: [...refs, { path: 'users/other/uploads/x.jpg', weight: 0.1 }] });
    expect(e.code).toBe('IMAGE_NOT_ALLOWED');
    expect(e.message).toContain('Reference image 5');
  });
});

describe('weights', () => {
  const plan = (weights: (number | undefined)[]) =>
    buildLumaPlan(
      draft({ text: 'A fox', referenceImages: weights.map((weight, i) => ({ path: `${U}ref-${i + 1}.jpg`, ...(weight === undefined ? {} : { weight }) })) }),
      DEFAULT_OPTIONS,
      fakeContext(),
    );

  test('missing → 0.85; 1 < w ≤ 100 read as a percentage with a warning; kept strongest first', async () => {
    const p = await plan([undefined, 40, 0.95]);
    expect(p.keyframe?.image_ref?.map((r) => r.weight)).toEqual([0.95, 0.85, 0.4]);
    expect(p.warnings).toContain('Reference image 2 has weight 40, read as a percentage: 0.4.');
  });

  test('weight 0 is left out with a warning', async () => {
    const p = await plan([0, 0.5]);
    expect(p.keyframe?.image_ref).toHaveLength(1);
    expect(p.warnings).toContain('Reference image 1 has weight 0 and was left out.');
  });

  test.each([
    [Number.NaN, 'not a number'],
    [Number.POSITIVE_INFINITY, 'not a number'],
    [-0.1, 'negative weight'],
    [101, 'weight 101'],
  ])('weight %p is an error', async (weight, phrase) => {
    // Bypass the draft schema (which already refuses non-finite numbers) to test the builder's own guard.
    const d = { ...draft({ text: 'A fox' }), referenceImages: [{ path: `${U}ref-1.jpg`, weight }] };
    const e = await buildLumaPlan(d, DEFAULT_OPTIONS, fakeContext()).catch((x: unknown) => x as PipelineError);
    expect(e).toBeInstanceOf(PipelineError);
    expect((e as PipelineError).code).toBe('INVALID_REQUEST');
    expect((e as PipelineError).message).toContain(phrase);
  });

  test('more than 4: the 4 strongest are kept (ties: draft order) and the rest named in a warning', async () => {
    const p = await plan([0.2, 0.9, 0.5, 0.5, 0.7, 0.5]);
    expect(p.keyframe?.image_ref?.map((r) => r.url.match(/ref-(\d)/)![1])).toEqual(['2', '5', '3', '4']);
    expect(p.warnings[0]).toBe(
      'Luma takes at most 4 reference images: the 4 strongest were kept and reference image 1 (weight 0.2) and reference image 6 (weight 0.5) were left out.',
    );
    expect(p.analysis?.images.dropped).toEqual([
      { label: 'Reference image 1', why: 'weaker than the 4 kept' },
      { label: 'Reference image 6', why: 'weaker than the 4 kept' },
    ]);
  });

  test('duplicates count once with the stronger weight', async () => {
    const p = await buildLumaPlan(
      draft({ text: 'A fox', referenceImages: [{ path: `${U}ref-1.jpg`, weight: 0.3 }, { path: `${U}ref-1.jpg`, weight: 0.8 }] }),
      DEFAULT_OPTIONS,
      fakeContext(),
    );
    expect(p.keyframe?.image_ref).toEqual([{ url: `${FAKE_SIGNED_PREFIX}${U}ref-1.jpg?sig=test`, weight: 0.8 }]);
    expect(p.warnings).toContain('Reference image 2 is the same image as reference image 1; it was used once.');
  });

  test('more than 16 listed is refused before anything is signed', async () => {
    const signer = jest.fn(fakeSignBlobUrl);
    const e = await failure({ text: 'A fox', referenceImages: Array.from({ length: 17 }, (_, i) => ({ path: `${U}ref-${i}.jpg` })) }, fakeContext({ signBlobUrl: signer }));
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toContain('17 reference images');
    expect(signer).not.toHaveBeenCalled();
  });
});

describe('characters and style', () => {
  test('character photos → character_ref.identity0.images (first 4), weights ignored with a warning', async () => {
    const p = await buildLumaPlan(
      draft({ text: 'Me on a hike', characterImages: [1, 2, 3, 4, 5].map((i) => ({ path: `${U}face-${i}.jpg`, weight: 0.5 })) }),
      DEFAULT_OPTIONS,
      fakeContext(),
    );
    expect(p.keyframe?.character_ref?.identity0.images).toEqual([1, 2, 3, 4].map((i) => `${FAKE_SIGNED_PREFIX}${U}face-${i}.jpg?sig=test`));
    expect(p.warnings).toEqual([
      'Character photos have no weight in Luma; the weights given for them were ignored.',
      'Luma takes at most 4 character photos: the first 4 were kept and character photo 5 was left out.',
    ]);
    expect(p.keyframe?.prompt).toMatch(/^Featuring the person from the character photos\./);
  });

  test('a style image → one style_ref (default weight 0.8)', async () => {
    const p = await buildLumaPlan(draft({ text: 'A fox', styleImage: { path: `${U}style-1.jpg` } }), DEFAULT_OPTIONS, fakeContext());
    expect(p.keyframe?.style_ref).toEqual([{ url: `${FAKE_SIGNED_PREFIX}${U}style-1.jpg?sig=test`, weight: 0.8 }]);
    expect(p.keyframe?.image_ref).toBeUndefined();
  });
});

describe('inspection through the blob store (fake inspectImage at the storage boundary)', () => {
  const ok: ImageInfo = { contentType: 'image/jpeg', bytes: 200_000, width: 1080, height: 1920 };
  const withInfo = (info: ImageInfo | null) =>
    failure({ text: 'A fox', referenceImages: [{ path: `${U}ref-1.jpg` }] }, fakeContext({ inspectImage: async () => info }));

  test('a good image passes and only kept images are inspected', async () => {
    const inspect = jest.fn(async () => ok);
    const refs = [0.1, 0.9, 0.8, 0.7, 0.6].map((weight, i) => ({ path: `${U}ref-${i + 1}.jpg`, weight }));
    await buildLumaPlan(draft({ text: 'A fox', referenceImages: refs }), DEFAULT_OPTIONS, fakeContext({ inspectImage: inspect }));
    expect(inspect.mock.calls.map((c) => (c as unknown as [{ path: string }])[0].path)).toEqual([2, 3, 4, 5].map((i) => `${U}ref-${i}.jpg`));
  });

  test.each([
    [null, 'could not be found in your uploads'],
    [{ ...ok, contentType: 'text/plain' }, 'is not a JPEG, PNG or WebP image (it is text/plain)'],
    [{ ...ok, bytes: 0 }, 'is an empty file'],
    [{ ...ok, bytes: 25 * 1024 * 1024 }, 'is 25 MB; images can be at most 10 MB'],
    [{ ...ok, width: 32, height: 32 }, 'is only 32×32 pixels'],
    [{ ...ok, width: 12000, height: 800 }, 'is 12000×800 pixels'],
  ])('%p → IMAGE_INVALID', async (info, phrase) => {
    const e = await withInfo(info as ImageInfo | null);
    expect(e.code).toBe('IMAGE_INVALID');
    expect(e.message).toContain(`Reference image 1 (ref-1.jpg) ${phrase}`);
  });

  test('limits can be tuned by the runtime', async () => {
    const e = await failure(
      { text: 'A fox', referenceImages: [{ path: `${U}ref-1.jpg` }] },
      fakeContext({ inspectImage: async () => ok, imageLimits: { maxBytes: 100_000 } }),
    );
    expect(e.message).toContain('images can be at most 0.1 MB');
  });
});
