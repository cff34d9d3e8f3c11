/**
 * `d2v bench media [--json] [--quick] [--markdown]`: how the media code performs, as ratios measured in one run on
 * this machine (so the numbers compare across machines):
 *
 *   - compress overhead: our `compress()` against plain ffmpeg spawned with the identical argument list;
 *   - quality: SSIM(Y) and PSNR against the source, and output bytes against source bytes, on a generated corpus
 *     resembling Luma output (1080p and 720p, landscape and portrait, 10–20 Mb/s, motion, texture, gradients, text);
 *   - crypto throughput (in-memory source and sink) against `openssl speed -evp aes-256-gcm` at 16 KB blocks;
 *   - memory: the Node process's peak RSS encrypting+decrypting a 100 MB vs a 10 MB file (each in a fresh child),
 *     with ffmpeg's own peak RSS while compressing beside it.
 *
 * Targets are reported as met / not met; timing never makes the command fail.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import {
  Keyring,
  buildCompressArgs,
  compress,
  createDecryptStream,
  createEncryptStream,
  ffmpegInvocation,
  ffmpegPath,
  generateKek,
  mediaConfigFromEnv,
  probeDetailed,
  runFfmpeg,
  type CompressSettings,
} from '@d2v/media';

// ---------------------------------------------------------------------------------------------------------------
// Targets

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

// ---------------------------------------------------------------------------------------------------------------
// Corpus

export interface CorpusClip {
  name: string;
  width: number;
  height: number;
  seconds: number;
  fps: number;
  /** Source bit rate, ffmpeg syntax. Luma's MP4s are roughly 10–20 Mb/s. */
  bitrate: string;
}

export const FULL_CORPUS: CorpusClip[] = [
  { name: '1080p landscape', width: 1920, height: 1080, seconds: 5, fps: 24, bitrate: '16M' },
  { name: '1080p portrait', width: 1080, height: 1920, seconds: 5, fps: 24, bitrate: '16M' },
  { name: '720p landscape', width: 1280, height: 720, seconds: 5, fps: 24, bitrate: '10M' },
  { name: '720p portrait', width: 720, height: 1280, seconds: 5, fps: 24, bitrate: '10M' },
];

export const QUICK_CORPUS: CorpusClip[] = [
  { name: '720p landscape', width: 1280, height: 720, seconds: 2, fps: 24, bitrate: '10M' },
  { name: '720p portrait', width: 720, height: 1280, seconds: 2, fps: 24, bitrate: '10M' },
];

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/Library/Fonts/Arial.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
];

/**
 * A filter graph that looks like generated footage: a slowly moving colour gradient, a zooming fractal (fine
 * texture, soft and hard edges), a moving test card with small digits, a ticking caption, and faint grain.
 * Everything but the final overlay is rendered below full size and scaled up, which keeps generation quick.
 */
export function corpusFilterGraph(clip: CorpusClip): string {
  const { width: w, height: h, fps, seconds } = clip;
  const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);
  const font = FONT_CANDIDATES.find((file) => existsSync(file));
  const caption = font
    ? `,drawtext=fontfile=${font}:text='draft2video %{pts\\:hms}':fontsize=${even(Math.min(w, h) / 14)}:fontcolor=white:x='W-tw-40-t*60':y=H-th-40:box=1:boxcolor=black@0.4`
    : '';
  return [
    `nullsrc=s=96x54:r=${fps}:d=${seconds},geq=r='128+100*sin(X/15+T)':g='128+100*sin(Y/9-T*0.7)':b='128+90*cos((X+Y)/20+T*0.5)',scale=${w}x${h}:flags=bicubic,setsar=1,format=yuv420p[bg]`,
    `mandelbrot=s=${even(w / 2)}x${even(h / 2)}:r=${fps}:maxiter=96:end_scale=0.02:end_pts=400,scale=${w}x${h},setsar=1,format=yuva420p,colorchannelmixer=aa=0.55[tex]`,
    `testsrc2=s=${even(w / 3)}x${even(h / 3)}:r=${fps}[card]`,
    `[bg][tex]overlay=shortest=1[base]`,
    `[base][card]overlay=x='mod(t*180,W-w)':y='(H-h)/2+100*sin(t*2)':shortest=1${caption},noise=alls=3:allf=t,setsar=1`,
  ].join(';');
}

