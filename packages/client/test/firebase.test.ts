import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACTION_TYPES, LUMA_ASPECT_RATIOS, LUMA_DURATIONS, LUMA_RESOLUTIONS, LUMA_VIDEO_MODELS, VISIBILITIES, VideoOptionsSchema } from '@d2v/schema';
import { CLIENT_WRITABLE, D2vError, UPLOAD_LIMITS, actionWrite, newRequestWrite, scriptEditWrite, scriptRequestWrite, uploadTarget, type Script } from '../src';

/**
 * The Firebase transport's writes against firestore.rules / storage.rules, read from the files themselves.
 * Nothing here talks to Firestore: its emulator needs Java 21, which this machine lacks, so the transport is
 * checked at its boundary (payloads here; SDK calls in firebase-transport.test.ts with the SDK mocked), and
 * `npm run test:emulators` is where the rules themselves run.
 */
const root = resolve(__dirname, '..', '..', '..');
const firestoreRules = readFileSync(resolve(root, 'firestore.rules'), 'utf8');
const storageRules = readFileSync(resolve(root, 'storage.rules'), 'utf8');

/** The string list of the first `<anchor>…hasOnly([…])` after `anchor` in the rules text. */
function hasOnlyAfter(anchor: string): string[] {
  const from = firestoreRules.indexOf(anchor);
  expect(from).toBeGreaterThanOrEqual(0);
  const match = /hasOnly\(\[([^\]]*)\]\)/.exec(firestoreRules.slice(from));
  return [...match![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}
/** The enum list the rules check `<expr> in [...]` against. */
function enumOf(expr: string): string[] {
  const match = new RegExp(`${expr.replace(/\./g, '\\.')} in \\[([^\\]]*)\\]`).exec(firestoreRules);
  expect(match).not.toBeNull();
  return [...match![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

describe('firestore.rules field lists = what the transport writes', () => {
  it('a new request: exactly the client fields, options in their enums', () => {
    expect(hasOnlyAfter('function validNewRequest')).toEqual([...CLIENT_WRITABLE.newVideoRequest]);
    const write = newRequestWrite({ draftId: 'demo-sunrise', options: { resolution: '540p', loop: true, caption: 'hi' } });
    expect(Object.keys(write).every((k) => hasOnlyAfter('function validNewRequest').includes(k))).toBe(true);
    const optionKeys = hasOnlyAfter('function validOptions');
    const options = write.options as Record<string, unknown>;
    expect(Object.keys(options).every((k) => optionKeys.includes(k))).toBe(true);
    expect(enumOf('o.model')).toEqual([...LUMA_VIDEO_MODELS]);
    expect(enumOf('o.aspectRatio')).toEqual([...LUMA_ASPECT_RATIOS]);
    expect(enumOf('o.resolution')).toEqual([...LUMA_RESOLUTIONS]);
    expect(enumOf('o.duration')).toEqual([...LUMA_DURATIONS]);
    // Every option the schema knows (`fresh` included) is one the rules let through, and no other.
    expect([...optionKeys].sort()).toEqual(Object.keys(VideoOptionsSchema.shape).sort());
    expect(firestoreRules).toContain("(!('fresh' in o) || o.fresh is bool)");
    expect(Object.keys(newRequestWrite({ draftId: 'd', options: { fresh: true } }).options as object)).toContain('fresh');
    expect(enumOf('o.model')).toContain(options.model);
    expect(enumOf('o.resolution')).toContain(options.resolution);
    expect(write).not.toHaveProperty('state');
  });

  it('an update: only `action`, with the keys and types the rules allow', () => {
    expect(firestoreRules).toContain(`affectedKeys().hasOnly(${JSON.stringify([...CLIENT_WRITABLE.videoRequestUpdate]).replace(/"/g, "'")})`);
    const actionKeys = hasOnlyAfter('function validAction');
    expect(actionKeys).toEqual([...CLIENT_WRITABLE.action]);
    for (const type of enumOf('a.type')) {
      const update = actionWrite({ type: type as never, visibility: 'private', caption: 'c' }, 'act-1', new Date().toISOString());
      expect(Object.keys(update)).toEqual(['action']);
      expect(Object.keys(update.action).every((k) => actionKeys.includes(k))).toBe(true);
      expect((update.action.requestedAt as string).length).toBeLessThanOrEqual(40);
    }
    expect(enumOf('a.type')).toEqual([...ACTION_TYPES]);
    expect(enumOf('v')).toEqual([...VISIBILITIES]);
  });

  it('a script request: draftId, duration, shots only', () => {
    expect(hasOnlyAfter('match /scriptRequests/{requestId}')).toEqual([...CLIENT_WRITABLE.newScriptRequest]);
    expect(scriptRequestWrite({ draftId: 'd1', duration: 9, shots: 3 })).toEqual({ draftId: 'd1', duration: 9, shots: 3 });
    expect(scriptRequestWrite({ draftId: 'd1', duration: '5s' })).toEqual({ draftId: 'd1', duration: '5s' });
  });

  it('a script edit: `script` only, the owner’s own, on a ready request (validScriptEdit)', () => {
    const rule = firestoreRules.slice(firestoreRules.indexOf('function validScriptEdit'));
    expect(rule).toContain(`affectedKeys().hasOnly(${JSON.stringify([...CLIENT_WRITABLE.scriptRequestUpdate]).replace(/"/g, "'")})`);
    expect(rule).toContain("resource.data.state == 'ready'");
    expect(rule).toContain('s.uid == uid');
    expect(firestoreRules).toContain('allow update: if isUser(uid) && validScriptEdit(uid);');
    const script = { version: 1, uid: 'demo-user', draftId: 'd1', totalMs: 1000, moods: [], images: { referenceImages: [], characterImages: [] }, scenes: [{ n: 1, durationMs: 1000, shot: 'single', description: 'x', camera: 'static' }] } as Script;
    expect(Object.keys(scriptEditWrite('demo-user', script))).toEqual([...CLIENT_WRITABLE.scriptRequestUpdate]);
    expect(() => scriptEditWrite('other-user', script)).toThrow(D2vError);
    expect(() => scriptEditWrite('demo-user', { ...script, scenes: [] })).toThrow(/1 to 12 scenes/);
  });

  it('refuses what the rules would refuse, with a catalog code and a sentence instead of "permission denied"', () => {
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(D2vError);
        return (e as D2vError).toJSON();
      }
      throw new Error('not refused');
    };
    expect(refused(() => newRequestWrite({ draftId: 'd', options: { resolution: '8k' as never } })).code).toBe('INVALID_REQUEST');
    expect(refused(() => newRequestWrite({ draftId: 'd', state: 'ready' } as never)).code).toBe('INVALID_REQUEST');
    expect(refused(() => actionWrite({ type: 'post', caption: 'x'.repeat(2201) }, 'a', 'now')).code).toBe('INVALID_ACTION');
    expect(refused(() => actionWrite({ type: 'publish' as never }, 'a', 'now')).code).toBe('INVALID_ACTION');
    expect(refused(() => actionWrite({ type: 'save' }, 'bad id', 'now')).code).toBe('INVALID_ACTION');
    expect(refused(() => scriptRequestWrite({ draftId: 'd', duration: 61 })).code).toBe('INVALID_REQUEST');
    expect(refused(() => scriptRequestWrite({ draftId: 'd', shots: 13 })).code).toBe('INVALID_REQUEST');
  });
});

describe('storage.rules upload limits = what the transport checks', () => {
  it('images of the allowed types up to 10 MB, under users/{uid}/uploads/', () => {
    expect(storageRules).toContain(`request.resource.size <= ${UPLOAD_LIMITS.maxBytes / 1024 / 1024} * 1024 * 1024`);
    const types = /contentType in \[([^\]]*)\]/.exec(storageRules)![1]!;
    expect([...types.matchAll(/'([^']+)'/g)].map((m) => m[1])).toEqual([...UPLOAD_LIMITS.contentTypes]);
    expect(storageRules).toContain('match /users/{uid}/uploads/{allPaths=**}');
    expect(uploadTarget('demo-user', 'ref-1.jpg', 'image/jpeg', 1000)).toEqual({ path: 'users/demo-user/uploads/ref-1.jpg', metadata: { contentType: 'image/jpeg' } });
    expect(() => uploadTarget('demo-user', 'ref.gif', 'image/gif', 10)).toThrow(D2vError);
    expect(() => uploadTarget('demo-user', 'big.jpg', 'image/jpeg', UPLOAD_LIMITS.maxBytes + 1)).toThrow(/10 MB/);
    expect(() => uploadTarget('demo-user', '../x.jpg', 'image/jpeg', 10)).toThrow(D2vError);
  });
});
