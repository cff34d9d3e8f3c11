/**
 * Pure adapter logic, unit-tested directly: task-id hashing, queue names, error-code mapping, Firestore value
 * and version conversion, Storage metadata, object-name safety, Pub/Sub attributes. Real firebase-admin
 * classes (Timestamp, FieldValue, FirebaseFunctionsError) are used where a value has to be one.
 */
import './helpers/env';
import { dirname, join } from 'node:path';
import { Timestamp } from 'firebase-admin/firestore';
import { AlreadyExistsError, NotFoundError } from '@d2v/core';
import { classifyGoogleError, documentPathFromMessage, mapFirestoreError } from '../src/adapters/errors';
import { TASK_ID_RE, cloudTaskId, isTaskAlreadyExists, queueResourceName, toTaskOptions } from '../src/adapters/cloud-tasks';
import { toPlain, toUpdatePatch, versionOf } from '../src/adapters/firestore-store';
import { assertSafeObjectName, signedUrlExpiry, toBlobInfo, toStorageMetadata } from '../src/adapters/storage-blobs';
import { eventAttributes } from '../src/adapters/pubsub-events';

// firebase-admin's own error class for task-queue failures (not exported publicly; loaded from the package).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FirebaseFunctionsError } = require(join(dirname(require.resolve('firebase-admin/functions')), 'functions-api-client-internal.js')) as {
  FirebaseFunctionsError: new (code: string, message: string) => Error;
};

describe('Cloud Tasks ids and names', () => {
  it('hashes a dedupe id to 64 hex characters, deterministically', () => {
    const id = cloudTaskId('submit-abc');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(cloudTaskId('submit-abc')).toBe(id);
    expect(cloudTaskId('submit-abd')).not.toBe(id);
  });

  it('always yields a valid Cloud Tasks id, whatever the input (unicode, slashes, 10k chars)', () => {
    for (const input of ['', 'a/b/c', 'ünïcødé ✓', 'x'.repeat(10_000), 'poll-req1-3']) {
      expect(cloudTaskId(input)).toMatch(TASK_ID_RE);
    }
  });

  it('spreads similar (sequential) ids uniformly: no shared prefixes', () => {
    const prefixes = new Set(Array.from({ length: 50 }, (_, i) => cloudTaskId(`poll-r1-video-${i}`).slice(0, 4)));
    expect(prefixes.size).toBeGreaterThan(45);
  });

  it('region-qualifies the queue name', () => {
    expect(queueResourceName('europe-west1', 'submitTask')).toBe('locations/europe-west1/functions/submitTask');
  });

  it('maps enqueue options: hashed id, delay rounded up and capped at 30 days, no delay when 0', () => {
    expect(toTaskOptions(undefined)).toEqual({});
    expect(toTaskOptions({ id: 'x' })).toEqual({ id: cloudTaskId('x') });
    expect(toTaskOptions({ delaySeconds: 1.2 })).toEqual({ scheduleDelaySeconds: 2 });
    expect(toTaskOptions({ delaySeconds: 0 })).toEqual({});
    expect(toTaskOptions({ delaySeconds: 1e9 }).scheduleDelaySeconds).toBe(30 * 24 * 3600);
  });

  it('recognises "task already exists" from firebase-admin, HTTP 409 and gRPC 6 — and nothing else', () => {
    expect(isTaskAlreadyExists(new FirebaseFunctionsError('task-already-exists', 'A task with ID x already exists'))).toBe(true);
    expect(isTaskAlreadyExists({ response: { status: 409 } })).toBe(true);
    expect(isTaskAlreadyExists({ code: 6 })).toBe(true);
    expect(isTaskAlreadyExists(new FirebaseFunctionsError('unauthenticated', 'no'))).toBe(false);
    expect(isTaskAlreadyExists(new FirebaseFunctionsError('not-found', 'queue missing'))).toBe(false);
    expect(isTaskAlreadyExists(new Error('boom'))).toBe(false);
    expect(isTaskAlreadyExists(undefined)).toBe(false);
  });
});

describe('Firestore error mapping', () => {
  const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

  it('classifies gRPC, HTTP and string codes', () => {
    expect(classifyGoogleError(grpc(6, 'ALREADY_EXISTS'))).toBe('already-exists');
    expect(classifyGoogleError(grpc(5, 'NOT_FOUND'))).toBe('not-found');
    expect(classifyGoogleError({ code: 404 })).toBe('not-found');
    expect(classifyGoogleError({ code: 'already-exists' })).toBe('already-exists');
    expect(classifyGoogleError({ code: 'ALREADY_EXISTS' })).toBe('already-exists');
    expect(classifyGoogleError(grpc(10, 'ABORTED'))).toBe('other');
    expect(classifyGoogleError(grpc(14, 'UNAVAILABLE'))).toBe('other');
  });

  it('turns ALREADY_EXISTS into AlreadyExistsError naming the document from the message', () => {
    const err = grpc(6, 'ALREADY_EXISTS: Document already exists: projects/p/databases/(default)/documents/users/u1/videoRequests/r1');
    const mapped = mapFirestoreError(err, 'fallback/path');
    expect(mapped).toBeInstanceOf(AlreadyExistsError);
    expect((mapped as AlreadyExistsError).path).toBe('users/u1/videoRequests/r1');
  });

  it('turns NOT_FOUND into NotFoundError, using the hint when the message names no document', () => {
    const mapped = mapFirestoreError(grpc(5, 'NOT_FOUND: no entity to update'), 'users/u1/x/y');
    expect(mapped).toBeInstanceOf(NotFoundError);
    expect((mapped as NotFoundError).path).toBe('users/u1/x/y');
  });

  it('passes other errors (contention, unavailability) through untouched', () => {
    const aborted = grpc(10, 'ABORTED: too much contention');
    expect(mapFirestoreError(aborted)).toBe(aborted);
    const already = new AlreadyExistsError('a/b');
    expect(mapFirestoreError(already)).toBe(already);
  });

  it('extracts document paths from Firestore messages', () => {
    expect(documentPathFromMessage('Document already exists: projects/x/databases/(default)/documents/a/b/c/d')).toBe('a/b/c/d');
    expect(documentPathFromMessage('nothing here')).toBeUndefined();
  });
});

