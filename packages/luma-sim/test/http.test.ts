/** The HTTP surface without rendering: auth, small endpoints, list/delete, credits, injected 5xx and latency. */
import { GenerationListSchema, GenerationSchema } from '../../luma/src/types';
import { CONCEPT_KEYS, LumaSimulator, startLumaSimulator } from '../src';
import { call, FROZEN } from './helpers';

const videoBody = (prompt = 'a lighthouse in a storm') => ({ model: 'ray-2', prompt, resolution: '540p', duration: '5s' });

describe('luma-sim HTTP surface', () => {
  let sim: LumaSimulator;
  beforeEach(async () => {
    sim = await startLumaSimulator({ timing: FROZEN, apiKeys: ['sim-key', 'second-key'], seed: 1 });
  });
  afterEach(() => sim.close());

  it('serves under /dream-machine/v1 on 127.0.0.1', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dream-machine\/v1$/);
    expect(sim.port).toBeGreaterThan(0);
  });

  it('answers 401 "Invalid API key is provided" for a missing, malformed or unknown key', async () => {
    for (const key of [null, 'wrong-key', '']) {
      const res = await call(sim, 'GET', '/ping', undefined, { key });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Invalid API key is provided' });
    }
    const raw = await fetch(`${sim.url}/credits`, { headers: { authorization: 'Basic sim-key' } });
    expect(raw.status).toBe(401);
    expect((await call(sim, 'GET', '/ping', undefined, { key: 'second-key' })).status).toBe(200);
  });

  it('never creates for an unauthenticated create', async () => {
    const res = await call(sim, 'POST', '/generations/video', videoBody(), { key: 'nope' });
    expect(res.status).toBe(401);
    expect(sim.generations()).toHaveLength(0);
  });

  it('answers ping and the concepts list', async () => {
    expect(await call(sim, 'GET', '/ping')).toMatchObject({ status: 200, body: { message: 'pong' } });
    const concepts = await call(sim, 'GET', '/generations/concepts/list');
    expect(concepts.status).toBe(200);
    expect(concepts.body).toEqual([...CONCEPT_KEYS]);
    expect(concepts.body).toContain('dolly_zoom');
  });

  it('answers 404 {"detail":"Generation not found"} for unknown ids and Not Found for unknown routes', async () => {
    expect(await call(sim, 'GET', '/generations/00000000-0000-0000-0000-000000000000')).toMatchObject({
      status: 404,
      body: { detail: 'Generation not found' },
    });
    expect((await call(sim, 'DELETE', '/generations/nope')).status).toBe(404);
    expect((await call(sim, 'GET', '/no-such-route')).status).toBe(404);
  });

  it('creates through /generations/video and the older /generations alias, echoing the request', async () => {
    const a = await call(sim, 'POST', '/generations/video', videoBody());
    const b = await call(sim, 'POST', '/generations', { ...videoBody('an old lighthouse'), aspect_ratio: '9:16' });
    for (const res of [a, b]) {
      expect(res.status).toBe(201);
      expect(GenerationSchema.parse(res.body)).toBeTruthy();
      expect(res.body).toMatchObject({ generation_type: 'video', state: 'queued', failure_reason: null, model: 'ray-2', assets: null });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
    }
    expect(b.body.request).toMatchObject({ prompt: 'an old lighthouse', aspect_ratio: '9:16', generation_type: 'video' });
    const got = await call(sim, 'GET', `/generations/${a.body.id}`);
    expect(got.body).toEqual(a.body);
    expect(sim.stats().creates.video).toBe(2);
    expect(sim.generations().map((g) => g.requestBody)).toEqual([videoBody(), { ...videoBody('an old lighthouse'), aspect_ratio: '9:16' }]);
  });

  it('lists newest first with count/has_more/limit/offset pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call(sim, 'POST', '/generations/video', videoBody(`shot number ${i}`))).body.id);
    const newestFirst = [...ids].reverse();

    const first = await call(sim, 'GET', '/generations?limit=2&offset=0');
    expect(first.status).toBe(200);
    expect(GenerationListSchema.parse(first.body)).toBeTruthy();
    expect(first.body).toMatchObject({ count: 2, has_more: true, limit: 2, offset: 0 });
    expect(first.body.generations.map((g: { id: string }) => g.id)).toEqual(newestFirst.slice(0, 2));

    const last = await call(sim, 'GET', '/generations?limit=2&offset=4');
    expect(last.body).toMatchObject({ count: 1, has_more: false, limit: 2, offset: 4 });
    expect(last.body.generations[0].id).toBe(ids[0]);

    const all = await call(sim, 'GET', '/generations');
    expect(all.body).toMatchObject({ count: 5, has_more: false, limit: 100, offset: 0 });

    const bad = await call(sim, 'GET', '/generations?limit=abc');
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]).toMatchObject({ loc: ['query', 'limit'], type: 'int_parsing' });
  });

  it('deletes with 204; the generation then 404s, leaves the list, and stays visible to generations()', async () => {
    const a = (await call(sim, 'POST', '/generations/video', videoBody())).body.id;
    const b = (await call(sim, 'POST', '/generations/video', videoBody())).body.id;
    const before = sim.stats();
    const del = await call(sim, 'DELETE', `/generations/${a}`);
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expect((await call(sim, 'GET', `/generations/${a}`)).status).toBe(404);
    expect((await call(sim, 'DELETE', `/generations/${a}`)).status).toBe(404);
    // Counted once (the 404 is not a delete), and as stopped in flight: it was still queued.
    expect(sim.stats().deletes - before.deletes).toBe(1);
    expect(sim.stats().deletesInFlight - before.deletesInFlight).toBe(1);
    const list = await call(sim, 'GET', '/generations');
    expect(list.body.generations.map((g: { id: string }) => g.id)).toEqual([b]);
    expect(sim.generations().map((g) => [g.id, g.deleted])).toEqual([
      [a, true],
      [b, false],
    ]);
  });

  it('charges credits at submit per the price table and refuses with 402 when the balance is short', async () => {
    const start = (await call(sim, 'GET', '/credits')).body.credit_balance;
    expect(start).toBe(100_000);
    await call(sim, 'POST', '/generations/video', videoBody()); // ray-2 540p 5s = 40
    await call(sim, 'POST', '/generations/video', { ...videoBody(), model: 'ray-flash-2', resolution: '1080p', duration: '9s' }); // 159*1.8/3 ≈ 95
    expect((await call(sim, 'GET', '/credits')).body).toEqual({ credit_balance: start - 40 - 95 });

    sim.setCredits(30);
    const refused = await call(sim, 'POST', '/generations/video', videoBody());
    expect(refused).toMatchObject({ status: 402, body: { detail: 'Insufficient credits' } });
    expect((await call(sim, 'GET', '/credits')).body.credit_balance).toBe(30);
    expect(sim.generations()).toHaveLength(2);
    expect(sim.stats().insufficientCredits).toBe(1);
  });

  it('answers malformed JSON with a FastAPI-style 422', async () => {
    const res = await call(sim, 'POST', '/generations/video', '{"model": "ray-2",');
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });
    expect(res.body.detail[0].loc[0]).toBe('body');
  });
});

