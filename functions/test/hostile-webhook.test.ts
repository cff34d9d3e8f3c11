/**
 * Hostile input against the Firebase HTTP functions (`onRequest`), served over real HTTP the way Cloud Functions
 * serves them (an express app with a JSON body parser in front of the function), drawn by fast-check: ids that try
 * to leave their collection, undecodable `%`, forged and valid tokens, bodies of every shape, other methods. The
 * core behind it runs on the local stack's adapters (helpers/local-ports.ts). Asserted: never a 5xx, never a cut
 * connection or a hang, every refusal `{error:{code,message}}`, and the stored request untouched by forgeries.
 * A new HTTP function is one line in FUNCTIONS.
 */
import { TEST_WEBHOOK_SECRET } from './helpers/env';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import fc from 'fast-check';
import { webhookToken } from '@d2v/core';
import { docPaths, type VideoRequest } from '@d2v/schema';
import * as fns from '../src/index';
import { setPortsForTesting } from '../src/ports';
import { hostileRequest, type RouteSpec } from '../../packages/local/test/hostile/arbitraries';
import { badAnswer, send } from '../../packages/local/test/hostile/raw-http';
import { makeLocalPorts, type LocalPortsFixture } from './helpers/local-ports';

jest.setTimeout(120_000);

const NUM_RUNS = Number(process.env.FC_RUNS ?? 400);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? 20261203 : undefined;
const UID = 'u1';
const RID = 'r1';

/** Each HTTP function, mounted under its name as the Functions emulator and Cloud Run URLs do. */
const FUNCTIONS: Record<string, (req: never, res: never) => unknown> = {
  lumaWebhook: fns.lumaWebhook as never,
};

const ROUTES: readonly RouteSpec[] = [
  { method: 'POST', path: '/lumaWebhook/:uid/:requestId', body: true },
  { method: 'POST', path: '/lumaWebhook/lumaWebhook/:uid/:requestId', body: true },
  { method: 'POST', path: '/lumaWebhook/*rest', body: true },
  { method: 'GET', path: '/lumaWebhook/:uid/:requestId' },
];

let fx: LocalPortsFixture;
let server: Server;
let port: number;
let before: VideoRequest;

beforeAll(async () => {
  const app = express();
  // The platform's body parser (not ours): malformed JSON is answered before the function runs.
  app.use(express.json({ limit: '1mb', strict: false }));
  for (const [name, fn] of Object.entries(FUNCTIONS)) app.use(`/${name}`, (req, res) => fn(req as never, res as never));
  app.use((err: { status?: number }, _req: Request, res: Response, _next: NextFunction) =>
    void res.status(err.status && err.status < 500 ? err.status : 400).json({ error: { code: 'BAD_BODY', message: 'The platform could not read the body.' } }),
  );
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
  fx = await makeLocalPorts({ simulator: false });
  setPortsForTesting(fx.ports);
  await fx.store.runTransaction(async (tx) =>
    tx.set(docPaths.videoRequest(UID, RID), {
      uid: UID, requestId: RID, draftId: 'd1', options: {}, state: 'dreaming', progress: 0.3, error: null, warnings: [],
      luma: { generationId: 'gen-1', submitAttempts: 1, polls: 0, previousGenerationIds: [] }, transitionCount: 6,
      createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), deadlineAt: Date.now() + 3_600_000,
    }),
  );
  before = (await fx.store.get<VideoRequest>(docPaths.videoRequest(UID, RID)))!.data;
});

afterAll(async () => {
  setPortsForTesting(undefined);
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections?.();
  await fx?.close();
});

describe('hostile HTTP input to the Firebase onRequest functions', () => {
  it(`answers ${NUM_RUNS} generated hostile requests without a 5xx, a hang or a cut connection`, async () => {
    const valid = webhookToken(TEST_WEBHOOK_SECRET, UID, RID);
    const ctx = {
      knownIds: [UID, RID, 'other-user', 'no-such-request', valid, encodeURIComponent(valid), 'gen-1'],
      tokens: ['unused'],
      nearValidBodies: [{ id: 'gen-1', state: 'completed' }, { id: 'gen-2', state: 'failed', failure_reason: 'forged' }, { id: 'gen-1' }, { id: 42 }],
    };
    await fc.assert(
      fc.asyncProperty(hostileRequest(ROUTES, ctx), async ({ req }) => {
        const res = await send(port, req);
        const bad = badAnswer(req, res);
        if (bad) throw new Error(`${req.method} ${req.path}: ${bad}`);
      }),
      { numRuns: NUM_RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    // Nothing the generator sent could move the request: its generation is re-read from Luma (unreachable here).
    const after = (await fx.store.get<VideoRequest>(docPaths.videoRequest(UID, RID)))!.data;
    expect(after.state).toBe(before.state);
    expect(after.luma.generationId).toBe('gen-1');
  });

  it.each([
    ['/lumaWebhook/u1/..%2F..%2Fother-user%2FvideoRequests%2Fr1', 400, 'INVALID_ID'],
    ['/lumaWebhook/u1/r%00', 400, 'INVALID_ID'],
    ['/lumaWebhook/%ZZ/r1', 400, 'INVALID_ID'],
    ['/lumaWebhook/..%2F/r1', 400, 'INVALID_ID'],
    ['/lumaWebhook/u1', 404, 'NOT_FOUND'],
    ['/lumaWebhook/u1/r1/x', 404, 'NOT_FOUND'],
  ])('POST %s → %i %s with a sentence', async (path, status, code) => {
    const res = await send(port, { method: 'POST', path: `${path}?token=x`, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(status);
    const { error } = JSON.parse(res.body);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('answers another method with 405 METHOD_NOT_ALLOWED in the refusal shape', async () => {
    const res = await send(port, { method: 'GET', path: `/lumaWebhook/${UID}/${RID}?token=x`, headers: {} });
    expect(res.status).toBe(405);
    expect(JSON.parse(res.body).error.code).toBe('METHOD_NOT_ALLOWED');
  });
});
