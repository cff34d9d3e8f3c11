import { existsSync } from 'node:fs';
import { docPaths, type Transition, type VideoRequest } from '@d2v/schema';
import type { LocalStack } from '../src';
import { startTestStack } from './helpers';

/**
 * The local client API over real HTTP (global fetch against the stack's random port): authentication, input
 * validation, ownership, the live view (SSE), playback of the decrypted video, signed blob URLs and stats.
 */

const UID = 'demo-user';
const OTHER = 'other-user';
const DEMO = 'demo-token';
const OTHER_TOKEN = 'other-token';
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;

interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

let stack: LocalStack;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ stack, cleanup } = await startTestStack()));
afterAll(() => cleanup?.());

async function call<T = any>(method: string, path: string, opts: { token?: string | null; json?: unknown; raw?: string; contentType?: string } = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? DEMO : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  } else if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  const res = await fetch(`${stack.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

function expectError(answer: ApiAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(Object.keys(answer.body.error).sort()).toEqual(['code', 'message']);
  expect(typeof answer.body.error.message).toBe('string');
  expect(answer.body.error.message.length).toBeGreaterThan(5);
}

/** Reads a server-sent-events stream to its end, returning the `request` events' documents in order. */
async function readLive(path: string, token = DEMO, timeoutMs = 50_000): Promise<{ status: number; contentType: string | null; docs: VideoRequest[] }> {
  const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  const docs: VideoRequest[] = [];
  if (!res.ok || !res.body) return { status: res.status, contentType: res.headers.get('content-type'), docs };
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = frame.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (event === 'request') docs.push(JSON.parse(data) as VideoRequest);
    }
  }
  expect(buffer.trim()).toBe('');
  return { status: res.status, contentType: res.headers.get('content-type'), docs };
}

describe('authentication', () => {
  it('answers /healthz without a token', async () => {
    const res = await call('GET', '/healthz', { token: null });
    expect(res).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('refuses every /v1 route without a token with 401 UNAUTHENTICATED', async () => {
    for (const [method, path] of [['GET', '/v1/drafts'], ['GET', '/v1/requests'], ['POST', '/v1/requests'], ['GET', '/v1/requests/x'], ['GET', '/v1/stats']] as const) {
      expectError(await call(method, path, { token: null }), 401, 'UNAUTHENTICATED');
    }
  });

  it('refuses an unknown token and a non-bearer scheme with 401', async () => {
    expectError(await call('GET', '/v1/drafts', { token: 'not-a-token' }), 401, 'UNAUTHENTICATED');
    const res = await fetch(`${stack.url}/v1/drafts`, { headers: { authorization: 'Basic ZGVtby10b2tlbg==' } });
    expectError({ status: res.status, headers: res.headers, body: await res.json() }, 401, 'UNAUTHENTICATED');
  });

  it('answers an unknown route with 404 NOT_FOUND in the same shape', async () => {
    expectError(await call('GET', '/v1/nope'), 404, 'NOT_FOUND');
    expectError(await call('GET', '/nope', { token: null }), 404, 'NOT_FOUND');
  });
});

describe('creating requests: validation and ownership', () => {
  const before = async (uid: string) => (await stack.api.listRequests(uid)).length;

  it('lists only the caller\'s own drafts', async () => {
    const mine = await call('GET', '/v1/drafts');
    expect(mine.status).toBe(200);
    expect(mine.body.drafts.map((d: { id: string }) => d.id).sort()).toEqual(expect.arrayContaining(['demo-empty', 'demo-portrait', 'demo-sunrise']));
    expect(mine.body.drafts.map((d: { id: string }) => d.id)).not.toContain('other-beach');
    const theirs = await call('GET', '/v1/drafts', { token: OTHER_TOKEN });
    expect(theirs.body.drafts.map((d: { id: string }) => d.id)).toEqual(['other-beach']);
  });

  it('refuses an unknown option with 400 INVALID_REQUEST', async () => {
    const res = await call('POST', '/v1/requests', { json: { draftId: 'demo-sunrise', options: { ...FAST, speed: 'fast' } } });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.message).toMatch(/speed/);
  });

  it('refuses a value outside an enum with 400 INVALID_REQUEST', async () => {
    const res = await call('POST', '/v1/requests', { json: { draftId: 'demo-sunrise', options: { ...FAST, resolution: '8k' } } });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.message).toMatch(/options\.resolution/);
  });

  it('refuses server-owned fields (state, uid, outputs) with 400 INVALID_REQUEST', async () => {
    const n = await before(UID);
    for (const extra of [{ state: 'posted' }, { uid: OTHER }, { progress: 1 }, { postId: 'ai_x' }]) {
      const res = await call('POST', '/v1/requests', { json: { draftId: 'demo-sunrise', options: FAST, ...extra } });
      expectError(res, 400, 'INVALID_REQUEST');
      expect(res.body.error.message).toMatch(new RegExp(Object.keys(extra)[0]!));
    }
    expect(await before(UID)).toBe(n);
  });

  it('refuses a missing or malformed draftId and a non-object body with 400 INVALID_REQUEST', async () => {
    expectError(await call('POST', '/v1/requests', { json: { options: FAST } }), 400, 'INVALID_REQUEST');
    expectError(await call('POST', '/v1/requests', { json: { draftId: '../other-user/drafts/other-beach' } }), 400, 'INVALID_REQUEST');
    expectError(await call('POST', '/v1/requests', { json: [] }), 400, 'INVALID_REQUEST');
    expectError(await call('POST', '/v1/requests', { json: 'demo-sunrise' }), 400, 'INVALID_REQUEST');
    expectError(await call('POST', '/v1/requests', { raw: 'draftId=demo-sunrise', contentType: 'application/x-www-form-urlencoded' }), 400, 'INVALID_REQUEST');
  });

  it('answers a body that is not JSON with 400 BAD_JSON', async () => {
    expectError(await call('POST', '/v1/requests', { raw: '{"draftId": "demo-sunrise",' }), 400, 'BAD_JSON');
    expectError(await call('POST', '/v1/requests/x/actions', { raw: 'post' }), 400, 'BAD_JSON');
  });

  it('answers a body that is too large with 413 and the error shape, not 500', async () => {
    const res = await call('POST', '/v1/requests', { json: { draftId: 'demo-sunrise', options: { caption: 'x'.repeat(1_100_000) } } });
    expectError(res, 413, 'TOO_LARGE');
  });

  it('answers a missing draft with 404 DRAFT_NOT_FOUND', async () => {
    expectError(await call('POST', '/v1/requests', { json: { draftId: 'no-such-draft', options: FAST } }), 404, 'DRAFT_NOT_FOUND');
  });

  it('never creates a request from someone else\'s draft (404 DRAFT_NOT_FOUND, nothing written for anyone)', async () => {
    const mine = await before(UID);
    const theirs = await before(OTHER);
    const res = await call('POST', '/v1/requests', { json: { draftId: 'other-beach', options: FAST } });
    expectError(res, 404, 'DRAFT_NOT_FOUND');
    expect(res.body.error.message).not.toMatch(/other-user/);
    expect(await before(UID)).toBe(mine);
    expect(await before(OTHER)).toBe(theirs);
    // …and the same the other way round.
    expectError(await call('POST', '/v1/requests', { token: OTHER_TOKEN, json: { draftId: 'demo-sunrise' } }), 404, 'DRAFT_NOT_FOUND');
  });
});

describe('one request followed over HTTP', () => {
  let requestId: string;

  it('creates a request with 201 and links', async () => {
    const created = await call('POST', '/v1/requests', { json: { draftId: 'demo-sunrise', options: { ...FAST, autoPost: false } } });
    expect(created.status).toBe(201);
    requestId = created.body.requestId;
    expect(requestId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(created.body.links).toEqual({ self: `/v1/requests/${requestId}`, live: `/v1/requests/${requestId}/live` });
    const listed = await call('GET', '/v1/requests');
    expect(listed.body.requests.map((r: VideoRequest) => r.requestId)).toContain(requestId);
  });

  it('answers 409 NOT_READY for the video and the poster before the outputs exist', async () => {
    expectError(await call('GET', `/v1/requests/${requestId}/video`), 409, 'NOT_READY');
    expectError(await call('GET', `/v1/requests/${requestId}/poster`), 409, 'NOT_READY');
  });

  it('hides the request from another user (404 on every route, no action written)', async () => {
    for (const suffix of ['', '/transitions', '/live', '/video', '/poster']) {
      expectError(await call('GET', `/v1/requests/${requestId}${suffix}`, { token: OTHER_TOKEN }), 404, 'NOT_FOUND');
    }
    expectError(await call('POST', `/v1/requests/${requestId}/actions`, { token: OTHER_TOKEN, json: { type: 'delete' } }), 404, 'NOT_FOUND');
    expect((await call('GET', '/v1/requests', { token: OTHER_TOKEN })).body.requests.map((r: VideoRequest) => r.requestId)).not.toContain(requestId);
    const doc = (await stack.ports.store.get<VideoRequest>(docPaths.videoRequest(UID, requestId)))!.data;
    expect(doc.action).toBeUndefined();
    expect(await stack.ports.store.get(docPaths.videoRequest(OTHER, requestId))).toBeNull();
  });

  it('answers 404 NOT_FOUND for a request id that does not exist', async () => {
    expectError(await call('GET', '/v1/requests/does-not-exist'), 404, 'NOT_FOUND');
    expectError(await call('GET', '/v1/requests/does-not-exist/live'), 404, 'NOT_FOUND');
    expectError(await call('POST', '/v1/requests/does-not-exist/actions', { json: { type: 'post' } }), 404, 'NOT_FOUND');
    expect(await stack.ports.store.get(docPaths.videoRequest(UID, 'does-not-exist'))).toBeNull();
  });

  it('streams the request live (SSE) until it is ready, then ends the stream', async () => {
    const live = await readLive(`/v1/requests/${requestId}/live`);
    expect(live.status).toBe(200);
    expect(live.contentType).toMatch(/^text\/event-stream/);
    expect(live.docs.length).toBeGreaterThan(1);
    const last = live.docs[live.docs.length - 1]!;
    expect(last.state).toBe('ready');
    expect(last.requestId).toBe(requestId);
    expect(last.outputs).toBeDefined();
    // Every event is a change, and progress never goes back.
    for (let i = 1; i < live.docs.length; i++) {
      expect(JSON.stringify(live.docs[i])).not.toBe(JSON.stringify(live.docs[i - 1]));
      expect(live.docs[i]!.progress).toBeGreaterThanOrEqual(live.docs[i - 1]!.progress ?? 0);
    }
    const seen = new Set(live.docs.map((d) => d.state).filter(Boolean));
    expect(seen.size).toBeGreaterThan(2);
  }, 60_000);

  it('ends the live stream at once for a request that is already terminal', async () => {
    const started = Date.now();
    const live = await readLive(`/v1/requests/${requestId}/live`);
    expect(live.docs).toHaveLength(1);
    expect(live.docs[0]!.state).toBe('ready');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops watching a request when the live client goes away', async () => {
    stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 4000 });
    const created = await call('POST', '/v1/requests', { json: { draftId: 'demo-sunrise', options: FAST } });
    const id = created.body.requestId as string;
    try {
      const reads = jest.spyOn(stack.api, 'getRequest');
      const abort = new AbortController();
      const res = await fetch(`${stack.url}/v1/requests/${id}/live`, { headers: { authorization: `Bearer ${DEMO}` }, signal: abort.signal });
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first.startsWith('event: request\ndata: ')).toBe(true);
      abort.abort();
      await new Promise((r) => setTimeout(r, 400));
      const afterAbort = reads.mock.calls.filter(([, rid]) => rid === id).length;
      await new Promise((r) => setTimeout(r, 1000));
      expect(reads.mock.calls.filter(([, rid]) => rid === id).length).toBe(afterAbort);
      reads.mockRestore();
    } finally {
      stack.simulator!.setTiming({ queuedMs: 200, dreamingMs: 1200 });
      await stack.waitForState(UID, id, ['ready', 'failed'], 30_000);
    }
  }, 40_000);

  it('lists the transition log in order', async () => {
    const res = await call<{ transitions: Transition[] }>('GET', `/v1/requests/${requestId}/transitions`);
    expect(res.status).toBe(200);
    const { transitions } = res.body;
    expect(transitions.map((t) => t.to)).toEqual(['pending', 'validating', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'ready']);
    transitions.forEach((t, i) => {
      expect(t.n).toBe(i);
      expect(t.from).toBe(i === 0 ? null : transitions[i - 1]!.to);
      if (i > 0) expect(Date.parse(t.at)).toBeGreaterThanOrEqual(Date.parse(transitions[i - 1]!.at));
    });
  });

  it('plays the decrypted MP4 for its owner (and offers it as a download with ?download=1)', async () => {
    const doc = await stack.api.getRequest(UID, requestId);
    const res = await fetch(`${stack.url}/v1/requests/${requestId}/video`, { headers: { authorization: `Bearer ${DEMO}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-disposition')).toBeNull();
    const mp4 = Buffer.from(await res.arrayBuffer());
    expect(mp4.length).toBe(doc.outputs!.encryption.plaintextBytes);
    expect(Number(res.headers.get('content-length'))).toBe(mp4.length);
    expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');

    const dl = await fetch(`${stack.url}/v1/requests/${requestId}/video?download=1`, { headers: { authorization: `Bearer ${DEMO}` } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${requestId}.mp4"`);
    expect(Buffer.from(await dl.arrayBuffer()).equals(mp4)).toBe(true);
  });

  it('serves the poster as a JPEG', async () => {
    const res = await fetch(`${stack.url}/v1/requests/${requestId}/poster`, { headers: { authorization: `Bearer ${DEMO}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const jpg = Buffer.from(await res.arrayBuffer());
    expect([...jpg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect([...jpg.subarray(jpg.length - 2)]).toEqual([0xff, 0xd9]);
    expect(Number(res.headers.get('content-length'))).toBe(jpg.length);
  });

  it('refuses an invalid action body with 400 and writes nothing', async () => {
    for (const body of [{ type: 'publish' }, { type: 'post', visibility: 'everyone' }, { type: 'post', state: 'posted' }, { type: 'post', id: 'not ok/..' }, {}]) {
      expectError(await call('POST', `/v1/requests/${requestId}/actions`, { json: body }), 400, 'INVALID_ACTION');
    }
    const doc = await stack.api.getRequest(UID, requestId);
    expect(doc.action).toBeUndefined();
    expect(doc.state).toBe('ready');
  });

  describe('signed blob URLs', () => {
    let posterPath: string;
    beforeAll(async () => {
      posterPath = (await stack.api.getRequest(UID, requestId)).outputs!.posterPath;
    });

    it('fetches a fresh signed URL without any other credentials', async () => {
      const url = await stack.ports.blobs.signedUrl(posterPath, { expiresInSeconds: 60 });
      expect(url.startsWith(`${stack.url}/blobs/`)).toBe(true);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const jpg = Buffer.from(await res.arrayBuffer());
      expect([...jpg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(Number(res.headers.get('content-length'))).toBe(jpg.length);
    });

    it('refuses a tampered signature, expiry or path with 403 FORBIDDEN', async () => {
      const url = new URL(await stack.ports.blobs.signedUrl(posterPath, { expiresInSeconds: 60 }));
      const sig = url.searchParams.get('sig')!;
      const flipped = new URL(url);
      flipped.searchParams.set('sig', `${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
      const later = new URL(url);
      later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
      const otherPath = new URL(url);
      otherPath.pathname = otherPath.pathname.replace('poster.jpg', 'video.enc');
      const noSig = new URL(url);
      noSig.searchParams.delete('sig');
      for (const u of [flipped, later, otherPath, noSig]) {
        const res = await fetch(u);
        expectError({ status: res.status, headers: res.headers, body: await res.json() }, 403, 'FORBIDDEN');
      }
    });

    it('refuses an expired signed URL with 403 FORBIDDEN', async () => {
      const url = await stack.ports.blobs.signedUrl(posterPath, { expiresInSeconds: 1 });
      const expires = Number(new URL(url).searchParams.get('expires'));
      await new Promise((r) => setTimeout(r, Math.max(0, expires * 1000 - Date.now()) + 50));
      const res = await fetch(url);
      expectError({ status: res.status, headers: res.headers, body: await res.json() }, 403, 'FORBIDDEN');
    });

    it('answers 404 for a correctly signed URL of an object that does not exist', async () => {
      const missing = posterPath.replace('poster.jpg', 'nothing.jpg');
      expect(existsSync(stack.blobFile(missing))).toBe(false);
      const res = await fetch(await stack.ports.blobs.signedUrl(missing, { expiresInSeconds: 60 }));
      expectError({ status: res.status, headers: res.headers, body: await res.json() }, 404, 'NOT_FOUND');
    });
  });

  it('reports stats after the runs, and /healthz still answers', async () => {
    await stack.flushStats();
    const res = await call('GET', '/v1/stats');
    expect(res.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(res.body).toMatchObject({ since: today, until: today });
    expect(res.body.total.requests.created).toBeGreaterThanOrEqual(1);
    expect(res.body.total.outcomes.succeeded).toBeGreaterThanOrEqual(1);
    expect(res.body.total.outcomes.successRate).toBeGreaterThan(0);
    expect(res.body.total.byModel['ray-2'].succeeded).toBeGreaterThanOrEqual(1);
    expect(res.body.total.latency.dreaming.p50Ms).toBeGreaterThan(0);
    expect(res.body.total.events).toBeGreaterThan(0);
    expect(res.body.total.credits.cents).toBeGreaterThan(0);
    expect(res.body.days.map((d: { day: string }) => d.day)).toEqual([today]);
    expect((await call('GET', '/v1/stats?since=7d')).body.since).toBe(new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10));
    for (const bad of ['yesterday', '2025-13-45x', '99999d']) {
      const refused = await call('GET', `/v1/stats?since=${bad}`);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('INVALID_REQUEST');
    }
    expect((await call('GET', '/healthz', { token: null })).body).toEqual({ ok: true });
  });
});
