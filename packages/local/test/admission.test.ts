import type { VideoRequest } from '@d2v/schema';
import type { LocalStack } from '../src';
import { startTestStack } from './helpers';

/**
 * Admission control (issue #10 item 1) on the real stack: the simulator enforces Luma's limits (it answers 429 past
 * them), the core is configured with the same numbers, and a burst larger than the limits is submitted at once.
 * Asserted: nobody is sent into a full slot or a full window (no 429 at all), the waiting requests show their place
 * in line and an ETA, every request posts, and each went queued → submitting once.
 */
const UID = 'demo-user';
const OPTIONS = { resolution: '540p', autoPost: true, fresh: true } as const;

jest.setTimeout(240_000);

async function burst(stack: LocalStack, n: number): Promise<{ ids: string[]; seen: Map<string, NonNullable<VideoRequest['queue']>[]> }> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: OPTIONS })).requestId);
  // What a person watching each request sees of its place in line, sampled while the burst drains.
  const seen = new Map<string, NonNullable<VideoRequest['queue']>[]>();
  const done = new Set<string>();
  while (done.size < ids.length) {
    for (const id of ids) {
      const doc = await stack.api.getRequest(UID, id);
      if (doc.queue) seen.set(id, [...(seen.get(id) ?? []), doc.queue]);
      if (doc.state === 'posted' || doc.state === 'failed') done.add(id);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ids, seen };
}

async function submitsPerRequest(stack: LocalStack, ids: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (await stack.api.listTransitions(UID, id)).filter((t) => t.to === 'submitting').length;
  return out;
}

describe('admission control: a burst past Luma\'s concurrency waits its turn instead of meeting 429s', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({
      core: { lumaMaxConcurrent: 2, lumaCreatesPerMinute: 20, expectedDreamingMs: 1500 },
      simulator: { limits: { maxConcurrent: { ray: 2 }, createsPerMinute: { ray: 20 } }, timing: { queuedMs: 200, dreamingMs: 1500 } },
    }));
  });
  afterAll(() => cleanup?.());

  it('7 requests, 2 slots: no 429, places in line shown, all posted, one submit each', async () => {
    const { ids, seen } = await burst(stack, 7);
    const final = await Promise.all(ids.map((id) => stack.api.getRequest(UID, id)));
    expect(final.map((d) => d.state)).toEqual(ids.map(() => 'posted'));
    expect(stack.simulator!.stats().rateLimited).toBe(0);
    expect(stack.simulator!.stats().creates.video).toBe(7);
    expect(Object.values(await submitsPerRequest(stack, ids))).toEqual(ids.map(() => 1));
    // Some had to wait for a slot, and were told where they stood (1 = next) and when to expect their turn.
    const waits = [...seen.values()].flat();
    expect(waits.length).toBeGreaterThan(0);
    for (const q of waits) {
      expect(q.waitingFor).toBe('slot');
      expect(q.position).toBeGreaterThanOrEqual(1);
      expect(q.position).toBeLessThanOrEqual(5);
      expect(Number.isFinite(Date.parse(q.etaAt!))).toBe(true);
      expect(q.message).toMatch(/^Number \d+ in line; expected to start in about \d+ s\.$/);
    }
    expect(Math.max(...waits.map((q) => q.position!))).toBeGreaterThanOrEqual(2);
    // The place in line is gone once the request is on its way.
    for (const d of final) expect(d.queue).toBeUndefined();
  });
});

describe('admission control: a burst past Luma\'s per-minute create window waits for the window', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({
      core: { lumaMaxConcurrent: 10, lumaCreatesPerMinute: 3, expectedDreamingMs: 1500 },
      simulator: { limits: { maxConcurrent: { ray: 10 }, createsPerMinute: { ray: 3 } }, timing: { queuedMs: 200, dreamingMs: 1500 } },
    }));
  });
  afterAll(() => cleanup?.());

  it('4 requests, 3 creates a minute: the fourth waits for the oldest create to age out, with no 429', async () => {
    const { ids, seen } = await burst(stack, 4);
    const final = await Promise.all(ids.map((id) => stack.api.getRequest(UID, id)));
    expect(final.map((d) => d.state)).toEqual(ids.map(() => 'posted'));
    expect(stack.simulator!.stats().rateLimited).toBe(0);
    const waits = [...seen.values()].flat();
    expect(waits.some((q) => q.waitingFor === 'rate' && q.position === 1)).toBe(true);
    // The fourth create went out only once the window had room: ≥ 60 s after the first.
    const intents = final.map((d) => d.luma.submitIntentAt!).sort((a, b) => a - b);
    expect(intents[3]! - intents[0]!).toBeGreaterThanOrEqual(60_000);
  });
});
