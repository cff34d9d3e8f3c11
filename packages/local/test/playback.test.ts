/**
 * Watching the videos over real HTTP on the local stack: a real request (simulated Luma, ffmpeg, SQLite, real
 * encryption) is posted to its owner's followers, then played by its owner and its audience — whole and by
 * range, compared byte for byte with a plaintext copy made by the streaming decryptor (an independent path) —
 * refused to everyone else, played through signed links, listed in the feed and the profile grid, served
 * damaged (an error, never a wrong byte) and finally deleted.
 */
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { docPaths, type Post, type VideoRequest } from '@d2v/schema';
import type { LocalStack } from '../src';
import { startTestStack } from './helpers';

const OWNER = 'demo-user';
const TOKENS = { owner: 'demo-token', follower: 'other-token', stranger: 'third-token' } as const;
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;
const SEGMENT = 64 * 1024;

let stack: LocalStack;
let cleanup: () => Promise<void>;
let requestId: string;
let postId: string;
let doc: VideoRequest;
let plaintext: Buffer;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function get(path: string, opts: { token?: string | null; headers?: Record<string, string>; method?: string } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? TOKENS.owner : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${stack.url}${path}`, { method: opts.method ?? 'GET', headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(bytes.toString('utf8')) : undefined;
  return { status: res.status, headers: res.headers, bytes, json };
}

function expectError(answer: Awaited<ReturnType<typeof get>>, status: number, code: string): void {
  expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status, code });
  expect(typeof answer.json.error.message).toBe('string');
}

/** Writes a post document (the pipeline writes them the same way) pointing at `outputs`. */
async function putPost(id: string, fields: Partial<Post>): Promise<void> {
  const base = (await stack.ports.store.get<Post>(docPaths.post(postId)))!.data;
  await stack.ports.store.runTransaction(async (tx) => void tx.set(docPaths.post(id), { ...base, postId: id, ...fields } as unknown as Record<string, unknown>));
}

beforeAll(async () => {
  ({ stack, cleanup } = await startTestStack());
  const res = await fetch(`${stack.url}/v1/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.owner}`, 'content-type': 'application/json' },
    body: JSON.stringify({ draftId: 'demo-sunrise', options: { ...FAST, autoPost: true, visibility: 'followers', caption: 'Harbour' } }),
  });
  requestId = ((await res.json()) as { requestId: string }).requestId;
  doc = await stack.waitForState(OWNER, requestId, ['posted', 'failed'], 90_000);
  if (doc.state !== 'posted') throw new Error(`the video did not post: ${JSON.stringify(doc.error)}`);
  postId = doc.postId!;
  plaintext = await readAll(stack.ports.media.decrypt(stack.ports.blobs.download(doc.outputs!.videoPath), doc.outputs!.encryption));
  await putPost(`${postId}-public`, { visibility: 'public', createdAt: new Date(Date.parse(doc.updatedAt) + 1000).toISOString() });
  await putPost(`${postId}-private`, { visibility: 'private', createdAt: new Date(Date.parse(doc.updatedAt) + 2000).toISOString() });
}, 120_000);
afterAll(() => cleanup?.());

describe('the owner’s video: /v1/requests/{id}/video', () => {
  it('is several segments long (so ranges cross boundaries) and decrypts to an MP4', () => {
    expect(plaintext.length).toBe(doc.outputs!.encryption.plaintextBytes);
    expect(plaintext.length).toBeGreaterThan(3 * SEGMENT);
    expect(plaintext.subarray(4, 8).toString('latin1')).toBe('ftyp');
  });

  it('plays whole: 200, video/mp4, length, ranges accepted, private caching, an ETag', async () => {
    const res = await get(`/v1/requests/${requestId}/video`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-length')).toBe(String(plaintext.length));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('etag')).toMatch(/^"d2v-[A-Za-z0-9._-]+-\d+"$/);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(res.bytes.equals(plaintext)).toBe(true);
  });

  it('answers ranges with 206 and exactly those bytes: boundaries, the last byte, open ends, suffixes, random', async () => {
    const n = plaintext.length;
    const specs: string[] = ['0-0', '0-1', `${n - 1}-${n - 1}`, `${n - 1}-`, '-1', '-100', `-${n}`, `-${n + 500}`, `${n - 10}-${n + 1000}`, '0-'];
    for (let k = 1; k * SEGMENT < n; k++) specs.push(`${k * SEGMENT - 1}-${k * SEGMENT}`, `${k * SEGMENT}-${k * SEGMENT}`, `${k * SEGMENT - 1}-${k * SEGMENT - 1}`, `${(k - 1) * SEGMENT}-${k * SEGMENT - 1}`);
    for (let i = 0; i < 40; i++) {
      const a = randomInt(n);
      const b = randomInt(n);
      specs.push(`${Math.min(a, b)}-${Math.max(a, b)}`);
    }
    for (const spec of specs) {
      const res = await get(`/v1/requests/${requestId}/video`, { headers: { range: `bytes=${spec}` } });
      const [first, last] = spec.startsWith('-')
        ? [Math.max(0, n - Number(spec.slice(1))), n - 1]
        : [Number(spec.split('-')[0]), spec.endsWith('-') ? n - 1 : Math.min(n - 1, Number(spec.split('-')[1]))];
      expect({ spec, status: res.status }).toEqual({ spec, status: 206 });
      expect(res.headers.get('content-range')).toBe(`bytes ${first}-${last}/${n}`);
      expect(res.headers.get('content-length')).toBe(String(last - first + 1));
      expect(res.bytes.equals(plaintext.subarray(first, last + 1))).toBe(true);
    }
  });

  it('answers 416 with Content-Range bytes */size for unsatisfiable ranges', async () => {
    for (const spec of [`${plaintext.length}-`, `${plaintext.length + 10}-${plaintext.length + 20}`, '-0']) {
      const res = await get(`/v1/requests/${requestId}/video`, { headers: { range: `bytes=${spec}` } });
      expectError(res, 416, 'RANGE_NOT_SATISFIABLE');
      expect(res.headers.get('content-range')).toBe(`bytes */${plaintext.length}`);
    }
  });

  it('ignores ranges it does not understand (200, the whole video)', async () => {
    for (const range of ['items=0-10', 'bytes=10-5', 'bytes=abc', 'bytes=0-10,100000-100010']) {
      const res = await get(`/v1/requests/${requestId}/video`, { headers: { range } });
      expect({ range, status: res.status }).toEqual({ range, status: 200 });
      expect(res.bytes.length).toBe(plaintext.length);
    }
  });

  it('HEAD: the same headers, no body', async () => {
    const res = await get(`/v1/requests/${requestId}/video`, { method: 'HEAD', headers: { range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-length')).toBe('100');
    expect(res.bytes.length).toBe(0);
  });

  it('revalidates with If-None-Match (304) and honours If-Range only for the current version', async () => {
    const etag = (await get(`/v1/requests/${requestId}/video`, { method: 'HEAD' })).headers.get('etag')!;
    const notModified = await get(`/v1/requests/${requestId}/video`, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.bytes.length).toBe(0);
    const same = await get(`/v1/requests/${requestId}/video`, { headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(same.status).toBe(206);
    const changed = await get(`/v1/requests/${requestId}/video`, { headers: { range: 'bytes=0-9', 'if-range': '"d2v-other-1"' } });
    expect(changed.status).toBe(200);
    expect(changed.bytes.equals(plaintext)).toBe(true);
  });

  it('offers a download with ?download=1', async () => {
    const res = await get(`/v1/requests/${requestId}/video?download=1`);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${requestId}.mp4"`);
    expect(res.bytes.equals(plaintext)).toBe(true);
  });

  it('serves the poster (a JPEG, ranges too)', async () => {
    const poster = await get(`/v1/requests/${requestId}/poster`);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    expect([...poster.bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const part = await get(`/v1/requests/${requestId}/poster`, { headers: { range: 'bytes=-2' } });
    expect(part.status).toBe(206);
    expect([...part.bytes]).toEqual([0xff, 0xd9]);
  });

  it('is nobody else’s: 404 for the follower and a stranger, 401 without a token', async () => {
    expectError(await get(`/v1/requests/${requestId}/video`, { token: TOKENS.follower }), 404, 'NOT_FOUND');
    expectError(await get(`/v1/requests/${requestId}/video`, { token: TOKENS.stranger }), 404, 'NOT_FOUND');
    expectError(await get(`/v1/requests/${requestId}/video`, { token: null }), 401, 'UNAUTHENTICATED');
    expectError(await get(`/v1/requests/${requestId}/video`, { token: 'not-a-token' }), 401, 'UNAUTHENTICATED');
  });
});