describe('Firestore values and versions', () => {
  it('versions are RFC 3339 with nanoseconds: unique per updateTime and sortable', () => {
    const a = versionOf(new Timestamp(1_700_000_000, 5));
    const b = versionOf(new Timestamp(1_700_000_000, 6));
    const c = versionOf(new Timestamp(1_700_000_001, 0));
    expect(a).toBe('2023-11-14T22:13:20.000000005Z');
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect(versionOf(undefined)).toBe('');
  });

  it('converts Timestamps (also nested and in arrays) to ISO strings, leaves JSON values alone', () => {
    const ts = Timestamp.fromDate(new Date('2025-01-02T03:04:05.678Z'));
    expect(toPlain({ a: ts, b: [ts, 1, 'x', null, true], c: { d: ts } })).toEqual({
      a: '2025-01-02T03:04:05.678Z',
      b: ['2025-01-02T03:04:05.678Z', 1, 'x', null, true],
      c: { d: '2025-01-02T03:04:05.678Z' },
    });
  });

  it('update patches drop undefined values (ignoreUndefinedProperties), keeping everything else', () => {
    expect(toUpdatePatch({ a: 1, b: undefined, c: { d: 2 }, e: null })).toEqual({ a: 1, c: { d: 2 }, e: null });
  });
});

describe('Storage metadata and names', () => {
  it('maps object metadata to BlobInfo, stringifying custom values', () => {
    const info = toBlobInfo('users/u1/ai-videos/r1/raw.mp4', {
      name: 'users/u1/ai-videos/r1/raw.mp4',
      size: '1234',
      contentType: 'video/mp4',
      metadata: { d2vGenerated: 'true', n: 3, b: false, gone: null },
      updated: '2025-01-01T00:00:00.000Z',
      generation: 1735689600000001,
    });
    expect(info).toEqual({
      path: 'users/u1/ai-videos/r1/raw.mp4',
      size: 1234,
      contentType: 'video/mp4',
      custom: { d2vGenerated: 'true', n: '3', b: 'false' },
      updatedAt: '2025-01-01T00:00:00.000Z',
      generation: '1735689600000001',
    });
  });

  it('carries Storage\'s md5Hash (the content cache\'s image hash) when the object has one', () => {
    const base = { name: 'users/u1/uploads/a.jpg', size: '3', contentType: 'image/jpeg', generation: 1 };
    expect(toBlobInfo('users/u1/uploads/a.jpg', { ...base, md5Hash: 'kAFQmDzST7DWlj99KOF/cg==' }).md5Hash).toBe('kAFQmDzST7DWlj99KOF/cg==');
    // Composite objects have no md5Hash: no hash, so no caching for drafts that use them.
    expect(toBlobInfo('users/u1/uploads/a.jpg', base)).not.toHaveProperty('md5Hash');
  });

  it('sends content type and custom metadata the way Storage stores them', () => {
    expect(toStorageMetadata({ contentType: 'image/jpeg', custom: { d2vGenerated: 'true' } })).toEqual({
      contentType: 'image/jpeg',
      metadata: { d2vGenerated: 'true' },
    });
    expect(toStorageMetadata({ contentType: 'video/mp4' })).toEqual({ contentType: 'video/mp4', metadata: {} });
  });

  it('caps signed URL lifetimes at 7 days (V4 maximum) and at least 1 s', () => {
    expect(signedUrlExpiry(1000, 60)).toBe(61_000);
    expect(signedUrlExpiry(0, 30 * 24 * 3600)).toBe(7 * 24 * 3600 * 1000);
    expect(signedUrlExpiry(0, 0)).toBe(1000);
  });

  it.each(['', '/etc/passwd', '../escape', 'users/u1/../../x', 'users//u1', 'users/u1/', 'users/./x', 'a\nb'])(
    'refuses the object name %j',
    (name) => expect(() => assertSafeObjectName(name)).toThrow(/refusing object name/),
  );

  it('accepts ordinary names, spaces and non-ASCII included', () => {
    for (const name of ['users/u1/ai-videos/r1/raw.mp4', 'users/u1/uploads/my photo é.jpg']) {
      expect(() => assertSafeObjectName(name)).not.toThrow();
    }
  });
});

describe('Pub/Sub attributes', () => {
  it('carries type and requestId as string attributes, leaving out what is absent', () => {
    expect(eventAttributes({ schemaVersion: 2, eventId: 'e1', type: 'transition', at: '2025-01-01T00:00:00Z', requestId: 'r1', to: 'ready' })).toEqual({
      type: 'transition',
      eventId: 'e1',
      schemaVersion: '2',
      requestId: 'r1',
      to: 'ready',
    });
    expect(eventAttributes({ schemaVersion: 2, eventId: 'e2', type: 'error', at: '2025-01-01T00:00:00Z' })).toEqual({ type: 'error', eventId: 'e2', schemaVersion: '2' });
  });
});
