/** The Storage trigger's loop guard, rule by rule. */
import './helpers/env';
import { PIPELINE_METADATA_KEY, blobPaths } from '@d2v/schema';
import { isPipelineGenerated, rawVideoTarget, shouldProcessObject, stringMetadata } from '../src/guards';

describe('metadata filter', () => {
  it.each([
    [{ [PIPELINE_METADATA_KEY]: 'true' }, true],
    [{ [PIPELINE_METADATA_KEY]: 'TRUE ' }, true],
    [{ [PIPELINE_METADATA_KEY]: true }, true],
    [{ [PIPELINE_METADATA_KEY]: 'false' }, false],
    [{ other: 'true' }, false],
    [{}, false],
    [null, false],
    [undefined, false],
  ])('%j → %s', (metadata, expected) => expect(isPipelineGenerated(metadata as Record<string, unknown> | null)).toBe(expected));
});

describe('path filter', () => {
  it('accepts exactly users/{uid}/ai-videos/{requestId}/raw.mp4', () => {
    expect(rawVideoTarget(blobPaths.rawVideo('u1', 'r1'))).toEqual({ uid: 'u1', requestId: 'r1' });
  });
  it.each([
    blobPaths.encryptedVideo('u1', 'r1'),
    blobPaths.poster('u1', 'r1'),
    blobPaths.keyframe('u1', 'r1'),
    'users/u1/uploads/raw.mp4',
    'users/u1/ai-videos/r1/raw.mp4.tmp',
    'users/u1/ai-videos/r1/nested/raw.mp4',
    'users/u1/ai-videos/../r1/raw.mp4',
    'other/u1/ai-videos/r1/raw.mp4',
    '',
  ])('rejects %j', (name) => expect(rawVideoTarget(name)).toBeNull());
});

describe('shouldProcessObject', () => {
  const raw = blobPaths.rawVideo('u1', 'r1');
  it('processes a raw download without the marker', () => {
    expect(shouldProcessObject({ name: raw, contentType: 'video/mp4', metadata: {} })).toEqual({ process: true, uid: 'u1', requestId: 'r1' });
  });
  it('ignores anything the pipeline wrote itself, even at the raw path', () => {
    expect(shouldProcessObject({ name: raw, metadata: { [PIPELINE_METADATA_KEY]: 'true' } })).toEqual({ process: false, reason: 'pipeline-generated' });
  });
  it('ignores our outputs (they carry the marker and live elsewhere)', () => {
    expect(shouldProcessObject({ name: blobPaths.encryptedVideo('u1', 'r1'), metadata: { [PIPELINE_METADATA_KEY]: 'true' } }).process).toBe(false);
    expect(shouldProcessObject({ name: blobPaths.poster('u1', 'r1') }).process).toBe(false);
  });
  it('ignores app uploads and nameless objects', () => {
    expect(shouldProcessObject({ name: 'users/u1/uploads/photo.jpg', contentType: 'image/jpeg' })).toEqual({ process: false, reason: 'not-a-raw-video' });
    expect(shouldProcessObject({ name: null })).toEqual({ process: false, reason: 'no-name' });
  });
  it('stringifies custom metadata for the core', () => {
    expect(stringMetadata({ a: 1, b: true, c: null, d: 'x' })).toEqual({ a: '1', b: 'true', d: 'x' });
    expect(stringMetadata(undefined)).toEqual({});
  });
});
