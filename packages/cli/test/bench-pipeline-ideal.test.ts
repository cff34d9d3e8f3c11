/**
 * The arithmetic of `d2v bench pipeline`, apart from a run: the ideal schedule at Luma's two limits (figures
 * derived by hand below), the time per state from a transition log, slot use from generations' holds, and the
 * command's option bounds.
 */
import type { Transition } from '@d2v/schema';
import { idealSchedule, idealScheduleAt, lumaTimeline, processedBy, percentile, secondsPerState, slotUsage, stageFigures } from '../src/bench/pipeline';
import { parseBound } from '../src/commands/bench-pipeline';

describe('idealSchedule (greedy creates at C in flight and R per rolling minute)', () => {
  it('is one generation time when every create fits both limits at once', () => {
    expect(idealSchedule(1, { slots: 10, perMinute: 20, generationSeconds: 40 }).seconds).toBe(40);
    const s = idealSchedule(10, { slots: 10, perMinute: 20, generationSeconds: 40 });
    expect(s.seconds).toBe(40);
    expect(s.createAt).toEqual(new Array(10).fill(0));
  });

  it('N=40, C=10, R=20, G=40 → 160 s: the slots bind, never the window', () => {
    // Creates 0–9 at 0 s (done 40); 10–19 at 40 s when the slots free (done 80; 20 creates in the first minute);
    // 20–29: slots free at 80, the window admits them from 0 + 60 = 60 → 80 (done 120); 30–39: slots at 120,
    // window from 40 + 60 = 100 → 120 (done 160). Four waves of 40 s.
    const s = idealSchedule(40, { slots: 10, perMinute: 20, generationSeconds: 40 });
    expect(s.createAt.filter((t, i) => i % 10 === 0)).toEqual([0, 40, 80, 120]);
    expect(s.seconds).toBe(160);
  });

  it('at the generation times a run saw: a longer generation holds its slot longer', () => {
    // 3 creates, 2 slots, the window never binds: creates 0 and 1 at 0 s taking 4 and 7 s; create 2 takes the slot
    // that frees first (4 s) and its 5 s → 9 s. The set time (4 s) would give 8 s; a missing time falls back to it.
    const limits = { slots: 2, perMinute: 60, generationSeconds: 4 };
    expect(idealScheduleAt(3, limits, [4, 7, 5])).toEqual({ createAt: [0, 0, 4], doneAt: [4, 7, 9], seconds: 9 });
    expect(idealSchedule(3, limits).seconds).toBe(8);
    expect(idealScheduleAt(3, limits, [4, 7]).seconds).toBe(8);
    expect(() => idealScheduleAt(1, limits, [-1])).toThrow(/>= 0/);
  });

  it('N=40, C=10, R=20, G=4 → 68 s: the window binds', () => {
    // 0–9 at 0 (done 4); 10–19 at 4 (done 8) — 20 creates in the first 4 s; 20–29: slots free at 8 but the window
    // admits create 20 only when create 0 leaves it, at 60 (done 64); 30–39: slots free at 64, window from
    // 4 + 60 = 64 → 64 (done 68).
    const s = idealSchedule(40, { slots: 10, perMinute: 20, generationSeconds: 4 });
    expect(s.createAt.filter((t, i) => i % 10 === 0)).toEqual([0, 4, 60, 64]);
    expect(s.seconds).toBe(68);
  });

  it('N=100, G=4 (C=10, R=20) → 248 s; N=12, G=4 (--quick) → 8 s', () => {
    // Two waves of 10 each minute: creates at 0, 4, 60, 64, …, 240, 244; the last done at 248.
    expect(idealSchedule(100, { slots: 10, perMinute: 20, generationSeconds: 4 }).seconds).toBe(248);
    expect(idealSchedule(12, { slots: 10, perMinute: 20, generationSeconds: 4 }).seconds).toBe(8);
  });

  it('with one slot, generations run back to back; with R=1, one create a minute', () => {
    expect(idealSchedule(3, { slots: 1, perMinute: 100, generationSeconds: 5 }).seconds).toBe(15);
    expect(idealSchedule(3, { slots: 10, perMinute: 1, generationSeconds: 5 }).createAt).toEqual([0, 60, 120]);
    expect(idealSchedule(0, { slots: 10, perMinute: 20, generationSeconds: 40 }).seconds).toBe(0);
  });

  it('never packs more than C in flight or R creates in any 60 s', () => {
    for (const [n, c, r, g] of [[57, 7, 13, 11], [100, 10, 20, 4], [30, 3, 50, 1], [25, 10, 5, 90]] as const) {
      const s = idealSchedule(n, { slots: c, perMinute: r, generationSeconds: g });
      for (const t of s.createAt) {
        expect(s.createAt.filter((u, i) => u <= t && s.doneAt[i]! > t).length).toBeLessThanOrEqual(c);
        expect(s.createAt.filter((u) => u > t - 60 && u <= t).length).toBeLessThanOrEqual(r);
      }
    }
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => idealSchedule(5, { slots: 0, perMinute: 20, generationSeconds: 4 })).toThrow(/slots/);
    expect(() => idealSchedule(5, { slots: 2, perMinute: 1.5, generationSeconds: 4 })).toThrow(/perMinute/);
  });
});

