import {
  DraftSchema,
  VideoRequestClientFieldsSchema,
  VideoOptionsSchema,
  ERROR_CATALOG,
  blobPaths,
  docPaths,
  isOwnedBlobPath,
  parseRawVideoPath,
  parseVideoRequestPath,
} from '../src';

describe('client-writable request fields', () => {
  it('fills option defaults (5 s, 1080p, ray-2) from the app checklist', () => {
    const parsed = VideoRequestClientFieldsSchema.parse({ draftId: 'd1' });
    expect(parsed.options).toMatchObject({ duration: '5s', resolution: '1080p', model: 'ray-2', autoPost: false, visibility: 'public' });
  });

  it('refuses server-owned fields and unknown options', () => {
    expect(VideoRequestClientFieldsSchema.safeParse({ draftId: 'd1', state: 'posted' }).success).toBe(false);
    expect(VideoOptionsSchema.safeParse({ resolution: '8k' }).success).toBe(false);
    expect(VideoOptionsSchema.safeParse({ fps: 60 }).success).toBe(false);
  });

  it('refuses ids that could escape a path', () => {
    expect(VideoRequestClientFieldsSchema.safeParse({ draftId: '../x' }).success).toBe(false);
    expect(VideoRequestClientFieldsSchema.safeParse({ draftId: 'a/b' }).success).toBe(false);
  });
});

describe('drafts', () => {
  it('needs exactly one of path or url per image', () => {
    const base = { id: 'd', uid: 'u', text: 'hello' };
    expect(DraftSchema.safeParse({ ...base, referenceImages: [{ path: 'users/u/uploads/a.jpg' }] }).success).toBe(true);
    expect(DraftSchema.safeParse({ ...base, referenceImages: [{}] }).success).toBe(false);
    expect(DraftSchema.safeParse({ ...base, referenceImages: [{ path: 'p', url: 'https://x.test/a.jpg' }] }).success).toBe(false);
  });
});

describe('paths', () => {
  it('round-trips request documents and raw video objects', () => {
    expect(parseVideoRequestPath(docPaths.videoRequest('u1', 'r1'))).toEqual({ uid: 'u1', requestId: 'r1' });
    expect(parseRawVideoPath(blobPaths.rawVideo('u1', 'r1'))).toEqual({ uid: 'u1', requestId: 'r1' });
    expect(parseRawVideoPath(blobPaths.encryptedVideo('u1', 'r1'))).toBeNull();
    expect(parseRawVideoPath(blobPaths.poster('u1', 'r1'))).toBeNull();
  });

  it('orders transition documents numerically by name', () => {
    const names = [2, 10, 1].map((n) => docPaths.transition('u', 'r', n)).sort();
    expect(names.map((p) => Number(p.split('/').pop()))).toEqual([1, 2, 10]);
  });

  it('accepts only the owner’s own, non-escaping storage paths', () => {
    expect(isOwnedBlobPath('u1', 'users/u1/uploads/a.jpg')).toBe(true);
    expect(isOwnedBlobPath('u1', 'users/u2/uploads/a.jpg')).toBe(false);
    expect(isOwnedBlobPath('u1', 'users/u1/../u2/a.jpg')).toBe(false);
    expect(isOwnedBlobPath('u1', '/users/u1/a.jpg')).toBe(false);
  });
});

describe('error catalog', () => {
  it('gives every code a sentence', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(entry.message).toMatch(/[.!]$/);
    }
  });
});
