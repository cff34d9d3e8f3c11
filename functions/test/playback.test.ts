/**
 * The `videoPlayback` function as deployed (functions/src/index.ts), served over real HTTP the way Cloud Functions
 * serves it (an express app in front of the exported function), on the local stack's adapters behind the same
 * ports (SQLite documents, files, the real media port: real ffmpeg output, real AES-GCM). Requests carry
 * `Authorization: Bearer <ID token>`.
 *
 * The one fake is the ID-token check: tests have no Google signing keys, so FakeIdTokenVerifier verifies RS256
 * tokens signed with a key made here (issuer, audience, expiry and subject checked as firebase-admin checks them).
 * firebase-admin's own verifyIdToken, wrapped by FirebaseIdTokenVerifier, is tested for what it can do offline:
 * refusing bad tokens (→ 401), and failing loudly when it cannot check (→ 500, not 401).
 */
import './helpers/env';
// FAKE Firebase Auth for the client SDK at the end of this file (no Auth emulator here): the signed-in user's
// ID token is one signed with the test key below, which FakeIdTokenVerifier accepts as firebase-admin would.
// eslint-disable-next-line no-var
var mockSignedIn: { uid: string; getIdToken(): Promise<string> } | null = null;
jest.mock('firebase/auth', () => ({ getAuth: () => ({ get currentUser() { return mockSignedIn; } }) }));
import { TEST_PROJECT } from './helpers/env';
import { createSign, createVerify, generateKeyPairSync, randomInt, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import { initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { blobPaths, docPaths, type Post, type VideoRequest } from '@d2v/schema';
import { runFfmpeg } from '@d2v/media';
import * as fns from '../src/index';
import { setPortsForTesting } from '../src/ports';
import { setIdTokenVerifierForTesting } from '../src/playback';
import { FirebaseIdTokenVerifier, isTokenRejection, type IdTokenVerifier } from '../src/adapters/id-tokens';
import { makeLocalPorts, type LocalPortsFixture } from './helpers/local-ports';
import { initializeApp as initializeClientApp } from 'firebase/app';
import { createFirebaseClient } from '../../packages/client/src/firebase';

jest.setTimeout(120_000);

const OWNER = 'owner-1';
const FAN = 'fan-1';
const STRANGER = 'stranger-1';
const RID = 'req-play-1';
const POST = `ai_${RID}`;
const MAX_RANGE = 100_000;

// ---------------------------------------------------------------------------------------------------------------
// The fake ID-token verifier and its signer

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signIdToken(key: KeyObject, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64url({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })}.${b64url({
    iss: `https://securetoken.google.com/${TEST_PROJECT}`,
    aud: TEST_PROJECT,
    iat: now - 5,
    exp: now + 3600,
    auth_time: now - 5,
    ...claims,
  })}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(key).toString('base64url')}`;
}

/** FAKE: stands in for Google's keys with a local one; checks what firebase-admin's verifyIdToken checks. */
class FakeIdTokenVerifier implements IdTokenVerifier {
  constructor(private readonly publicKey: KeyObject) {}
  async verify(token: string): Promise<string | null> {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return null;
    if (!createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(this.publicKey, Buffer.from(signature, 'base64url'))) return null;
    const h = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: string; aud?: string; exp?: number; sub?: string };
    const now = Date.now() / 1000;
    if (h.alg !== 'RS256' || c.aud !== TEST_PROJECT || c.iss !== `https://securetoken.google.com/${TEST_PROJECT}`) return null;
    if (typeof c.exp !== 'number' || c.exp <= now || typeof c.sub !== 'string' || c.sub === '') return null;
    return c.sub;
  }
}

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tokenFor = (uid: string) => signIdToken(keys.privateKey, { sub: uid });

// ---------------------------------------------------------------------------------------------------------------