describe('injected faults on the HTTP surface', () => {
  let sim: LumaSimulator | undefined;
  afterEach(() => sim?.close());

  it('answers 500/502/503 {"detail":"Internal server error"} before doing any work', async () => {
    sim = await startLumaSimulator({ timing: FROZEN, faults: { serverErrorRate: 1 }, seed: 7 });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const res = await call(sim, 'POST', '/generations/video', videoBody());
      expect([500, 502, 503]).toContain(res.status);
      expect(res.body).toEqual({ detail: 'Internal server error' });
      statuses.add(res.status);
    }
    expect(statuses.size).toBeGreaterThan(1);
    // Even an unauthenticated request gets the 5xx: the "load balancer" fails before auth.
    expect((await call(sim, 'GET', '/ping', undefined, { key: null })).status).toBeGreaterThanOrEqual(500);
    expect(sim.generations()).toHaveLength(0);
    expect((sim.stats().creditBalance)).toBe(100_000);
    expect(sim.stats().serverErrors).toBe(13);

    sim.setFaults({ serverErrorRate: 0 });
    expect((await call(sim, 'POST', '/generations/video', videoBody())).status).toBe(201);
  });

  it('injects the same 5xx sequence for the same seed', async () => {
    const run = async (seed: number) => {
      const s = await startLumaSimulator({ timing: FROZEN, faults: { serverErrorRate: 0.5 }, seed });
      const out: number[] = [];
      for (let i = 0; i < 16; i++) out.push((await call(s, 'GET', '/ping')).status);
      await s.close();
      return out;
    };
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(a).toContain(200);
    expect(a.some((s) => s >= 500)).toBe(true);
  });

  it('delays every answer by slowMs', async () => {
    sim = await startLumaSimulator({ timing: FROZEN, faults: { slowMs: 250 } });
    const t0 = Date.now();
    expect((await call(sim, 'GET', '/ping')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    sim.setFaults({ slowMs: 0 });
    const t1 = Date.now();
    await call(sim, 'GET', '/ping');
    expect(Date.now() - t1).toBeLessThan(200);
  });
});
