/**
 * The `bench media` logic (packages/cli/src/bench/media/) on tiny inputs: it runs end to end and
 * reports every figure. Timings are never asserted; the real run is `d2v bench media`.
 */
import { DEFAULT_COMPRESS_SETTINGS } from '../src';
import { formatMediaBenchMarkdown, formatMediaBenchReport, opensslGcmBytesPerSecond, runMediaBenchmark } from '../../cli/src/bench/media';

jest.setTimeout(120_000);

describe('bench media on tiny inputs', () => {
  it('measures compression, quality, crypto and memory and formats the report', async () => {
    const lines: string[] = [];
    const report = await runMediaBenchmark({
      corpus: [
        { name: 'tiny landscape', width: 256, height: 144, seconds: 1, fps: 24, bitrate: '2M' },
        { name: 'tiny portrait', width: 144, height: 256, seconds: 1, fps: 24, bitrate: '2M' },
      ],
      settings: { ...DEFAULT_COMPRESS_SETTINGS, preset: 'ultrafast' },
      cryptoBytes: 4 * 1024 * 1024,
      cryptoRounds: 2,
      rssInputsMb: [1, 4],
      opensslSeconds: 1,
      log: (line) => lines.push(line),
    });

    expect(report.mode).toBe('custom');
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.compress.clips).toHaveLength(2);
    for (const clip of report.compress.clips) {
      expect(clip.quality.ssimY).toBeGreaterThan(0.5);
      expect(clip.quality.ssimY).toBeLessThanOrEqual(1);
      expect(clip.quality.psnrY).toBeGreaterThan(20);
      expect(clip.bytesRatio).toBeGreaterThan(0);
      expect(clip.oursSeconds).toBeGreaterThan(0);
      expect(clip.plainSeconds).toBeGreaterThan(0);
    }
    expect([report.compress.clips[0]!.width, report.compress.clips[0]!.height]).toEqual([256, 144]);
    expect([report.compress.clips[1]!.width, report.compress.clips[1]!.height]).toEqual([144, 256]);
    expect(report.compress.overheadRatio).toBeGreaterThan(0);
    expect(report.crypto.encryptMBps).toBeGreaterThan(0);
    expect(report.crypto.decryptMBps).toBeGreaterThan(0);
    expect(report.memory.error).toBeUndefined();
    expect(report.memory.nodePeakRssLargeMb).toBeGreaterThan(10);
    expect(report.targets).toHaveLength(1 + 3 * 2 + 1 + 1); // overhead, per-clip SSIM/PSNR/bytes, crypto, memory
    expect(lines.some((line) => line.startsWith('rendering tiny landscape'))).toBe(true);

    const text = formatMediaBenchReport(report);
    expect(text).toMatch(/compression/);
    expect(text).toMatch(/tiny portrait/);
    expect(text).toMatch(/\d+\/\d+ met/);
    const markdown = formatMediaBenchMarkdown(report);
    expect(markdown).toMatch(/^Machine: /);
    expect(markdown).toMatch(/\| tiny landscape \|/);
  });

  it('reads openssl’s 16 KB figure (or says it is unavailable)', () => {
    const figure = opensslGcmBytesPerSecond(1);
    if (figure !== null) expect(figure).toBeGreaterThan(1e6);
  });
});
