/**
 * Printing a `d2v bench media` report: the plain-text summary the command shows by default and the Markdown
 * tables docs/BENCHMARKS.md holds. Pure functions of the report, so they are tested without running a benchmark
 * and a new output format never touches the measuring code.
 */
import { MB } from './measure';
import { TARGETS, type MediaBenchReport } from './report';

const verdict = (met: boolean | null): string => (met === null ? 'not measured' : met ? 'met' : 'NOT MET');
const fixed = (n: number | null, digits: number): string => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits));

export function formatMediaBenchReport(r: MediaBenchReport): string {
  const m = r.machine;
  const lines = [
    `d2v bench media (${r.mode}) — ${m.cores} cores ${m.cpu}, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}`,
    `  ${m.ffmpeg}; ${m.openssl}`,
    `  load average (1 min) ${m.loadAverage.start} at start, ${m.loadAverage.end} at end — anything above ~0.5 is other work sharing the cores`,
    `  settings: x264 preset ${r.settings.preset}, CRF ${r.settings.crf}, maxrate ${r.settings.maxrate}/${r.settings.bufsize}, ≤${r.settings.maxFrameRate} fps`,
    '',
    'compression (quality against the source; time against plain ffmpeg with identical arguments)',
    `  ${'clip'.padEnd(17)} ${'source'.padStart(10)} ${'output'.padStart(10)} ${'bytes'.padStart(6)} ${'SSIM(Y)'.padStart(8)} ${'PSNR(Y)'.padStart(8)} ${'ours'.padStart(7)} ${'plain'.padStart(7)} ${'ffmpeg RSS'.padStart(10)}`,
    ...r.compress.clips.map(
      (c) =>
        `  ${c.name.padEnd(17)} ${`${fixed(c.sourceMbps, 1)} Mb/s`.padStart(10)} ${`${fixed(c.outputMbps, 1)} Mb/s`.padStart(10)} ${`${fixed(c.bytesRatio * 100, 0)} %`.padStart(6)} ${fixed(c.quality.ssimY, 4).padStart(8)} ${`${fixed(c.quality.psnrY, 1)} dB`.padStart(8)} ${`${fixed(c.oursSeconds, 2)} s`.padStart(7)} ${`${fixed(c.plainSeconds, 2)} s`.padStart(7)} ${`${fixed(c.ffmpegPeakRssMb, 0)} MB`.padStart(10)}`,
    ),
    `  overhead: wall ${fixed(r.compress.overheadRatio, 3)}× (median of ${r.compress.clips.length * r.compress.repeats} back-to-back pairs; best-of-${r.compress.repeats} sums ${fixed(r.compress.oursSeconds, 2)} s / ${fixed(r.compress.plainSeconds, 2)} s); CPU ${fixed(r.compress.cpuOverheadRatio, 3)}×`,
    '',
    `crypto (${Math.round(r.crypto.bytesPerRound / MB)} MB in memory per round, ${r.crypto.segmentSize / 1024} KiB segments, median of ${r.crypto.rounds} rounds, openssl run before each)`,
    `  encrypt ${fixed(r.crypto.encryptMBps, 0)} MB/s = ${fixed(r.crypto.encryptRatio, 2)}× openssl (${fixed(r.crypto.encryptCpuMBps, 0)} MB per CPU-second)`,
    `  decrypt ${fixed(r.crypto.decryptMBps, 0)} MB/s = ${fixed(r.crypto.decryptRatio, 2)}× openssl (${fixed(r.crypto.decryptCpuMBps, 0)} MB per CPU-second)`,
    `  openssl speed -elapsed -evp aes-256-gcm, 16 KB blocks: ${fixed(r.crypto.opensslMBps, 0)} MB/s`,
    '',
    `memory (peak RSS of a fresh Node process encrypting + decrypting a file)`,
    r.memory.error
      ? `  not measured: ${r.memory.error}`
      : `  ${r.memory.smallInputMb} MB input: ${fixed(r.memory.nodePeakRssSmallMb, 1)} MB; ${r.memory.largeInputMb} MB input: ${fixed(r.memory.nodePeakRssLargeMb, 1)} MB; growth ${fixed(r.memory.growthMb, 1)} MB`,
    `  ffmpeg's own peak RSS while compressing: ${fixed(r.memory.ffmpegPeakRssMb, 0)} MB (largest clip)`,
    '',
    'targets',
    ...r.targets.map((t) => `  ${verdict(t.met).padEnd(12)} ${t.name}`),
    `  ${r.targets.filter((t) => t.met === true).length}/${r.targets.length} met in ${fixed(r.elapsedSeconds, 0)} s`,
  ];
  return lines.join('\n');
}