describe('processedBy (the ideal on this machine: each video processed in a slot as its generation ends)', () => {
  it('with a slot free for every video, it is the last end plus one processing', () => {
    expect(processedBy([40, 40, 80], 3, 2)).toBe(82);
  });

  it('a wave of ten ending together queues for two slots: five rounds', () => {
    expect(processedBy(new Array(10).fill(160), 2, 1.5)).toBeCloseTo(160 + 5 * 1.5, 9);
  });

  it('work left from an earlier wave carries into the next one', () => {
    // Four at 10 in one slot: busy until 14; the fifth at 12 waits for it.
    expect(processedBy([10, 10, 10, 10, 12], 1, 1)).toBe(15);
    expect(processedBy([], 2, 3)).toBe(0);
  });

  it('refuses slots that are not positive integers and negative seconds', () => {
    expect(() => processedBy([1], 0, 1)).toThrow(/processSlots/);
    expect(() => processedBy([1], 1, -1)).toThrow(/seconds/);
  });
});

describe('the figures of a run', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
  const t = (n: number, from: Transition['from'], to: Transition['to'], s: number): Transition => ({ n, from, to, at: at(s), by: 'system', reason: '' });

  it('time per state counts every visit (queued ↔ submitting on a 429) and not the last state', () => {
    const log = [t(0, null, 'pending', 0), t(1, 'pending', 'validating', 1), t(2, 'validating', 'queued', 1.5), t(3, 'queued', 'submitting', 3), t(4, 'submitting', 'queued', 3.5),
      t(5, 'queued', 'submitting', 10), t(6, 'submitting', 'dreaming', 10.5), t(7, 'dreaming', 'posted', 50)];
    expect(secondsPerState([...log].reverse())).toEqual({ pending: 1, validating: 0.5, queued: 8, submitting: 1, dreaming: 39.5 });
    const figures = stageFigures([{ queued: 8, dreaming: 40 }, { queued: 2, dreaming: 41 }, { dreaming: 39 }]);
    expect(figures.map((f) => f.stage)).toEqual(['queued', 'dreaming']);
    expect(figures[1]).toEqual({ stage: 'dreaming', requests: 3, p50Seconds: 40, p95Seconds: 41 });
  });

  it('nearest-rank percentiles', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([...Array(20).keys()], 0.95)).toBe(18);
  });

  it('slot use: the in-flight integral over the span ÷ slots, clipped to it, and the peak', () => {
    // Over 0–10 s with 2 slots: one generation 0–10, one 2–6, one still in flight from 8 (held to 10).
    const u = slotUsage([{ start: 0, end: 10_000 }, { start: 2000, end: 6000 }, { start: 8000 }], 2, 0, 10_000);
    expect(u.averageInFlight).toBeCloseTo(1.6, 9);
    expect(u.utilisation).toBeCloseTo(0.8, 9);
    expect(u.peakInFlight).toBe(2);
    // A slot freed and taken in the same millisecond is one slot, not two.
    expect(slotUsage([{ start: 0, end: 5000 }, { start: 5000, end: 9000 }], 1, 0, 10_000).peakInFlight).toBe(1);
    expect(slotUsage([], 1, 5, 5)).toEqual({ averageInFlight: 0, utilisation: 0, peakInFlight: 0 });
  });

  it('Luma timeline: the last end, each create against the ideal one of the same rank, real generation times', () => {
    // From t0 = 1000 ms: creates at 0.5, 0 and 4.5 s (ideal 0, 0, 4): lags 0, 0.5, 0.5 once sorted by rank.
    const t = lumaTimeline([{ start: 1500, end: 5500 }, { start: 1000, end: 5000 }, { start: 5500, end: 10_500 }], [0, 0, 4], 1000);
    expect(t.lastEndSeconds).toBeCloseTo(9.5, 9);
    expect(t.createLagSeconds).toEqual({ p50: 0.5, p95: 0.5, max: 0.5 });
    expect(t.generationSeconds).toEqual({ p50: 4, p95: 5 });
    expect(t.generationSecondsInCreateOrder).toEqual([4, 4, 5]);
    // A create before its ideal time (clock skew) counts as no lag; one still in flight has no end yet.
    const early = lumaTimeline([{ start: 0 }, { start: 2000, end: 3000 }], [1, 1], 0);
    expect(early.createLagSeconds).toEqual({ p50: 0, p95: 1, max: 1 });
    expect(early.lastEndSeconds).toBe(3);
    expect(early.generationSecondsInCreateOrder).toEqual([1]);
    expect(lumaTimeline([], [], 0)).toEqual({ lastEndSeconds: null, createLagSeconds: { p50: null, p95: null, max: null }, generationSeconds: { p50: null, p95: null }, generationSecondsInCreateOrder: [] });
  });
});

describe('d2v bench pipeline options', () => {
  it('takes whole numbers within bounds and names the flag otherwise', () => {
    expect(parseBound('requests', undefined)).toBeUndefined();
    expect(parseBound('requests', '40')).toBe(40);
    expect(parseBound('perMinute', ' 20 ')).toBe(20);
    for (const bad of ['0', '-3', '2.5', 'ten', '', '1e3', '100000']) expect(() => parseBound('requests', bad)).toThrow(/^--requests must be a whole number from 1 to 1000/);
    expect(() => parseBound('generationSeconds', '601')).toThrow(/--generation-seconds/);
    expect(() => parseBound('slots', '0')).toThrow(/--slots/);
  });
});