describe('a post’s audience: /v1/posts/{postId}/video', () => {
  it('followers: the owner and a follower play it (whole and by range)', async () => {
    for (const token of [TOKENS.owner, TOKENS.follower]) {
      const whole = await get(`/v1/posts/${postId}/video`, { token });
      expect(whole.status).toBe(200);
      expect(whole.bytes.equals(plaintext)).toBe(true);
      const tail = await get(`/v1/posts/${postId}/video`, { token, headers: { range: 'bytes=-70000' } });
      expect(tail.status).toBe(206);
      expect(tail.bytes.equals(plaintext.subarray(plaintext.length - 70000))).toBe(true);
    }
    const poster = await get(`/v1/posts/${postId}/poster`, { token: TOKENS.follower });
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
  });

  it('followers: someone who does not follow gets exactly what a missing post gets', async () => {
    const denied = await get(`/v1/posts/${postId}/video`, { token: TOKENS.stranger });
    const missing = await get(`/v1/posts/ai_nothing-here/video`, { token: TOKENS.stranger });
    expectError(denied, 404, 'NOT_FOUND');
    expect(denied.json.error.message.replace(postId, 'X')).toBe(missing.json.error.message.replace('ai_nothing-here', 'X'));
    expectError(await get(`/v1/posts/${postId}/poster`, { token: TOKENS.stranger }), 404, 'NOT_FOUND');
  });

  it('public: anyone signed in; private: the owner only', async () => {
    for (const token of Object.values(TOKENS)) {
      expect((await get(`/v1/posts/${postId}-public/video`, { token, headers: { range: 'bytes=0-99' } })).status).toBe(206);
    }
    expect((await get(`/v1/posts/${postId}-private/video`, { token: TOKENS.owner })).status).toBe(200);
    expectError(await get(`/v1/posts/${postId}-private/video`, { token: TOKENS.follower }), 404, 'NOT_FOUND');
    expectError(await get(`/v1/posts/${postId}-private/poster`, { token: TOKENS.stranger }), 404, 'NOT_FOUND');
    expectError(await get(`/v1/posts/${postId}-public/video`, { token: null }), 401, 'UNAUTHENTICATED');
  });

  it('names the download after the post', async () => {
    const res = await get(`/v1/posts/${postId}/video?download=1`, { token: TOKENS.follower, method: 'HEAD' });
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${postId}.mp4"`);
  });

  it('refuses ids that are not ids with 400 INVALID_ID (before any lookup)', async () => {
    for (const path of ['/v1/posts/bad%20id/video', '/v1/posts/a.b/video', '/v1/posts/%ZZ/poster', `/v1/requests/${'x'.repeat(129)}/video`]) {
      expectError(await get(path), 400, 'INVALID_ID');
    }
    expectError(await get('/v1/users/bad%24/profile-videos'), 400, 'INVALID_ID');
  });

  it('answers other methods with 405', async () => {
    const res = await fetch(`${stack.url}/v1/posts/${postId}/video`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKENS.owner}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });
});