let fx: LocalPortsFixture;
let server: Server;
let base: string;
let plaintext: Buffer;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function get(path: string, opts: { uid?: string | null; token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token ?? (opts.uid === null ? undefined : tokenFor(opts.uid ?? OWNER));
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(bytes.toString()) : undefined;
  return { status: res.status, headers: res.headers, bytes, json };
}

const codeOf = (r: { status: number; json?: { error?: { code?: string } } }) => ({ status: r.status, code: r.json?.error?.code });

/** A real encrypted video (ffmpeg → media.encrypt → the blob store) and its documents. */
async function storeVideo(requestId: string, state: VideoRequest['state']): Promise<Buffer> {
  const mp4 = join(fx.dir, `${requestId}.mp4`);
  const jpg = join(fx.dir, `${requestId}.jpg`);
  await runFfmpeg(['-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:d=2:r=24', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '2M', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', mp4]);
  await fx.ports.media.poster(mp4, jpg);
  const videoPath = blobPaths.encryptedVideo(OWNER, requestId);
  const posterPath = blobPaths.poster(OWNER, requestId);
  const { stream, result } = fx.ports.media.encrypt(createReadStream(mp4));
  await fx.blobs.upload(videoPath, stream, { contentType: 'application/octet-stream' });
  const enc = await result;
  await fx.blobs.uploadFile(posterPath, jpg, { contentType: 'image/jpeg' });
  const encryption = { scheme: enc.scheme, keyId: enc.keyId, wrappedKey: enc.wrappedKey, segmentSize: enc.segmentSize, plaintextBytes: enc.plaintextBytes };
  const now = new Date().toISOString();
  await fx.store.runTransaction(async (tx) => {
    tx.set(docPaths.videoRequest(OWNER, requestId), {
      uid: OWNER, requestId, draftId: 'd1', state, progress: 1, transitionCount: 0, createdAt: now, updatedAt: now, deadlineAt: 0,
      outputs: { videoPath, posterPath, bytes: enc.ciphertextBytes, durationMs: 2000, width: 640, height: 360, encryption },
    });
  });
  return readAll(fx.ports.media.decrypt(fx.blobs.download(videoPath), encryption));
}

async function putPost(postId: string, fields: Partial<Post>): Promise<void> {
  const request = (await fx.store.get<VideoRequest>(docPaths.videoRequest(OWNER, RID)))!.data;
  const out = request.outputs!;
  const post: Post = {
    postId, uid: OWNER, type: 'video', caption: 'c', visibility: 'followers', videoPath: out.videoPath, posterPath: out.posterPath,
    durationMs: out.durationMs, width: out.width, height: out.height, encryption: out.encryption, aiGenerated: true, source: 'luma',
    requestId: RID, createdAt: new Date().toISOString(), ...fields,
  };
  await fx.store.runTransaction(async (tx) => void tx.set(docPaths.post(postId), post as unknown as Record<string, unknown>));
}

beforeAll(async () => {
  const app = express();
  app.use((req, res) => fns.videoPlayback(req as never, res as never));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // What the deployed function has in its environment: the bound secrets and these params.
  process.env.PLAYBACK_LINK_SECRET = 'test-playback-link-secret-0123456789abcdef';
  process.env.PLAYBACK_BASE_URL = base;
  process.env.PLAYBACK_MAX_RANGE_BYTES = String(MAX_RANGE);
  fx = await makeLocalPorts({ simulator: false });
  setPortsForTesting(fx.ports);
  setIdTokenVerifierForTesting(new FakeIdTokenVerifier(keys.publicKey));
  plaintext = await storeVideo(RID, 'posted');
  await storeVideo('req-deleted', 'deleted');
  await putPost(POST, { visibility: 'followers' });
  await putPost(`${POST}-private`, { visibility: 'private' });
  await fx.store.runTransaction(async (tx) => void tx.set(docPaths.follower(OWNER, FAN), { followerUid: FAN, since: '2025-01-01T00:00:00Z' }));
});

afterAll(async () => {
  setIdTokenVerifierForTesting(undefined);
  setPortsForTesting(undefined);
  for (const name of ['PLAYBACK_LINK_SECRET', 'PLAYBACK_BASE_URL', 'PLAYBACK_MAX_RANGE_BYTES']) delete process.env[name];
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections?.();
  await fx?.close();
});

describe('videoPlayback: authentication', () => {
  it('answers 401 without a token, with a token signed by another key, and with an expired one', async () => {
    expect(codeOf(await get(`/v1/requests/${RID}/video`, { uid: null }))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(codeOf(await get(`/v1/requests/${RID}/video`, { token: signIdToken(otherKeys.privateKey, { sub: OWNER }) }))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    const expired = signIdToken(keys.privateKey, { sub: OWNER, iat: 1, exp: 2 });
    expect(codeOf(await get(`/v1/requests/${RID}/video`, { token: expired }))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('answers 500 (not 401) when tokens cannot be checked at all', async () => {
    setIdTokenVerifierForTesting({ verify: () => Promise.reject(new Error('Google keys unreachable')) });
    try {
      expect(codeOf(await get(`/v1/requests/${RID}/video`))).toEqual({ status: 500, code: 'INTERNAL' });
    } finally {
      setIdTokenVerifierForTesting(new FakeIdTokenVerifier(keys.publicKey));
    }
  });

  it('answers an unknown route and a bad id in the error shape', async () => {
    expect(codeOf(await get('/v1/nothing'))).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(codeOf(await get('/v1/posts/not%20an%20id/video'))).toEqual({ status: 400, code: 'INVALID_ID' });
    // Listing is the app's own Firestore queries on Firebase, not this function's.
    expect(codeOf(await get('/v1/feed'))).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('videoPlayback: the owner', () => {
  it('plays the whole video with the playback headers', async () => {
    const res = await get(`/v1/requests/${RID}/video`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('content-length')).toBe(String(plaintext.length));
    expect(res.bytes.equals(plaintext)).toBe(true);
    expect(plaintext.length).toBeGreaterThan(3 * 65536);
  });

  it('answers ranges byte for byte: random, segment boundaries, the last byte, suffixes', async () => {
    const n = plaintext.length;
    const specs = ['0-0', `${n - 1}-${n - 1}`, '-1', '-4096', '65535-65536', '131071-131072', `${n - 70000}-`];
    for (let i = 0; i < 25; i++) {
      const a = randomInt(n);
      specs.push(`${a}-${Math.min(n - 1, a + randomInt(MAX_RANGE))}`);
    }
    for (const spec of specs) {
      const res = await get(`/v1/requests/${RID}/video`, { headers: { range: `bytes=${spec}` } });
      const [start, end] = spec.startsWith('-') ? [n - Number(spec.slice(1)), n - 1] : [Number(spec.split('-')[0]), spec.endsWith('-') ? n - 1 : Number(spec.split('-')[1])];
      expect({ spec, status: res.status, range: res.headers.get('content-range') }).toEqual({ spec, status: 206, range: `bytes ${start}-${end}/${n}` });
      expect(res.bytes.equals(plaintext.subarray(start, end + 1))).toBe(true);
    }
  });

  it('shortens a range longer than PLAYBACK_MAX_RANGE_BYTES (the client asks again for the rest)', async () => {
    const res = await get(`/v1/requests/${RID}/video`, { headers: { range: 'bytes=0-' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-${MAX_RANGE - 1}/${plaintext.length}`);
    expect(res.bytes.equals(plaintext.subarray(0, MAX_RANGE))).toBe(true);
  });

  it('416 for a range past the end; 410 for a deleted request; 404 for someone else', async () => {
    const past = await get(`/v1/requests/${RID}/video`, { headers: { range: `bytes=${plaintext.length}-` } });
    expect(codeOf(past)).toEqual({ status: 416, code: 'RANGE_NOT_SATISFIABLE' });
    expect(past.headers.get('content-range')).toBe(`bytes */${plaintext.length}`);
    expect(codeOf(await get('/v1/requests/req-deleted/video'))).toEqual({ status: 410, code: 'DELETED' });
    expect(codeOf(await get(`/v1/requests/${RID}/video`, { uid: FAN }))).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('serves the poster and a download, also under the function-name prefix of the raw Cloud Run URL', async () => {
    const poster = await get(`/videoPlayback/v1/requests/${RID}/poster`);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    const dl = await get(`/v1/requests/${RID}/video?download=1`, { headers: { range: 'bytes=0-9' } });
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${RID}.mp4"`);
  });
});

describe('videoPlayback: a post’s audience', () => {
  it('followers: the owner and a follower play it; anyone else gets "not found"', async () => {
    for (const uid of [OWNER, FAN]) {
      const res = await get(`/v1/posts/${POST}/video`, { uid, headers: { range: 'bytes=-1000' } });
      expect(res.status).toBe(206);
      expect(res.bytes.equals(plaintext.subarray(plaintext.length - 1000))).toBe(true);
    }
    expect(codeOf(await get(`/v1/posts/${POST}/video`, { uid: STRANGER }))).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(codeOf(await get(`/v1/posts/${POST}/poster`, { uid: STRANGER }))).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('private: the owner only; a missing post looks the same as a hidden one', async () => {
    expect((await get(`/v1/posts/${POST}-private/video`, { headers: { range: 'bytes=0-99' } })).status).toBe(206);
    const hidden = await get(`/v1/posts/${POST}-private/video`, { uid: FAN });
    const missing = await get('/v1/posts/ai_missing/video', { uid: FAN });
    expect(codeOf(hidden)).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(hidden.json.error.message.replace(`${POST}-private`, 'X')).toBe(missing.json.error.message.replace('ai_missing', 'X'));
  });

  it('hands a follower a signed link that plays without a token', async () => {
    const link = await get(`/v1/posts/${POST}/video/link`, { uid: FAN });
    expect(link.status).toBe(200);
    expect(link.json.url.startsWith(`${base}/v1/posts/${POST}/video?`)).toBe(true);
    const played = await fetch(link.json.url, { headers: { range: 'bytes=10-19' } });
    expect(played.status).toBe(206);
    expect(Buffer.from(await played.arrayBuffer()).equals(plaintext.subarray(10, 20))).toBe(true);
    expect(codeOf(await get(`/v1/posts/${POST}/video/link`, { uid: STRANGER }))).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('a damaged video is an error, never wrong bytes', async () => {
    const request = (await fx.store.get<VideoRequest>(docPaths.videoRequest(OWNER, RID)))!.data;
    const ciphertext = await readAll(fx.blobs.download(request.outputs!.videoPath));
    ciphertext[ciphertext.length - 100]! ^= 0x01;
    await fx.blobs.upload('tests/damaged/video.enc', Readable.from([ciphertext]), { contentType: 'application/octet-stream' });
    await putPost(`${POST}-damaged`, { visibility: 'public', videoPath: 'tests/damaged/video.enc' });
    expect(codeOf(await get(`/v1/posts/${POST}-damaged/video`, { uid: STRANGER, headers: { range: 'bytes=-10' } }))).toEqual({ status: 500, code: 'VIDEO_DAMAGED' });
    const head = await get(`/v1/posts/${POST}-damaged/video`, { uid: STRANGER, headers: { range: 'bytes=0-99' } });
    expect(head.bytes.equals(plaintext.subarray(0, 100))).toBe(true);
  });
});

describe('the @d2v/client Firebase transport against videoPlayback (the web console and the app play through it)', () => {
  const clientFor = (uid: string | null) => {
    mockSignedIn = uid ? { uid, getIdToken: async () => tokenFor(uid) } : null;
    return createFirebaseClient({ app: initializeClientApp({ projectId: TEST_PROJECT, apiKey: 'test-api-key' }, `client-${uid}`), playbackUrl: base });
  };

  it('the owner: a signed link a player loads with ranges and no token, the poster, a download', async () => {
    const owner = clientFor(OWNER);
    const video = await owner.openMedia(RID, 'video');
    expect(video.url.startsWith(`${base}/v1/requests/${RID}/video?as=${OWNER}&`)).toBe(true);
    const seek = await fetch(video.url, { headers: { range: `bytes=${plaintext.length - 5000}-` } });
    expect(seek.status).toBe(206);
    expect(Buffer.from(await seek.arrayBuffer()).equals(plaintext.subarray(plaintext.length - 5000))).toBe(true);
    const poster = await fetch((await owner.openMedia(RID, 'poster')).url);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    const file = await owner.download(RID);
    expect(Buffer.from(await file.arrayBuffer()).equals(plaintext)).toBe(true);
  });

  it('a post’s audience: a follower plays it, a stranger and a signed-out client are refused with the function’s code and sentence', async () => {
    const link = await clientFor(FAN).openPostMedia(POST, 'video');
    expect((await fetch(link.url, { headers: { range: 'bytes=0-99' } })).status).toBe(206);
    await expect(clientFor(STRANGER).openPostMedia(POST, 'video')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404, message: expect.stringContaining(POST) });
    await expect(clientFor(FAN).openPostMedia(`${POST}-private`, 'poster')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(clientFor(null).openPostMedia(POST, 'video')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('FirebaseIdTokenVerifier (firebase-admin verifyIdToken, offline)', () => {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = (claims: Record<string, unknown>) =>
    `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: `https://securetoken.google.com/${TEST_PROJECT}`, aud: TEST_PROJECT, sub: 'u1', iat: now - 10, exp: now + 3600, auth_time: now - 10, ...claims })}.`;
  let verifier: FirebaseIdTokenVerifier;
  beforeAll(() => {
    // Auth-emulator mode skips the signature (there are no Google keys offline) but checks every claim; nothing listens on :9.
    process.env.FIREBASE_AUTH_EMULATOR_HOST = '127.0.0.1:9';
    verifier = new FirebaseIdTokenVerifier(getAuth(initializeApp({ projectId: TEST_PROJECT }, 'id-token-test')));
  });
  afterAll(() => delete process.env.FIREBASE_AUTH_EMULATOR_HOST);

  it('turns firebase-admin’s refusals into "not valid" (→ 401)', async () => {
    expect(await verifier.verify('not-a-jwt')).toBeNull();
    expect(await verifier.verify(unsigned({ exp: now - 5, iat: now - 100 }))).toBeNull();
    expect(await verifier.verify(unsigned({ aud: 'another-project' }))).toBeNull();
    expect(await verifier.verify(unsigned({ sub: '' }))).toBeNull();
  });

  it('lets "could not check" through as an error (→ 500, never a silent 401)', async () => {
    // A well-formed token makes firebase-admin ask the (absent) Auth service about the user.
    await expect(verifier.verify(unsigned({}))).rejects.toThrow();
    expect(isTokenRejection({ code: 'app/network-error' })).toBe(false);
    expect(isTokenRejection({ code: 'auth/id-token-expired' })).toBe(true);
  });
});
