/**
 * `d2v bench pipeline` on a handful of requests: the real local stack (SQLite, the task queue, ffmpeg) and the
 * real Luma simulator over HTTP, through the exported run function. Only the report's shape and the invariants
 * that hold on any machine are asserted — every request posted, nothing beats the ideal, slot use within [0, 1],
 * writes counted — never a time; the real run is `d2v bench pipeline` (docs/BENCHMARKS.md).
 */
import { formatPipelineBenchReport, runPipelineBenchmark } from '../src/bench/pipeline';

jest.setTimeout(120_000);

describe('bench pipeline (4 requests, 2 slots, 2 s generations)', () => {
  it('runs the requests to posted and reports ratios against the ideal schedule', async () => {
    const lines: string[] = [];
    // 60 creates a minute: the window never binds, so the run is a few seconds of Luma plus ffmpeg.
    const report = await runPipelineBenchmark({ requests: 4, generationSeconds: 2, slots: 2, perMinute: 60, log: (l) => lines.push(l) });
    expect(report.mode).toBe('custom');
    expect(report.settings).toMatchObject({ requests: 4, generationSeconds: 2, slots: 2, perMinute: 60, admission: { lumaMaxConcurrent: 2, lumaCreatesPerMinute: 60 }, statsFlushSeconds: 10 });
    // Two waves of two 2 s generations.
    expect(report.idealSeconds).toBe(4);
    expect(report.requests).toMatchObject({ total: 4, posted: 4, failures: 0, byState: { posted: 4 }, failed: [], timedOut: false });
    expect(report.makespanOfIdeal).toBeGreaterThanOrEqual(1 - 1e-3);
    expect(report.makespanSeconds).toBeGreaterThanOrEqual(report.idealSeconds - 1e-3);
    expect(report.slots.utilisation).toBeGreaterThan(0);
    expect(report.slots.utilisation).toBeLessThanOrEqual(1);
    expect(report.slots.peakInFlight).toBeGreaterThanOrEqual(1);
    expect(report.slots.peakInFlight).toBeLessThanOrEqual(2);
    // Every request made exactly one generation, and admission control sent none into a full slot (no 429).
    expect(report.luma.creates).toBe(4);
    expect(report.luma.rateLimited).toBe(0);
    expect(report.luma.rateLimitedPerCreate).toBeCloseTo(report.luma.rateLimited / 4, 3);
    expect(report.store.writesPerRequest).toBeGreaterThan(0);
    expect(report.store.readsPerRequest).toBeGreaterThan(0);
    expect(report.store.writesPerRequest).toBeCloseTo(report.store.writes / 4, 2);
    const statistics = Object.entries(report.store.byPattern).filter(([p]) => p.startsWith('stats/')).reduce((n, [, c]) => n + c.writes, 0);
    expect(report.store.statisticsWrites).toBe(statistics);
    expect(report.store.statisticsWrites).toBeGreaterThan(0);
    expect(report.store.writesPerRequestWithoutStatistics).toBeCloseTo((report.store.writes - statistics) / 4, 2);
    const patterns = Object.values(report.store.byPattern);
    expect(patterns.reduce((n, p) => n + p.writes, 0)).toBe(report.store.writes);
    // One log document per commit: six for a happy-path request (nine transitions).
    expect(report.store.byPattern['users/{uid}/videoRequests/{requestId}/transitions/{n}']!.writes).toBeGreaterThanOrEqual(4 * 6);
    // The ideal at the run's own generation times is never shorter than at the set 2 s.
    expect(report.idealAtRunSeconds).toBeGreaterThanOrEqual(report.idealSeconds - 1e-3);
    expect(report.makespanOfIdealAtRun).toBeCloseTo(report.makespanSeconds / report.idealAtRunSeconds, 2);
    expect(report.makespanOfIdealAtRun).toBeLessThanOrEqual(report.makespanOfIdeal + 1e-3);
    // The floor on this machine: plain ffmpeg after the ideal schedule — later than the ideal, never later than the run.
    expect(report.settings).toMatchObject({ simulatorRenders: 'reused', processSlots: 2 });
    expect(report.onThisMachine.plainCompressSeconds!).toBeGreaterThan(0);
    expect(report.onThisMachine.idealSeconds!).toBeGreaterThan(report.idealSeconds);
    expect(report.onThisMachine.makespanOfIdeal!).toBeCloseTo(report.makespanSeconds / report.onThisMachine.idealSeconds!, 2);
    expect(report.onThisMachine.makespanOfIdeal!).toBeGreaterThanOrEqual(1 - 1e-3);
    // The makespan splits at the last generation's end: the Luma side, then the tail of downloads and ffmpeg.
    expect(report.timeline.lumaSeconds!).toBeGreaterThanOrEqual(report.idealSeconds - 1e-3);
    expect(report.timeline.lumaSeconds! + report.timeline.afterLumaSeconds!).toBeCloseTo(report.makespanSeconds, 2);
    expect(report.timeline.afterLumaSeconds!).toBeGreaterThan(0);
    expect(report.timeline.createLagSeconds.p50!).toBeLessThanOrEqual(report.timeline.createLagSeconds.max!);
    expect(report.timeline.generationSeconds.p50!).toBeGreaterThanOrEqual(2 - 0.05);
    expect(report.slots.idealUtilisation).toBeCloseTo((4 * 2) / (2 * 4), 3);
    const stages = Object.fromEntries(report.stages.map((s) => [s.stage, s]));
    for (const stage of ['pending', 'validating', 'queued', 'submitting', 'dreaming', 'downloading', 'processing', 'end to end']) {
      expect(stages[stage]).toBeDefined();
      expect(stages[stage]!.p50Seconds!).toBeLessThanOrEqual(stages[stage]!.p95Seconds!);
    }
    // The simulator holds each generation at least its 2 s; end to end includes it.
    expect(stages.dreaming!.p50Seconds!).toBeGreaterThanOrEqual(2 - 0.05);
    expect(stages['end to end']!.requests).toBe(4);
    expect(stages['end to end']!.p95Seconds!).toBeLessThanOrEqual(report.makespanSeconds + 1e-3);
    expect(lines.some((l) => l === '4/4 ended')).toBe(true);

    const text = formatPipelineBenchReport(report);
    expect(text).toMatch(/makespan ÷ ideal\s+[\d.]+ {2}\([\d.]+ s ÷ 4\.0 s\)/);
    expect(text).toMatch(/failures\s+0 of 4/);
    expect(text).toMatch(/÷ ideal on this machine\s+[\d.]+ {2}\(÷ [\d.]+ s: the ideal, then plain ffmpeg compressing each video as it ends, [\d.]+ s each, 2 at once\)/);
    expect(text).toMatch(/Luma side ÷ ideal\s+[\d.]+ {2}\(last generation ended at [\d.]+ s; then [\d.]+ s to the last post\)/);
    expect(text).toMatch(/end to end\s+4\s/);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
