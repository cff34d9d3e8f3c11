import fc from 'fast-check';
import { docPaths, type VideoRequest } from '@d2v/schema';
import type { LocalStack } from '../src';
import { hostileRequest, oversizedJson, type RouteSpec } from './hostile/arbitraries';
import { badAnswer, send } from './hostile/raw-http';
import { startTestStack } from './helpers';

/**
 * Hostile input against every route of the local stack's HTTP server (real HTTP, the real stack behind it), drawn
 * by fast-check: path parameters that try to escape their collection (encoded `/`, `..`, NUL, undecodable `%`),
 * prototype keys, bodies of every shape and size, lying headers. Asserted for every answer: never a 5xx, never a
 * cut connection or a hang, a refusal is `{error:{code,message}}`, never another user's data, prototype keys inert.
 * A new route is one line in ROUTES.
 */
const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/v1/drafts' },
  { method: 'GET', path: '/v1/requests' },
  { method: 'POST', path: '/v1/requests', body: true },
  { method: 'GET', path: '/v1/requests/:id' },
  { method: 'GET', path: '/v1/requests/:id/transitions' },
  { method: 'GET', path: '/v1/requests/:id/versions' },
  { method: 'GET', path: '/v1/notifications' },
  { method: 'POST', path: '/v1/notifications/read', body: true },
  { method: 'POST', path: '/v1/devices', body: true },
  { method: 'POST', path: '/v1/requests/:id/actions', body: true },
  { method: 'GET', path: '/v1/requests/:id/live', stream: true },
  { method: 'GET', path: '/v1/requests/:id/video' },
  { method: 'GET', path: '/v1/requests/:id/poster' },
  { method: 'GET', path: '/v1/requests/:id/video/link' },
  { method: 'GET', path: '/v1/posts/:id/video' },
  { method: 'GET', path: '/v1/posts/:id/poster' },
  { method: 'GET', path: '/v1/posts/:id/video/link' },
  { method: 'GET', path: '/v1/feed' },
  { method: 'GET', path: '/v1/users/:uid/profile-videos' },
  { method: 'POST', path: '/v1/scripts', body: true },
  { method: 'GET', path: '/v1/scripts/:id' },
  { method: 'PUT', path: '/v1/scripts/:id', body: true },
  { method: 'GET', path: '/v1/stats' },
  { method: 'GET', path: '/v1/credits' },
  { method: 'POST', path: '/luma/webhook/:uid/:requestId', body: true },
  { method: 'GET', path: '/blobs/*path' },
  { method: 'GET', path: '/no/such/:id' },
];

const NUM_RUNS = Number(process.env.FC_RUNS ?? 1200);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? 20261202 : undefined;
const UID = 'demo-user';
const OTHER = 'other-user';
/** Only in the other user's documents: an answer to demo-user holding it leaked their data. */
const OTHER_MARKERS = [`"uid":"${OTHER}"`, 'Waves rolling onto a white sand beach'];
const OWN_MARKERS = [`"uid":"${UID}"`, 'sunrise'];

jest.setTimeout(300_000);

let stack: LocalStack;
let cleanup: () => Promise<void>;
let port: number;
let ownId: string;
let otherId: string;
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  // Every generation fails at Luma: near-valid requests the generator creates stay cheap (no rendering).
  ({ stack, cleanup } = await startTestStack({ simulator: { seed: 5, faults: { failureRate: 1 }, timing: { queuedMs: 50, dreamingMs: 50 } } }));
  port = Number(new URL(stack.url).port);
  ownId = (await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: { resolution: '540p' } })).requestId;
  otherId = (await stack.api.createRequest(OTHER, { draftId: 'other-beach', options: { resolution: '540p' } })).requestId;
  await stack.waitForState(UID, ownId, ['failed']);
  await stack.waitForState(OTHER, otherId, ['failed', 'queued', 'keyframe_queued', 'keyframe_dreaming']);
});
afterAll(() => cleanup?.());

