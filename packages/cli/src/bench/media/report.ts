/**
 * What `d2v bench media` reports and the targets it judges against: the report's shape (machine, settings, and
 * one section per stage) and the TARGETS table. The stages fill it in and the formatters print it; keeping the
 * shape in its own module lets both depend on it without depending on each other.
 */
import type { CompressSettings } from '@d2v/media';

export const TARGETS = {
  /** our compress wall time / plain ffmpeg wall time */
  compressOverheadMax: 1.1,
  ssimYMin: 0.97,
  psnrYMin: 38,
  /** output bytes / source bytes */
  bytesRatioMax: 0.5,
  /** our GCM throughput / openssl speed at 16 KB blocks */
  cryptoRatioMin: 0.35,
  /** peak RSS growth from a 10 MB to a 100 MB input */
  rssGrowthMaxMb: 64,
} as const;

export interface QualityScores {
  ssimY: number;
  ssimAll: number;
  psnrY: number;
  psnrAverage: number;
}

export interface ClipResult {
  name: string;
  width: number;
  height: number;
  seconds: number;
  sourceBytes: number;
  sourceMbps: number;
  outputBytes: number;
  outputMbps: number;
  bytesRatio: number;
  quality: QualityScores;
  /** ours / plain wall time of each back-to-back pair of runs. */
  wallRatios: number[];
  /** Best wall time over the repeats. */
  oursSeconds: number;
  plainSeconds: number;
  /** Best CPU time over the repeats (ffmpeg + ffprobe + our own process for ours; ffmpeg for plain). */
  oursCpuSeconds: number | null;
  plainCpuSeconds: number | null;
  ffmpegPeakRssMb: number | null;
  met: { ssim: boolean; psnr: boolean; bytes: boolean };
}

export interface MediaBenchReport {
  mode: 'quick' | 'full' | 'custom';
  machine: {
    cores: number;
    cpu: string;
    node: string;
    platform: string;
    memoryGb: number;
    ffmpeg: string;
    openssl: string;
    /** 1-minute load average when the run started and ended: other work on the same cores shows up here. */
    loadAverage: { start: number; end: number };
  };
  settings: CompressSettings;
  compress: {
    repeats: number;
    clips: ClipResult[];
    oursSeconds: number;
    plainSeconds: number;
    /** Wall time, ours / plain: median over every back-to-back pair of runs (all clips, all repeats). */
    overheadRatio: number;
    /** CPU time, ours / plain: the same comparison, insensitive to other load on the machine. */
    cpuOverheadRatio: number | null;
    met: boolean;
  };
  crypto: {
    bytesPerRound: number;
    rounds: number;
    segmentSize: number;
    /** Medians, per wall-clock second; the ratios use these. */
    encryptMBps: number;
    decryptMBps: number;
    /** Medians, per CPU-second of the whole process (GC threads included). */
    encryptCpuMBps: number;
    decryptCpuMBps: number;
    /** openssl speed -elapsed, 16 KB blocks (median of the rounds). */
    opensslMBps: number | null;
    /** Medians of each round's ours / openssl (openssl run right before that round). */
    encryptRatio: number | null;
    decryptRatio: number | null;
    met: boolean | null;
  };
  memory: {
    smallInputMb: number;
    largeInputMb: number;
    nodePeakRssSmallMb: number | null;
    nodePeakRssLargeMb: number | null;
    growthMb: number | null;
    ffmpegPeakRssMb: number | null;
    met: boolean | null;
    error?: string;
  };
  targets: Array<{ name: string; met: boolean | null }>;
  elapsedSeconds: number;
}
