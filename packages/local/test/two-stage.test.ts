import type { LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';
const OPTIONS = { resolution: '540p', aspectRatio: '9:16', duration: '5s', autoPost: true } as const;

interface SimGen {
  id: string;
  generation: { generation_type?: string; assets?: { image?: string } };
  requestBody: {
    image_ref?: { url: string; weight: number }[];
    character_ref?: { identity0: { images: string[] } };
    style_ref?: { url: string; weight: number }[];
    keyframes?: { frame0?: { type: string; url?: string } };
  };
}

/**
 * Drafts with images: a Photon keyframe with the references (the simulator really fetches every image URL,
 * which are the local stack's own signed URLs), then Ray with that keyframe as frame0 — end to end.
 */
describe('a draft with reference and character images goes through two Luma stages', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ stack, cleanup } = await startTestStack()));
  afterAll(() => cleanup?.());

  it('keyframe first, then the video from it, one post', async () => {
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-portrait', options: OPTIONS });
    const done = await stack.waitForState(UID, requestId, ['posted', 'failed'], 120_000);
    expect(done.error ?? null).toBeNull();
    expect(done.state).toBe('posted');
    const states = (await stack.api.listTransitions(UID, requestId)).map((t) => t.to);
    expect(states).toEqual([
      'pending', 'validating', 'keyframe_queued', 'keyframe_dreaming', 'queued', 'submitting', 'dreaming',
      'downloading', 'processing', 'ready', 'posted',
    ]);

    const gens = generationsFor(stack, requestId) as unknown as SimGen[];
    expect(gens).toHaveLength(2);
    const image = gens.find((g) => g.generation.generation_type === 'image')!;
    const video = gens.find((g) => g.generation.generation_type === 'video')!;
    expect(image.requestBody.image_ref?.length).toBe(2);
    for (const ref of image.requestBody.image_ref!) {
      expect(ref.url).toMatch(new RegExp(`^${stack.url}/blobs/users/${UID}/uploads/.+\\?expires=\\d+&sig=`));
      expect(ref.weight).toBeGreaterThanOrEqual(0);
      expect(ref.weight).toBeLessThanOrEqual(1);
    }
    expect(image.requestBody.character_ref?.identity0.images).toHaveLength(1);
    expect(video.requestBody.keyframes?.frame0).toEqual({ type: 'image', url: image.generation.assets?.image });
    expect(done.luma.keyframeGenerationId).toBe(image.id);
    expect(done.luma.generationId).toBe(video.id);
  });

  it.each([
    ['broken-other-user', 'IMAGE_NOT_ALLOWED'],
    ['broken-disallowed-url', 'IMAGE_NOT_ALLOWED'],
    ['broken-not-an-image', 'IMAGE_INVALID'],
    ['broken-refused-words', 'PROMPT_REFUSED'],
  ])('refuses %s with %s before spending credits', async (draftId, code) => {
    const before = stack.simulator!.generations().length;
    const { requestId } = await stack.api.createRequest(UID, { draftId, options: OPTIONS });
    const done = await stack.waitForState(UID, requestId, ['failed', 'posted'], 30_000);
    expect(done.error).toMatchObject({ code, retryable: false });
    expect(done.error!.message.length).toBeGreaterThan(15);
    expect(stack.simulator!.generations().length).toBe(before);
  });
});