async function renderClip(clip: CorpusClip, file: string): Promise<void> {
  const rate = parseFloat(clip.bitrate);
  const unit = clip.bitrate.replace(/^[\d.]+/, '');
  await runFfmpeg([
    '-filter_complex', corpusFilterGraph(clip),
    '-t', String(clip.seconds),
    '-r', String(clip.fps),
    '-c:v', 'libx264', '-preset', 'veryfast',
    '-b:v', clip.bitrate, '-maxrate', `${Math.round(rate * 1.2)}${unit}`, '-bufsize', `${Math.round(rate * 2)}${unit}`,
    '-pix_fmt', 'yuv420p',
    file,
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

/**
 * CPU seconds of this process's exited children (cutime + cstime in /proc/self/stat; libuv reaps every child).
 * CPU time is what a busy 2-core machine distorts least, so it is reported next to wall time. Null off Linux.
 */
function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
    const ticksPerSecond = 100; // USER_HZ on every Linux architecture Node supports
    return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
  } catch {
    return null;
  }
}

interface RunTiming {
  wallSeconds: number;
  /** ffmpeg/ffprobe CPU (+ this process's own CPU for our compress); null where it cannot be read. */
  cpuSeconds: number | null;
}

/** Times `run`, counting CPU of children it waited for and, if `includeSelf`, of this process. */
async function timed(run: () => Promise<void>, includeSelf: boolean): Promise<RunTiming> {
  const childrenBefore = childrenCpuSeconds();
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  const wallSeconds = (performance.now() - started) / 1000;
  const self = process.cpuUsage(selfBefore);
  const childrenAfter = childrenCpuSeconds();
  const cpuSeconds =
    childrenBefore === null || childrenAfter === null
      ? null
      : childrenAfter - childrenBefore + (includeSelf ? (self.user + self.system) / 1e6 : 0);
  return { wallSeconds, cpuSeconds };
}

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

export interface QualityScores {
  ssimY: number;
  ssimAll: number;
  psnrY: number;
  psnrAverage: number;
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

/**
 * openssl's AES-256-GCM figure for 16 KB blocks, in bytes per second (null when openssl is unavailable).
 * `elapsed` divides by wall-clock time (openssl's -elapsed) instead of its default, user CPU time.
 */
export function opensslGcmBytesPerSecond(seconds: number, opts: { elapsed?: boolean } = {}): number | null {
  const run = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8', timeout: (seconds * 8 + 30) * 1000 });
  const elapsed = opts.elapsed ? ['-elapsed'] : [];
  let result = run(['speed', ...elapsed, '-evp', 'aes-256-gcm', '-bytes', '16384', '-seconds', String(seconds)]);
  if (result.status !== 0) result = run(['speed', ...elapsed, '-evp', 'aes-256-gcm', '-seconds', String(seconds)]);
  if (result.status !== 0 || typeof result.stdout !== 'string') return null;
  const lines = result.stdout.split('\n');
  const header = lines.find((line) => line.startsWith('type'));
  const row = lines.find((line) => /^aes-256-gcm\s/i.test(line));
  if (!header || !row) return null;
  // Columns after the name are per block size ("16384 bytes"); figures are in 1000s of bytes per second.
  const sizes = [...header.matchAll(/(\d+) bytes/g)].map((m) => Number(m[1]));
  const figures = [...row.matchAll(/([\d.]+)k/g)].map((m) => Number(m[1]));
  const column = sizes.indexOf(16384);
  const figure = figures[column];
  return column >= 0 && figure !== undefined ? figure * 1000 : null;
}

export interface CryptoRound {
  /** openssl speed, 16 KB blocks, bytes per wall-clock second (-elapsed); null if openssl is unavailable. */
  openssl: number | null;
  /** Ours, bytes per wall-clock second: what the ratios use. */
  encryptPerWall: number;
  decryptPerWall: number;
  /** Ours, bytes per second of this process's CPU time (user + system, GC helper threads included). */
  encryptPerCpu: number;
  decryptPerCpu: number;
}

export interface CryptoMeasurement {
  rounds: CryptoRound[];
  /** Medians over the rounds; ratios are medians of each round's ours / openssl. */
  encryptPerWall: number;
  decryptPerWall: number;
  encryptPerCpu: number;
  decryptPerCpu: number;
  openssl: number | null;
  encryptRatio: number | null;
  decryptRatio: number | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Encrypt and decrypt throughput with an in-memory source and sink, against `openssl speed -elapsed -evp
 * aes-256-gcm` run right before each round: both sides of every ratio are wall-clock throughput measured on the
 * same machine at nearly the same moment, which keeps the ratio meaningful when other work shares the cores.
 * Per-CPU-second figures are kept beside them (they include V8's parallel GC threads, so they run lower than
 * wall-clock on an idle second core).
 *
 * The timed encrypt writes into a discarding sink (retaining its output would time allocation and GC, not AES).
 * The decrypt replays one ciphertext of at most 4 MB through fresh decryptors: holding more ciphertext makes V8
 * collect garbage more often than a real upload or download ever does (32 MB held already costs a quarter of
 * the encrypt throughput on this machine), and that is not what this measures.
 */
export async function measureCrypto(opts: { bytesPerRound: number; segmentSize: number; rounds: number; opensslSeconds: number }): Promise<CryptoMeasurement> {
  const { bytesPerRound, segmentSize, rounds: roundCount, opensslSeconds } = opts;
  const keyring = new Keyring(generateKek('bench'));
  const pool = randomBytes(16 * 1024 * 1024);
  const chunkSize = 64 * 1024;
  function* plaintext(bytes: number): Generator<Buffer> {
    for (let at = 0; at < bytes; at += chunkSize) {
      const offset = at % pool.length;
      yield pool.subarray(offset, offset + Math.min(chunkSize, bytes - at));
    }
  }
  const discard = () => new Writable({ highWaterMark: 1024 * 1024, write(_chunk: Buffer, _e, cb) { cb(); } });
  const measure = async (run: () => Promise<void>): Promise<{ wall: number; cpu: number }> => {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await run();
    const cpu = process.cpuUsage(cpuBefore);
    return { wall: (performance.now() - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };

  const sampleBytes = Math.min(bytesPerRound, 4 * 1024 * 1024);
  const replays = Math.ceil(bytesPerRound / sampleBytes);
  const decryptedBytes = replays * sampleBytes;
  const ciphertext: Buffer[] = [];
  const maker = createEncryptStream(keyring, { segmentSize });
  await pipeline(Readable.from(plaintext(sampleBytes)), maker.stream, new Writable({ write(chunk: Buffer, _e, cb) { ciphertext.push(chunk); cb(); } }));
  // Warm-up: JIT and OpenSSL initialisation are not what we want to time.
  await pipeline(Readable.from(plaintext(sampleBytes)), createEncryptStream(keyring, { segmentSize }).stream, discard());

  const rounds: CryptoRound[] = [];
  for (let round = 0; round < roundCount; round++) {
    const openssl = opensslGcmBytesPerSecond(opensslSeconds, { elapsed: true });
    const encrypted = await measure(async () => {
      await pipeline(Readable.from(plaintext(bytesPerRound)), createEncryptStream(keyring, { segmentSize }).stream, discard());
    });
    const decrypted = await measure(async () => {
      for (let replay = 0; replay < replays; replay++) await pipeline(Readable.from(ciphertext), createDecryptStream(keyring), discard());
    });
    rounds.push({
      openssl,
      encryptPerCpu: bytesPerRound / encrypted.cpu,
      decryptPerCpu: decryptedBytes / decrypted.cpu,
      encryptPerWall: bytesPerRound / encrypted.wall,
      decryptPerWall: decryptedBytes / decrypted.wall,
    });
  }
  ciphertext.length = 0;
  const withOpenssl = rounds.filter((r): r is CryptoRound & { openssl: number } => r.openssl !== null);
  return {
    rounds,
    encryptPerCpu: median(rounds.map((r) => r.encryptPerCpu)),
    decryptPerCpu: median(rounds.map((r) => r.decryptPerCpu)),
    encryptPerWall: median(rounds.map((r) => r.encryptPerWall)),
    decryptPerWall: median(rounds.map((r) => r.decryptPerWall)),
    openssl: withOpenssl.length ? median(withOpenssl.map((r) => r.openssl)) : null,
    encryptRatio: withOpenssl.length ? median(withOpenssl.map((r) => r.encryptPerWall / r.openssl)) : null,
    decryptRatio: withOpenssl.length ? median(withOpenssl.map((r) => r.decryptPerWall / r.openssl)) : null,
  };
}

/** The script each RSS child runs: encrypt a file to a file, decrypt it back, report peak RSS. */
const RSS_CHILD_SCRIPT = `
const [entry, input, work] = process.argv.slice(1);
const media = require(entry);
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
(async () => {
  const keyring = new media.Keyring(media.generateKek('bench'));
  const enc = path.join(work, 'rss.enc');
  const dec = path.join(work, 'rss.dec');
  const encryptor = media.createEncryptStream(keyring);
  await pipeline(fs.createReadStream(input), encryptor.stream, fs.createWriteStream(enc));
  await encryptor.result;
  await pipeline(fs.createReadStream(enc), media.createDecryptStream(keyring), fs.createWriteStream(dec));
  if (fs.statSync(dec).size !== fs.statSync(input).size) throw new Error('round trip size mismatch');
  fs.rmSync(enc); fs.rmSync(dec);
  // VmHWM belongs to this address space; ru_maxrss (resourceUsage().maxRSS) survives exec on Linux and would
  // report the parent's peak instead.
  let peakKb = process.resourceUsage().maxRSS;
  try { peakKb = Number(/VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); } catch {}
  process.stdout.write(JSON.stringify({ maxRssKb: peakKb }));
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

/** The compiled @d2v/media entry point (a child process cannot load the TypeScript sources). */
function compiledMediaEntry(): string {
  const packageJson = require.resolve('@d2v/media/package.json');
  const main = (JSON.parse(readFileSync(packageJson, 'utf8')) as { main?: string }).main ?? 'dist/index.js';
  const entry = join(dirname(packageJson), main);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build @d2v/media first (npm run build)`);
  return entry;
}

async function writeRandomFile(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    const block = randomBytes(1024 * 1024);
    for (let written = 0; written < bytes; written += block.length) {
      await handle.write(block, 0, Math.min(block.length, bytes - written));
      block.writeUInt32LE(written, 0); // not all blocks identical
    }
  } finally {
    await handle.close();
  }
}

async function childPeakRssMb(entry: string, input: string, work: string): Promise<number> {
  const child = spawn(process.execPath, ['-e', RSS_CHILD_SCRIPT, entry, input, work], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`RSS child failed: ${err.trim().split('\n')[0]}`);
  return (JSON.parse(out) as { maxRssKb: number }).maxRssKb / 1024;
}

// ---------------------------------------------------------------------------------------------------------------
// The run

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

const MB = 1024 * 1024;
const round2 = (n: number): number => Math.round(n * 100) / 100;

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
    const memory: MediaBenchReport['memory'] = {
      smallInputMb: smallMb,
      largeInputMb: largeMb,
      nodePeakRssSmallMb: null,
      nodePeakRssLargeMb: null,
      growthMb: null,
      ffmpegPeakRssMb: clips.reduce<number | null>((max, c) => (c.ffmpegPeakRssMb === null ? max : Math.max(max ?? 0, c.ffmpegPeakRssMb)), null),
      met: null,
    };
    try {
      log(`measuring peak RSS on ${smallMb} MB and ${largeMb} MB inputs…`);
      const entry = compiledMediaEntry();
      const small = join(work, 'rss-small.bin');
      const large = join(work, 'rss-large.bin');
      await writeRandomFile(small, smallMb * MB);
      await writeRandomFile(large, largeMb * MB);
      memory.nodePeakRssSmallMb = await childPeakRssMb(entry, small, work);
      memory.nodePeakRssLargeMb = await childPeakRssMb(entry, large, work);
      memory.growthMb = memory.nodePeakRssLargeMb - memory.nodePeakRssSmallMb;
      memory.met = memory.growthMb <= TARGETS.rssGrowthMaxMb;
    } catch (err) {
      memory.error = (err as Error).message;
    }

    const compressMet = overheadRatio <= TARGETS.compressOverheadMax;
    const cryptoMet = encryptRatio === null || decryptRatio === null ? null : Math.min(encryptRatio, decryptRatio) >= TARGETS.cryptoRatioMin;
    const targets: MediaBenchReport['targets'] = [
      { name: `compress overhead ≤ ${TARGETS.compressOverheadMax}× plain ffmpeg`, met: compressMet },
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
      compress: { repeats, clips, oursSeconds: oursTotal, plainSeconds: plainTotal, overheadRatio, cpuOverheadRatio, met: compressMet },
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

// ---------------------------------------------------------------------------------------------------------------
// Output

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

export interface BenchMediaCliOptions {
  json?: boolean;
  quick?: boolean;
  markdown?: boolean;
}

/** Adds `bench media` (reusing a `bench` command another module may already have registered). */
export function registerBenchMediaCommand(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench').description('benchmarks that print ratios');
  bench
    .command('media')
    .description('compress overhead, quality (SSIM/PSNR), crypto throughput and memory of @d2v/media, as ratios')
    .option('--json', 'print the report as JSON on stdout')
    .option('--quick', 'two short 720p clips, one run each (about 20 seconds)')
    .option('--markdown', 'print Markdown tables (as in docs/BENCHMARKS.md)')
    .action(async (opts: BenchMediaCliOptions) => {
      try {
        const report = await runMediaBenchmark({ quick: opts.quick, log: (line) => process.stderr.write(`${line}\n`) });
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (opts.markdown) process.stdout.write(`${formatMediaBenchMarkdown(report)}\n`);
        else process.stdout.write(`${formatMediaBenchReport(report)}\n`);
      } catch (err) {
        // A benchmark that could not run is an error; a target not met is not.
        process.stderr.write(`d2v bench media: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
