/**
 * Issue #9, the budget guard: a new Luma create that would take the balance below the credits floor, or the day's
 * spend past the daily budget, waits in `queued` with a status the person sees ("paused: credits low") instead of
 * failing at Luma — nothing is created, nothing billed — and goes on by itself once the sweep sees credits again.
 * The operator hears of it once per crossing (an alert event and one Error Reporting entry). Real stack (SQLite,
 * the simulator over HTTP, ffmpeg); the simulator's balance is set between sweeps.
 */
import type { QuotaMonitorDoc } from '@d2v/core';
import { QUOTA_MONITOR_DOC } from '@d2v/core';
import type { VideoRequest } from '@d2v/schema';
import type { LocalStack } from '../src';
import { generationsFor, startTestStack } from './helpers';

const UID = 'demo-user';
const OPTIONS = { model: 'ray-2', resolution: '540p', aspectRatio: '16:9', duration: '5s', fresh: true } as const;
const RAY2_540P_5S_CENTS = 40;
const FLOOR = 1_000;

describe('budget guard (local stack, the simulator’s balance set between sweeps)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({ core: { creditsFloorCents: FLOOR, dailyBudgetCents: 100, budgetRecheckSeconds: 1 }, config: { statsFlushIntervalMs: 200 } }));
  });
  afterAll(() => cleanup?.());

  const create = async () => (await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: OPTIONS })).requestId;
  const read = (id: string) => stack.api.getRequest(UID, id) as Promise<VideoRequest>;
  const sweep = async () => {
    await stack.flushStats();
    await stack.handlers.sweep();
  };
  async function until(id: string, ok: (d: VideoRequest) => boolean, what: string): Promise<VideoRequest> {
    const end = Date.now() + 60_000;
    for (;;) {
      const doc = await read(id);
      if (ok(doc)) return doc;
      if (Date.now() > end) throw new Error(`${id}: never ${what} (state ${doc.state}, queue ${JSON.stringify(doc.queue)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const events = async (type: string) => (await stack.events.list()).filter((e) => e.type === type);

  it('holds a create that would cross the credits floor in queued ("paused: credits low"), bills nothing, and goes on after a top-up', async () => {
    stack.simulator!.setCredits(FLOOR + RAY2_540P_5S_CENTS - 1);
    await sweep();
    expect(((await stack.documents.get<QuotaMonitorDoc>(QUOTA_MONITOR_DOC))!.data.last.budgetHeadroomCents)).toBe(RAY2_540P_5S_CENTS - 1);
    const id = await create();
    const paused = await until(id, (d) => d.queue?.status === 'paused: credits low', 'paused');
    expect(paused.state).toBe('queued');
    expect(paused.queue).toMatchObject({ waitingFor: 'credits', message: expect.stringMatching(/floor of 1000 ¢/) });
    // Looks again every second and stays put: no create reached Luma, and its status was written once.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await read(id)).state).toBe('queued');
    expect(generationsFor(stack, id)).toHaveLength(0);
    expect((await read(id)).queue?.since).toBe(paused.queue?.since);

    // A second sweep in the same condition says nothing new: the alert is raised once per crossing.
    await sweep();
    expect((await events('alert')).filter((e) => e.alert === 'submissions_paused')).toHaveLength(1);
    expect((await events('error')).filter((e) => e.errorCode === 'CREDITS_PAUSED')).toHaveLength(1);

    stack.simulator!.setCredits(100_000);
    await sweep();
    const done = await until(id, (d) => d.state === 'posted' || d.state === 'ready' || d.state === 'failed', 'finished');
    expect(done.state).not.toBe('failed');
    expect(done.queue).toBeUndefined();
    expect(generationsFor(stack, id)).toHaveLength(1);
    expect((await events('alert_cleared')).filter((e) => e.alert === 'submissions_paused')).toHaveLength(1);
  }, 120_000);

  it('holds a create that would pass the daily budget ("paused: daily budget reached")', async () => {
    // 40 ¢ spent today by the first test; one more 40 ¢ create fits in 100 ¢, the one after does not.
    await sweep();
    expect((await stack.documents.get<QuotaMonitorDoc>(QUOTA_MONITOR_DOC))!.data.last.daySpentCents).toBe(RAY2_540P_5S_CENTS);
    const second = await create();
    await until(second, (d) => d.state === 'posted' || d.state === 'ready', 'finished');
    await sweep();
    expect((await stack.documents.get<QuotaMonitorDoc>(QUOTA_MONITOR_DOC))!.data.last.daySpentCents).toBe(2 * RAY2_540P_5S_CENTS);
    const third = await create();
    const paused = await until(third, (d) => d.queue?.status === 'paused: daily budget reached', 'paused');
    expect(paused.state).toBe('queued');
    expect(paused.queue?.message).toMatch(/daily budget of 100 ¢/);
    expect(generationsFor(stack, third)).toHaveLength(0);
    // A cancel of a paused request needs no Luma call at all.
    await stack.api.requestAction(UID, third, { type: 'cancel' });
    await until(third, (d) => d.state === 'cancelled', 'cancelled');
    expect(generationsFor(stack, third)).toHaveLength(0);
  }, 120_000);
});
