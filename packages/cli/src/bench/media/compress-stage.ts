/**
 * The compression stage of `d2v bench media`: for each corpus clip, our `compress()` against plain ffmpeg spawned
 * with the identical argument list (wall and CPU time, back-to-back pairs in alternating order), ffmpeg's peak
 * RSS, and the output's quality — SSIM(Y) and PSNR against the source — and size. One module because the timing
 * and the quality of a clip come from the same renders and share its temporary files.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCompressArgs, compress, ffmpegInvocation, ffmpegPath, probeDetailed, runFfmpeg, type CompressSettings } from '@d2v/media';
import { renderClip, type CorpusClip } from './corpus';
import { median, timed, type RunTiming } from './measure';
import { TARGETS, type ClipResult, type MediaBenchReport, type QualityScores } from './report';

/** Runs ffmpeg exactly as runFfmpeg would, sampling its peak RSS (VmHWM) from /proc while it runs. */
async function runPlainFfmpeg(args: string[]): Promise<{ seconds: number; peakRssMb: number | null }> {
  const fullArgs = ffmpegInvocation(args);
  const started = performance.now();
  const child = spawn(ffmpegPath(), fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let peakKb: number | null = null;
  const statusFile = `/proc/${child.pid}/status`;
  const sample = (): void => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(statusFile, 'utf8'));
      if (match) peakKb = Math.max(peakKb ?? 0, Number(match[1]));
    } catch {
      // not Linux, or the process has just exited
    }
  };
  const timer = setInterval(sample, 25);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`plain ffmpeg failed (${code}): ${stderr.trim().split('\n').pop()}`);
  return { seconds: (performance.now() - started) / 1000, peakRssMb: peakKb === null ? null : peakKb / 1024 };
}

/** SSIM and PSNR of `distorted` against `reference` with ffmpeg's filters (scaled back to the reference size). */
export async function measureQuality(distorted: string, reference: string, size: { width: number; height: number }): Promise<QualityScores> {
  const graph =
    `[0:v]scale=${size.width}:${size.height}:flags=bicubic,setpts=PTS-STARTPTS,split[d1][d2];` +
    `[1:v]setpts=PTS-STARTPTS,split[r1][r2];[d1][r1]ssim;[d2][r2]psnr`;
  const { stderr } = await runFfmpeg(['-v', 'info', '-i', distorted, '-i', reference, '-lavfi', graph, '-f', 'null', '-']);
  const ssim = /SSIM Y:([\d.]+).*All:([\d.]+)/.exec(stderr);
  const psnr = /PSNR y:([\d.]+|inf).*average:([\d.]+|inf)/.exec(stderr);
  if (!ssim || !psnr) throw new Error('ffmpeg did not report SSIM/PSNR');
  const num = (s: string): number => (s === 'inf' ? Infinity : Number(s));
  return { ssimY: num(ssim[1]!), ssimAll: num(ssim[2]!), psnrY: num(psnr[1]!), psnrAverage: num(psnr[2]!) };
}

export interface CompressStageOptions {
  corpus: CorpusClip[];
  settings: CompressSettings;
  /** Runs of each side per clip. */
  repeats: number;
  /** Scratch directory for the clips (the caller removes it). */
  work: string;
  log: (line: string) => void;
}