/** The same figures as Markdown tables (what docs/BENCHMARKS.md holds). */
export function formatMediaBenchMarkdown(r: MediaBenchReport): string {
  const m = r.machine;
  return [
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB RAM, Node ${m.node} (${m.platform}); ${m.ffmpeg}; ${m.openssl}. Mode: ${r.mode}, ${fixed(r.elapsedSeconds, 0)} s; 1-minute load average ${m.loadAverage.start} at start, ${m.loadAverage.end} at end.`,
    '',
    `Compression settings: x264 preset ${r.settings.preset}, CRF ${r.settings.crf}, maxrate ${r.settings.maxrate}, bufsize ${r.settings.bufsize}, ≤${r.settings.maxFrameRate} fps.`,
    '',
    '| clip | source | output | bytes vs source | SSIM(Y) | SSIM(all) | PSNR(Y) | PSNR(avg) | ours (wall / CPU) | plain ffmpeg (wall / CPU) | ffmpeg peak RSS |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.compress.clips.map(
      (c) =>
        `| ${c.name} | ${fixed(c.sourceMbps, 1)} Mb/s | ${fixed(c.outputMbps, 1)} Mb/s | ${fixed(c.bytesRatio * 100, 0)} % | ${fixed(c.quality.ssimY, 4)} | ${fixed(c.quality.ssimAll, 4)} | ${fixed(c.quality.psnrY, 1)} dB | ${fixed(c.quality.psnrAverage, 1)} dB | ${fixed(c.oursSeconds, 2)} s / ${fixed(c.oursCpuSeconds, 2)} s | ${fixed(c.plainSeconds, 2)} s / ${fixed(c.plainCpuSeconds, 2)} s | ${fixed(c.ffmpegPeakRssMb, 0)} MB |`,
    ),
    '',
    '| measure | value | target | verdict |',
    '|---|---|---|---|',
    `| compress overhead, wall time (ours / plain ffmpeg, same arguments; median of ${r.compress.clips.length * r.compress.repeats} back-to-back pairs) | ${fixed(r.compress.overheadRatio, 3)}× | ≤ ${TARGETS.compressOverheadMax}× | ${verdict(r.compress.met)} |`,
    `| compress overhead, CPU time (ffmpeg + ffprobe + Node / ffmpeg) | ${fixed(r.compress.cpuOverheadRatio, 3)}× | (reference) | |`,
    `| encrypt throughput, wall-clock (per CPU-second in brackets) | ${fixed(r.crypto.encryptMBps, 0)} MB/s = ${fixed(r.crypto.encryptRatio, 2)}× openssl (${fixed(r.crypto.encryptCpuMBps, 0)} MB/s) | ≥ ${TARGETS.cryptoRatioMin}× | ${verdict(r.crypto.encryptRatio === null ? null : r.crypto.encryptRatio >= TARGETS.cryptoRatioMin)} |`,
    `| decrypt throughput, wall-clock (per CPU-second in brackets) | ${fixed(r.crypto.decryptMBps, 0)} MB/s = ${fixed(r.crypto.decryptRatio, 2)}× openssl (${fixed(r.crypto.decryptCpuMBps, 0)} MB/s) | ≥ ${TARGETS.cryptoRatioMin}× | ${verdict(r.crypto.decryptRatio === null ? null : r.crypto.decryptRatio >= TARGETS.cryptoRatioMin)} |`,
    `| openssl speed -elapsed -evp aes-256-gcm, 16 KB blocks | ${fixed(r.crypto.opensslMBps, 0)} MB/s | (reference) | |`,
    `| Node peak RSS, ${r.memory.smallInputMb} MB → ${r.memory.largeInputMb} MB input | ${fixed(r.memory.nodePeakRssSmallMb, 1)} → ${fixed(r.memory.nodePeakRssLargeMb, 1)} MB (growth ${fixed(r.memory.growthMb, 1)} MB) | growth ≤ ${TARGETS.rssGrowthMaxMb} MB | ${verdict(r.memory.met)} |`,
    `| ffmpeg peak RSS while compressing (largest clip) | ${fixed(r.memory.ffmpegPeakRssMb, 0)} MB | (reference) | |`,
  ].join('\n');
}
