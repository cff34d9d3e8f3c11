/**
 * Issue #9, quotas: per person, requests in the making at once and requests per rolling 24 h. Real stack (SQLite,
 * the simulator over HTTP, ffmpeg). Concurrent creates of one person against a low limit admit exactly the limit
 * (the simulator counts the creates: a refused request never reaches Luma); a request that ended frees its slot
 * without any write; the rolling day is checked against a clock the test moves.
 */
import { admitRequest, type Ports } from '@d2v/core';
import { docPaths, type QuotaUsage, type VideoRequest } from '@d2v/schema';
import type { LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';
const FAST = { resolution: '540p', aspectRatio: '16:9', duration: '5s', fresh: true } as const;
const IN_FLIGHT = 2;
const PER_DAY = 4;

describe('per-person quotas (local stack, simulator)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({ core: { maxInFlightPerUser: IN_FLIGHT, maxRequestsPerDay: PER_DAY } }));
  });
  afterAll(() => cleanup?.());

  const create = async () => (await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: FAST })).requestId;
  const settle = (id: string) => stack.waitForState(UID, id, ['ready', 'posted', 'failed'], 120_000);
  const request = async (id: string) => (await stack.documents.get<VideoRequest>(docPaths.videoRequest(UID, id)))!.data;
  const retry = async (id: string) => {
    const { actionId } = await stack.api.requestAction(UID, id, { type: 'retry' });
    for (let i = 0; i < 400; i++) {
      const doc = await request(id);
      if (doc.lastActionResult?.id === actionId) return doc.lastActionResult;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no result for the retry of ${id}`);
  };
  const usage = async () => (await stack.documents.get<QuotaUsage>(docPaths.quotaUsage(UID)))?.data;

  it('admits exactly the in-flight limit of concurrent creates; the rest fail TOO_MANY_IN_FLIGHT before any Luma call', async () => {
    const createsBefore = stack.simulator!.stats().creates.video;
    const ids = await Promise.all(Array.from({ length: 5 }, create));
    const done = await Promise.all(ids.map(settle));
    const admitted = done.filter((d) => d.state !== 'failed');
    const refused = done.filter((d) => d.state === 'failed');
    expect(admitted).toHaveLength(IN_FLIGHT);
    expect(refused).toHaveLength(5 - IN_FLIGHT);
    for (const d of refused) {
      expect(d.error).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', retryable: true });
      expect(d.error!.message).toMatch(/try again when one of them is finished \(at the latest \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
      expect(Date.parse(d.error!.retryAfter!)).toBeGreaterThan(Date.parse(d.createdAt));
      expect(d.luma.generationId).toBeUndefined();
      expect(generationsFor(stack, d.requestId)).toHaveLength(0);
    }
    expect(stack.simulator!.stats().creates.video - createsBefore).toBe(IN_FLIGHT);
    const u = (await usage())!;
    expect(u.admissions.map((a) => a.requestId).sort()).toEqual(admitted.map((d) => d.requestId).sort());
  });

  it('a request that ended holds no slot: the next one is admitted, and the ended ones leave the in-flight list', async () => {
    const before = (await usage())!;
    // Both admitted requests are finished but still listed (their end wrote nothing here): they count for nothing.
    expect(before.inFlight).toHaveLength(IN_FLIGHT);
    // A slot whose request vanished (a document deleted outright) is no slot either.
    await stack.documents.runTransaction(async (tx) => tx.set(docPaths.quotaUsage(UID), { ...before, inFlight: [...before.inFlight, 'vanished-request'] }));
    const id = await create();
    expect((await settle(id)).state).not.toBe('failed');
    expect((await usage())!.inFlight).toEqual([id]);
  });

  it('refuses over the rolling day with QUOTA_EXCEEDED and the time the oldest admission leaves the window', async () => {
    const id4 = await create();
    expect((await settle(id4)).state).not.toBe('failed');
    const u = (await usage())!;
    expect(u.admissions).toHaveLength(PER_DAY);
    const refused = await settle(await create());
    expect(refused.state).toBe('failed');
    expect(refused.error).toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: true, retryAfter: new Date(u.admissions[0]!.at + 86_400_000).toISOString() });
    expect(refused.error!.message).toContain(`try again after ${new Date(u.admissions[0]!.at + 86_400_000).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    // The oldest admission leaves the window (moved back 24 h, as time would): one more request fits, not two.
    await stack.documents.runTransaction(async (tx) =>
      tx.set(docPaths.quotaUsage(UID), { ...u, admissions: u.admissions.map((a, i) => (i === 0 ? { ...a, at: a.at - 86_400_000 } : a)) }),
    );
    expect((await settle(await create())).state).not.toBe('failed');
    const over = await settle(await create());
    expect(over.error?.code).toBe('QUOTA_EXCEEDED');
    // The refused request kept its plan: its retry is admitted again — refused while over, made once there is room.
    expect(over.lumaRequest).toBeDefined();
    expect(await retry(over.requestId)).toMatchObject({ ok: false, code: 'QUOTA_EXCEEDED' });
    expect((await request(over.requestId)).state).toBe('failed');
    const now = (await usage())!;
    await stack.documents.runTransaction(async (tx) =>
      tx.set(docPaths.quotaUsage(UID), { ...now, admissions: now.admissions.map((a, i) => (i === 0 ? { ...a, at: a.at - 86_400_000 } : a)) }),
    );
    expect(await retry(over.requestId)).toMatchObject({ ok: true });
    const retried = await settle(over.requestId);
    expect(retried.state).not.toBe('failed');
    expect(retried.luma.generationId).toBeDefined();
  });

  it('the rolling day against a moving clock (admission on the real store)', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const ports: Ports = { ...stack.ports, clock: { now: () => now }, config: { ...stack.ports.config, maxRequestsPerDay: 2, maxInFlightPerUser: 50 } };
    const admit = (requestId: string) => admitRequest(ports, { uid: 'roller', requestId });
    expect(await admit('r1')).toEqual({ admitted: true });
    now += 3_600_000;
    expect(await admit('r2')).toEqual({ admitted: true });
    // Again for an admitted request (a redelivered event): admitted, not counted twice.
    expect(await admit('r2')).toEqual({ admitted: true });
    now += 3_600_000;
    const refused = await admit('r3');
    expect(refused).toMatchObject({ admitted: false, reason: 'daily', error: { code: 'QUOTA_EXCEEDED', retryAfter: '2026-03-02T10:00:00.000Z' } });
    now = Date.parse('2026-03-02T10:00:00.001Z');
    expect(await admit('r3')).toEqual({ admitted: true });
    expect(await admit('r4')).toMatchObject({ admitted: false, error: { retryAfter: '2026-03-02T11:00:00.000Z' } });
    const stored = (await stack.documents.get<QuotaUsage>(docPaths.quotaUsage('roller')))!.data;
    expect(stored.admissions.map((a) => a.requestId)).toEqual(['r2', 'r3']);
  });

  it('stores no quota field on the request and counts the refusals in the statistics', async () => {
    const stats = await stack.stats();
    expect(stats.total.quota.refused.in_flight).toBe(5 - IN_FLIGHT);
    expect(stats.total.quota.refused.daily).toBe(3);
    const any = (await stack.documents.query<VideoRequest>({ collection: docPaths.videoRequests(UID) }))[0]!.data as unknown as Record<string, unknown>;
    expect(Object.keys(any)).not.toContain('quota');
  });
});
