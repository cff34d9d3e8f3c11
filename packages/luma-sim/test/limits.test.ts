/** Build-tier limits: 429 {"detail":"Too many requests"} with Retry-After, per model family. */
import { LumaSimulator, startLumaSimulator } from '../src';
import { call, FROZEN } from './helpers';

const video = { model: 'ray-2', prompt: 'rain on a tin roof', resolution: '540p' };
const image = { model: 'photon-flash-1', prompt: 'rain on a tin roof' };

describe('rate limits', () => {
  let sim: LumaSimulator;
  afterEach(() => sim.close());

  it('answers 429 with Retry-After once maxConcurrent generations of the family are in flight', async () => {
    sim = await startLumaSimulator({ timing: { ...FROZEN, queuedMs: 20_000, dreamingMs: 10_000 }, limits: { maxConcurrent: { ray: 2, photon: 1 } } });
    const a = await call(sim, 'POST', '/generations/video', video);
    expect(a.status).toBe(201);
    expect((await call(sim, 'POST', '/generations/video', video)).status).toBe(201);

    const refused = await call(sim, 'POST', '/generations/video', video);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ detail: 'Too many requests' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    // The earliest in-flight generation is expected to end about 30 s after it was created.
    expect(retryAfter).toBeGreaterThanOrEqual(25);
    expect(retryAfter).toBeLessThanOrEqual(30);

    // Photon has its own budget.
    expect((await call(sim, 'POST', '/generations/image', image)).status).toBe(201);
    expect((await call(sim, 'POST', '/generations/image', image)).status).toBe(429);

    // A deleted generation frees its slot.
    expect((await call(sim, 'DELETE', `/generations/${a.body.id}`)).status).toBe(204);
    expect((await call(sim, 'POST', '/generations/video', video)).status).toBe(201);

    expect(sim.stats().rateLimited).toBe(2);
    expect(sim.stats().creates).toMatchObject({ video: 3, image: 1 });
    // 429s are never charged: 3 × 40 + 1 × 1 cents.
    expect(sim.stats().creditBalance).toBe(100_000 - 3 * 40 - 1);
  });

  it('answers 429 with Retry-After beyond createsPerMinute accepted creates in a sliding minute', async () => {
    sim = await startLumaSimulator({ timing: FROZEN, limits: { createsPerMinute: { ray: 3 }, maxConcurrent: { ray: 50 } } });
    for (let i = 0; i < 3; i++) expect((await call(sim, 'POST', '/generations/video', video)).status).toBe(201);
    const refused = await call(sim, 'POST', '/generations/video', video);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ detail: 'Too many requests' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(58);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Rejected bodies do not use up the minute: they never reach the queue.
    sim.setLimits({ createsPerMinute: { ray: 4 } });
    expect((await call(sim, 'POST', '/generations/video', { model: 'ray-2' })).status).toBe(400);
    expect((await call(sim, 'POST', '/generations/video', video)).status).toBe(201);
    expect((await call(sim, 'POST', '/generations/video', video)).status).toBe(429);
    expect(sim.stats().rateLimited).toBe(2);
  });

  it('checks limits before credits, so a 429 never reports 402 nor charges', async () => {
    sim = await startLumaSimulator({ timing: FROZEN, credits: 0, limits: { maxConcurrent: { ray: 1 } } });
    expect((await call(sim, 'POST', '/generations/video', video)).status).toBe(402);
    sim.setCredits(40);
    expect((await call(sim, 'POST', '/generations/video', video)).status).toBe(201);
    expect((await call(sim, 'POST', '/generations/video', video)).status).toBe(429);
    expect(sim.stats().creditBalance).toBe(0);
  });
});