describe('hostile HTTP input to the local stack', () => {
  it(`answers ${NUM_RUNS} generated hostile requests without a 5xx, a hang, a cut connection or a leak`, async () => {
    const ctx = {
      knownIds: [ownId, otherId, 'no-such-request', UID, OTHER, 'demo-sunrise', 'other-beach', `ai_${ownId}`],
      tokens: ['demo-token', 'demo-token', 'other-token', 'nobody-token'],
      nearValidBodies: [
        { draftId: 'demo-sunrise', options: { resolution: '540p' } },
        { draftId: 'other-beach' },
        { draftId: 'demo-sunrise', options: { resolution: '8k', aspectRatio: 'square', duration: -5 } },
        { draftId: 'demo-sunrise', scriptRequestId: otherId },
        { type: 'post', visibility: 'public', caption: 'x'.repeat(3000) },
        { type: 'delete' },
        { type: 'retry' },
        { type: 'save', id: '../x' },
        { draftId: 'demo-sunrise', duration: '9s', shots: 99 },
        { id: 'gen-1', state: 'completed', assets: { video: 'http://attacker.invalid/x.mp4' } },
      ],
    };
    let count = 0;
    await fc.assert(
      fc.asyncProperty(hostileRequest(ROUTES, ctx), async ({ req }) => {
        count++;
        const res = await send(port, req);
        const bad = badAnswer(req, res);
        if (bad) throw new Error(`${req.method} ${req.path}: ${bad}`);
        const token = req.headers.authorization ?? '';
        const foreign = token === 'Bearer demo-token' ? OTHER_MARKERS : token === 'Bearer other-token' ? OWN_MARKERS : [...OTHER_MARKERS, ...OWN_MARKERS];
        if (req.path.startsWith('/v1/') && res.status < 300) {
          const leaked = foreign.find((m) => res.body.includes(m));
          if (leaked) throw new Error(`${req.method} ${req.path} answered ${res.status} with another user's data (${leaked})`);
        }
      }),
      { numRuns: NUM_RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    expect(count).toBeGreaterThanOrEqual(NUM_RUNS);
  });

  it('keeps prototype keys inert: nothing polluted, nothing stored under them', async () => {
    for (const body of ['{"__proto__":{"polluted":"yes"}}', '{"draftId":"demo-sunrise","options":{"__proto__":{"polluted":"yes"}}}', '{"constructor":{"prototype":{"polluted":"yes"}}}']) {
      for (const path of ['/v1/requests', `/v1/requests/${ownId}/actions`, '/v1/scripts']) {
        const res = await send(port, { method: 'POST', path, headers: { authorization: 'Bearer demo-token', 'content-type': 'application/json' }, body });
        expect(res.status).toBeLessThan(500);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    const stored = await stack.ports.store.query<VideoRequest>({ collection: docPaths.videoRequests(UID) });
    for (const snap of stored) {
      const json = JSON.stringify(snap.data);
      expect(json).not.toContain('polluted');
      expect(json).not.toContain('isAdmin');
    }
  });

  it('enforces the body limit (413 TOO_LARGE) and answers just under it', async () => {
    const limit = 1024 * 1024;
    const headers = { authorization: 'Bearer demo-token', 'content-type': 'application/json' };
    for (const path of ['/v1/requests', `/v1/requests/${ownId}/actions`, '/v1/scripts', `/luma/webhook/${UID}/${ownId}?token=x`]) {
      const res = await send(port, { method: 'POST', path, headers, body: oversizedJson(limit) });
      expect({ path, status: res.status, code: JSON.parse(res.body).error.code }).toEqual({ path, status: 413, code: 'TOO_LARGE' });
    }
    const under = await send(port, { method: 'POST', path: '/v1/requests', headers, body: JSON.stringify({ draftId: 'demo-sunrise', padding: 'x'.repeat(limit - 1024) }) });
    expect(under.status).toBe(400);
    expect(JSON.parse(under.body).error.code).toBe('INVALID_REQUEST');
  });

  it.each([
    ['/v1/requests/a%2Fb'],
    [`/v1/requests/..%2F..%2F${OTHER}%2FvideoRequests%2F{other}/video`],
    ['/v1/requests/%2E%2E/transitions'],
    ['/v1/requests/a%00b/poster'],
    ['/v1/requests/..'],
    ['/v1/scripts/..%2Fx'],
    ['/v1/requests/%ZZ'],
  ])('answers the issue’s id %s with 400 INVALID_ID and a sentence', async (raw) => {
    const res = await send(port, { method: 'GET', path: raw.replace('{other}', otherId), headers: { authorization: 'Bearer demo-token' } });
    expect(res.status).toBe(400);
    const { error } = JSON.parse(res.body);
    expect(error.code).toBe('INVALID_ID');
    expect(error.message).toMatch(/^The ((request |post )?id|URL) .*(not valid|percent-encoding)/);
  });

  it('answers a bad id on the webhook and the action route with 400 INVALID_ID before anything else', async () => {
    const hook = await send(port, { method: 'POST', path: `/luma/webhook/${UID}/..%2F${otherId}?token=x`, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([hook.status, JSON.parse(hook.body).error.code]).toEqual([400, 'INVALID_ID']);
    const action = await send(port, { method: 'POST', path: `/v1/requests/${ownId}%00/actions`, headers: { authorization: 'Bearer demo-token', 'content-type': 'application/json' }, body: '{"type":"delete"}' });
    expect([action.status, JSON.parse(action.body).error.code]).toEqual([400, 'INVALID_ID']);
    const blob = await send(port, { method: 'GET', path: '/blobs/users/..%2F..%2Fsecrets.json?expires=1&sig=x', headers: {} });
    expect([blob.status, JSON.parse(blob.body).error.code]).toEqual([400, 'INVALID_ID']);
    expect((await stack.api.getRequest(UID, ownId)).state).not.toBe('deleted');
  });
});