describe('signed links (what a <video src> uses)', () => {
  async function linkFor(path: string, token: string) {
    const res = await get(`${path}/link`, { token });
    return res;
  }

  it('are handed to the audience and play without a token, by range too', async () => {
    const res = await linkFor(`/v1/posts/${postId}/video`, TOKENS.follower);
    expect(res.status).toBe(200);
    const url = new URL(res.json.url);
    expect(url.origin).toBe(stack.url);
    expect(Date.parse(res.json.expiresAt)).toBeGreaterThan(Date.now());
    const played = await fetch(url, { headers: { range: 'bytes=1000-2999' } });
    expect(played.status).toBe(206);
    expect(Buffer.from(await played.arrayBuffer()).equals(plaintext.subarray(1000, 3000))).toBe(true);
  });

  it('are not handed to anyone outside the audience', async () => {
    expectError(await linkFor(`/v1/posts/${postId}/video`, TOKENS.stranger), 404, 'NOT_FOUND');
    expectError(await linkFor(`/v1/requests/${requestId}/video`, TOKENS.follower), 404, 'NOT_FOUND');
    expectError(await get(`/v1/posts/${postId}/video/link`, { token: null }), 401, 'UNAUTHENTICATED');
  });

  it('open only their own file, unaltered', async () => {
    const url = new URL((await linkFor(`/v1/posts/${postId}/video`, TOKENS.follower)).json.url);
    const poster = new URL(url);
    poster.pathname = poster.pathname.replace('/video', '/poster');
    const otherViewer = new URL(url);
    otherViewer.searchParams.set('as', 'third-user');
    const forged = new URL(url);
    forged.searchParams.set('sig', '0'.repeat(64));
    const asDownload = new URL(url);
    asDownload.searchParams.set('download', '1');
    for (const bad of [poster, otherViewer, forged, asDownload]) {
      const res = await fetch(bad);
      expect({ url: bad.search, status: res.status }).toEqual({ url: bad.search, status: 403 });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
  });

  it('carry ?download=1 when asked for a download link', async () => {
    const res = await get(`/v1/requests/${requestId}/video/link?download=1`);
    const played = await fetch(res.json.url, { method: 'HEAD' });
    expect(played.status).toBe(200);
    expect(played.headers.get('content-disposition')).toBe(`attachment; filename="${requestId}.mp4"`);
  });
});

describe('feed and profile grid', () => {
  it('the feed shows each person what they may see, newest first', async () => {
    const ids = async (token: string) => ((await get('/v1/feed?limit=50', { token })).json.items as { postId: string }[]).map((i) => i.postId);
    expect(await ids(TOKENS.owner)).toEqual([`${postId}-private`, `${postId}-public`, postId]);
    expect(await ids(TOKENS.follower)).toEqual([`${postId}-public`, postId]);
    expect(await ids(TOKENS.stranger)).toEqual([`${postId}-public`]);
  });

  it('pages with a cursor', async () => {
    const first = await get('/v1/feed?limit=2');
    expect(first.json.items).toHaveLength(2);
    const second = await get(`/v1/feed?limit=2&cursor=${first.json.nextCursor}`);
    expect(second.json.items.map((i: { postId: string }) => i.postId)).toEqual([postId]);
    expect(second.json.nextCursor).toBeNull();
    expectError(await get('/v1/feed?cursor=not-a-cursor'), 400, 'INVALID_CURSOR');
    expectError(await get('/v1/feed?limit=0'), 400, 'INVALID_LIMIT');
    expectError(await get('/v1/feed', { token: null }), 401, 'UNAUTHENTICATED');
  });

  it('the profile grid carries the AI marker and is filtered by who asks', async () => {
    const grid = async (token: string) => (await get(`/v1/users/${OWNER}/profile-videos`, { token })).json.items as { requestId: string; aiGenerated: boolean; links: unknown }[];
    const mine = await grid(TOKENS.owner);
    expect(mine.map((i) => i.requestId)).toEqual([requestId]);
    expect(mine[0]).toMatchObject({ aiGenerated: true, links: { video: `/v1/posts/${postId}/video`, poster: `/v1/posts/${postId}/poster` } });
    expect((await grid(TOKENS.follower)).map((i) => i.requestId)).toEqual([requestId]);
    expect(await grid(TOKENS.stranger)).toEqual([]);
  });
});

describe('damaged ciphertext', () => {
  const SEGMENT_SEALED = SEGMENT + 16;
  async function damagedPost(id: string, segment: number): Promise<void> {
    const ciphertext = await readAll(stack.ports.blobs.download(doc.outputs!.videoPath));
    const headerLength = ciphertext.length - plaintext.length - Math.ceil(plaintext.length / SEGMENT) * 16;
    ciphertext[headerLength + segment * SEGMENT_SEALED + 200]! ^= 0x40;
    const path = `tests/${id}/video.enc`;
    await stack.ports.blobs.upload(path, Readable.from([ciphertext]), { contentType: 'application/octet-stream' });
    await putPost(id, { visibility: 'public', videoPath: path });
  }

  it('a range in a damaged segment is a 500 VIDEO_DAMAGED, with no video bytes', async () => {
    await damagedPost('damaged-first', 2);
    const res = await get('/v1/posts/damaged-first/video', { headers: { range: `bytes=${2 * SEGMENT + 10}-${2 * SEGMENT + 20}` } });
    expectError(res, 500, 'VIDEO_DAMAGED');
    // Other segments of the same file are authentic and still play.
    const elsewhere = await get('/v1/posts/damaged-first/video', { headers: { range: `bytes=0-${SEGMENT - 1}` } });
    expect(elsewhere.status).toBe(206);
    expect(elsewhere.bytes.equals(plaintext.subarray(0, SEGMENT))).toBe(true);
  });

  it('a whole read that reaches the damage ends the connection early: what arrived is a true prefix', async () => {
    await damagedPost('damaged-later', 2);
    const res = await fetch(`${stack.url}/v1/posts/damaged-later/video`, { headers: { authorization: `Bearer ${TOKENS.owner}` } });
    expect(res.status).toBe(200);
    const received: Buffer[] = [];
    let failed = false;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) received.push(Buffer.from(chunk));
    } catch {
      failed = true;
    }
    const got = Buffer.concat(received);
    expect(failed).toBe(true);
    expect(got.length).toBeLessThanOrEqual(2 * SEGMENT);
    expect(got.equals(plaintext.subarray(0, got.length))).toBe(true);
  });
});

describe('deleted', () => {
  it('a deleted video is 410 for its owner, its post 404 for everyone, and gone from feed and grid', async () => {
    const res = await fetch(`${stack.url}/v1/requests/${requestId}/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'delete' }),
    });
    expect(res.status).toBe(202);
    await stack.waitForState(OWNER, requestId, ['deleted'], 20_000);
    expectError(await get(`/v1/requests/${requestId}/video`), 410, 'DELETED');
    expectError(await get(`/v1/requests/${requestId}/video/link`), 410, 'DELETED');
    for (const token of [TOKENS.owner, TOKENS.follower]) expectError(await get(`/v1/posts/${postId}/video`, { token }), 404, 'NOT_FOUND');
    const feed = (await get('/v1/feed', { token: TOKENS.follower })).json.items.map((i: { postId: string }) => i.postId);
    expect(feed).not.toContain(postId);
    expect((await get(`/v1/users/${OWNER}/profile-videos`)).json.items).toEqual([]);
  });
});
