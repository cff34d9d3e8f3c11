/**
 * `d2v bench playback` on a small file: it runs end to end through the media port and the real HTTP service and
 * reports every figure. Only the shape and the byte accounting are asserted, never a time; the real run is
 * `d2v bench playback` (docs/BENCHMARKS.md).
 */
import { formatPlaybackBenchMarkdown, formatPlaybackBenchReport, runPlaybackBenchmark } from '../src/bench/playback';

jest.setTimeout(120_000);

describe('bench playback (quick, 4 MB)', () => {
  it('measures bytes decrypted per seek and time-to-first-byte ratios, and formats them', async () => {
    const lines: string[] = [];
    const report = await runPlaybackBenchmark({ quick: true, sizeMb: 4, seeks: 8, repeats: 2, log: (l) => lines.push(l) });
    expect(report.mode).toBe('custom');
    expect(report.file.plaintextBytes).toBe(4 * 1024 * 1024);
    expect(report.file.segmentSize).toBe(64 * 1024);
    expect(report.decrypt.seeks).toBe(10);
    for (const s of report.decrypt.samples) {
      expect(s.received).toBe(s.requested);
      expect(s.decrypted).toBeGreaterThanOrEqual(s.requested);
      expect(s.ciphertextRead).toBe(s.decrypted + s.segments * 16);
    }
    // A 256 KiB range covers 4 or 5 whole segments; the last byte, one (of 64 KiB).
    expect(report.decrypt.segmentsPerSeek.max).toBeLessThanOrEqual(5);
    expect(report.decrypt.lastByteDecrypted).toBe(64 * 1024);
    expect(report.decrypt.tailDecryptedOfFile).toBeCloseTo(256 / 4096, 5);
    for (const v of [report.decrypt.wholeMs, report.http.wholeFetchMs, report.http.ttfbNearEndMs, report.http.ttfbStartMs]) expect(v).toBeGreaterThan(0);
    expect(Number.isFinite(report.http.ttfbNearEndOfWhole)).toBe(true);
    expect(report.targets.map((t) => t.name)).toHaveLength(4);
    for (const t of report.targets) expect(typeof t.met).toBe('boolean');
    expect(lines.some((l) => l.startsWith('HTTP stage'))).toBe(true);
    expect(formatPlaybackBenchReport(report)).toMatch(/\d\/4 met/);
    expect(formatPlaybackBenchMarkdown(report)).toMatch(/\| … ÷ whole-file fetch \| [\d.]+ \| < 0\.1 \|/);
  });
});
