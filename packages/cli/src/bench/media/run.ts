/**
 * One run of `d2v bench media`: describes the machine, runs the stages in order — compression and quality, crypto
 * throughput, memory — in one scratch directory, and judges the figures against TARGETS. The stages live in their
 * own modules; this one only sequences them and assembles the report, so adding a stage is one call and one
 * section here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ffmpegPath, mediaConfigFromEnv, type CompressSettings } from '@d2v/media';
import { measureCompression } from './compress-stage';
import { FULL_CORPUS, QUICK_CORPUS, type CorpusClip } from './corpus';
import { measureCrypto } from './crypto-stage';
import { measureMemory } from './memory-stage';
import { MB, round2 } from './measure';
import { TARGETS, type MediaBenchReport } from './report';

export interface MediaBenchOptions {
  quick?: boolean;
  /** Overrides the corpus (tests use tiny clips). */
  corpus?: CorpusClip[];
  /** Runs of each side per clip for the overhead ratio (default 3, 1 with quick). */
  repeats?: number;
  /** Bytes encrypted (and decrypted) per crypto round. */
  cryptoBytes?: number;
  cryptoRounds?: number;
  rssInputsMb?: [small: number, large: number];
  opensslSeconds?: number;
  /** Compression settings; default: MEDIA_* environment, else the defaults. */
  settings?: CompressSettings;
  /** Progress lines for people (stderr). */
  log?: (line: string) => void;
}

function versionLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? (result.stdout.split('\n')[0] ?? '').trim() : 'unavailable';
}

export async function runMediaBenchmark(opts: MediaBenchOptions = {}): Promise<MediaBenchReport> {
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const mode = opts.corpus ? 'custom' : opts.quick ? 'quick' : 'full';
  const corpus = opts.corpus ?? (opts.quick ? QUICK_CORPUS : FULL_CORPUS);
  const config = mediaConfigFromEnv(process.env);
  const settings = opts.settings ?? config.compress;
  const repeats = opts.repeats ?? (opts.quick || opts.corpus ? 1 : 3);
  const work = await mkdtemp(join(tmpdir(), 'd2v-bench-media-'));
  try {
    const cpuList = cpus();
    const machine = {
      cores: cpuList.length,
      cpu: cpuList[0]?.model.trim() ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
      ffmpeg: versionLine(ffmpegPath(), ['-version']).replace(/ Copyright.*/, ''),
      openssl: versionLine('openssl', ['version']),
      loadAverage: { start: round2(loadavg()[0] ?? 0), end: 0 },
    };

    // Compression: ours vs plain, quality vs source.
    const compressed = await measureCompression({ corpus, settings, repeats, work, log });
    const { clips } = compressed;

    // Crypto throughput.
    const cryptoRounds = opts.cryptoRounds ?? (opts.quick || opts.corpus ? 3 : 5);
    const bytesPerRound = opts.cryptoBytes ?? 1024 * MB;
    log(`encrypting and decrypting ${Math.round(bytesPerRound / MB)} MB in memory ×${cryptoRounds}, each after openssl speed…`);
    const crypto = await measureCrypto({
      bytesPerRound,
      segmentSize: config.segmentSize,
      rounds: cryptoRounds,
      opensslSeconds: opts.opensslSeconds ?? 1,
    });
    const { encryptRatio, decryptRatio } = crypto;

    // Memory.
    const [smallMb, largeMb] = opts.rssInputsMb ?? [10, 100];
    const ffmpegPeakRssMb = clips.reduce<number | null>((max, c) => (c.ffmpegPeakRssMb === null ? max : Math.max(max ?? 0, c.ffmpegPeakRssMb)), null);
    const memory = await measureMemory({ smallMb, largeMb, work, ffmpegPeakRssMb, log });

    const cryptoMet = encryptRatio === null || decryptRatio === null ? null : Math.min(encryptRatio, decryptRatio) >= TARGETS.cryptoRatioMin;
    const targets: MediaBenchReport['targets'] = [
      { name: `compress overhead ≤ ${TARGETS.compressOverheadMax}× plain ffmpeg`, met: compressed.met },
      ...clips.flatMap((c) => [
        { name: `${c.name}: SSIM(Y) ≥ ${TARGETS.ssimYMin}`, met: c.met.ssim },
        { name: `${c.name}: PSNR(Y) ≥ ${TARGETS.psnrYMin} dB`, met: c.met.psnr },
        { name: `${c.name}: bytes ≤ ${TARGETS.bytesRatioMax * 100} % of source`, met: c.met.bytes },
      ]),
      { name: `encrypt and decrypt ≥ ${TARGETS.cryptoRatioMin}× openssl speed (16 KB blocks, both wall-clock)`, met: cryptoMet },
      { name: `peak RSS growth 10→100 MB input ≤ ${TARGETS.rssGrowthMaxMb} MB`, met: memory.met },
    ];
    machine.loadAverage.end = round2(loadavg()[0] ?? 0);
    return {
      mode,
      machine,
      settings,
      compress: compressed,
      crypto: {
        bytesPerRound,
        rounds: cryptoRounds,
        segmentSize: config.segmentSize,
        encryptMBps: crypto.encryptPerWall / 1e6,
        decryptMBps: crypto.decryptPerWall / 1e6,
        encryptCpuMBps: crypto.encryptPerCpu / 1e6,
        decryptCpuMBps: crypto.decryptPerCpu / 1e6,
        opensslMBps: crypto.openssl === null ? null : crypto.openssl / 1e6,
        encryptRatio,
        decryptRatio,
        met: cryptoMet,
      },
      memory,
      targets,
      elapsedSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