/** Renders, compresses (ours and plain, `repeats` times each) and scores every clip of the corpus. */
export async function measureCompression(opts: CompressStageOptions): Promise<MediaBenchReport['compress']> {
  const { corpus, settings, repeats, work, log } = opts;
  const clips: ClipResult[] = [];
  for (const [index, clip] of corpus.entries()) {
    const source = join(work, `source-${index}.mp4`);
    log(`rendering ${clip.name} source (${clip.width}×${clip.height}, ${clip.seconds} s, ${clip.bitrate}b/s)…`);
    await renderClip(clip, source);
    const probed = await probeDetailed(source);
    const ours = join(work, `ours-${index}.mp4`);
    const plain = join(work, `plain-${index}.mp4`);
    const plainArgs = buildCompressArgs(source, plain, probed, settings);

    log(`compressing ${clip.name} (preset ${settings.preset}, CRF ${settings.crf}) ×${repeats}…`);
    const oursRuns: RunTiming[] = [];
    const plainRuns: RunTiming[] = [];
    let ffmpegPeakRssMb: number | null = null;
    const runOurs = async (): Promise<void> => {
      oursRuns.push(await timed(async () => void (await compress(source, ours, settings)), true));
    };
    const runPlain = async (): Promise<void> => {
      plainRuns.push(
        await timed(async () => {
          const { peakRssMb } = await runPlainFfmpeg(plainArgs);
          if (peakRssMb !== null) ffmpegPeakRssMb = Math.max(ffmpegPeakRssMb ?? 0, peakRssMb);
        }, false),
      );
    };
    // Alternate the order so that neither side always runs second (warm page cache, turbo state); keep the
    // best of each side, the run least disturbed by anything else on the machine.
    for (let round = 0; round < repeats; round++) {
      if ((index + round) % 2 === 0) {
        await runOurs();
        await runPlain();
      } else {
        await runPlain();
        await runOurs();
      }
    }
    const best = (runs: RunTiming[], key: keyof RunTiming): number | null => {
      const values = runs.map((r) => r[key]).filter((v): v is number => v !== null);
      return values.length === runs.length ? Math.min(...values) : null;
    };

    log(`measuring ${clip.name} quality…`);
    const output = await probeDetailed(ours);
    const quality = await measureQuality(ours, source, { width: probed.probe.width, height: probed.probe.height });
    const seconds = probed.probe.durationMs / 1000;
    const bytesRatio = output.probe.bytes / probed.probe.bytes;
    clips.push({
      name: clip.name,
      width: output.probe.width,
      height: output.probe.height,
      seconds,
      sourceBytes: probed.probe.bytes,
      sourceMbps: (probed.probe.bytes * 8) / seconds / 1e6,
      outputBytes: output.probe.bytes,
      outputMbps: (output.probe.bytes * 8) / seconds / 1e6,
      bytesRatio,
      quality,
      // Runs i of each side were back to back, so they saw nearly the same load: their ratio is the fair one.
      wallRatios: oursRuns.map((run, i) => run.wallSeconds / plainRuns[i]!.wallSeconds),
      oursSeconds: best(oursRuns, 'wallSeconds')!,
      plainSeconds: best(plainRuns, 'wallSeconds')!,
      oursCpuSeconds: best(oursRuns, 'cpuSeconds'),
      plainCpuSeconds: best(plainRuns, 'cpuSeconds'),
      ffmpegPeakRssMb,
      met: { ssim: quality.ssimY >= TARGETS.ssimYMin, psnr: quality.psnrY >= TARGETS.psnrYMin, bytes: bytesRatio <= TARGETS.bytesRatioMax },
    });
    await Promise.all([rm(source), rm(ours), rm(plain, { force: true })]);
  }
  const oursTotal = clips.reduce((sum, c) => sum + c.oursSeconds, 0);
  const plainTotal = clips.reduce((sum, c) => sum + c.plainSeconds, 0);
  // The median of back-to-back pairs: robust to load that comes and goes (the sums above are not).
  const overheadRatio = median(clips.flatMap((c) => c.wallRatios));
  const cpuKnown = clips.every((c) => c.oursCpuSeconds !== null && c.plainCpuSeconds !== null);
  const cpuOverheadRatio = cpuKnown
    ? clips.reduce((sum, c) => sum + c.oursCpuSeconds!, 0) / clips.reduce((sum, c) => sum + c.plainCpuSeconds!, 0)
    : null;
  const met = overheadRatio <= TARGETS.compressOverheadMax;
  return { repeats, clips, oursSeconds: oursTotal, plainSeconds: plainTotal, overheadRatio, cpuOverheadRatio, met };
}
