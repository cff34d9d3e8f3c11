/**
 * A small typed wrapper around spawning ffmpeg / ffprobe (fluent-ffmpeg was archived upstream in 2025).
 * Arguments are arrays (no shell, no quoting bugs), progress comes from `-progress pipe:1`, and the tail of stderr
 * is kept so that a failure says what ffmpeg complained about.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ffmpegPath, ffprobePath } from './binaries';

/** How much of stderr survives: enough for ffmpeg's final complaint, bounded however chatty a run gets. */
const STDERR_KEEP_BYTES = 64 * 1024;
/** Lines of stderr quoted in an error message (the whole tail stays on `stderrTail`). */
const ERROR_MESSAGE_LINES = 6;

export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
  constructor(
    readonly program: 'ffmpeg' | 'ffprobe',
    /** null when the process could not start or was killed by a signal. */
    readonly exitCode: number | null,
    readonly exitSignal: NodeJS.Signals | null,
    readonly stderrTail: string,
    readonly args: readonly string[],
    detail?: string,
  ) {
    super(describeFailure(program, exitCode, exitSignal, stderrTail, detail));
  }

  /** The last few non-empty stderr lines, which is where ffmpeg puts the reason it stopped. */
  get lastLines(): string[] {
    return lastLines(this.stderrTail, ERROR_MESSAGE_LINES);
  }
}

function lastLines(text: string, count: number): string[] {
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .slice(-count);
}

function describeFailure(
  program: string,
  exitCode: number | null,
  exitSignal: NodeJS.Signals | null,
  stderrTail: string,
  detail?: string,
): string {
  const how = detail ?? (exitSignal ? `was killed by ${exitSignal}` : `exited with code ${exitCode}`);
  const lines = lastLines(stderrTail, ERROR_MESSAGE_LINES);
  return lines.length > 0 ? `${program} ${how}: ${lines.join(' | ')}` : `${program} ${how}`;
}

/** Keeps the last `limit` bytes written to it without ever growing past about twice that. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > 2 * this.limit) this.compact();
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks, this.size);
    const kept = all.subarray(Math.max(0, all.length - this.limit));
    this.chunks = [kept];
    this.size = kept.length;
  }

  toString(): string {
    this.compact();
    return this.chunks[0]?.toString('utf8') ?? '';
  }
}

export interface RunFfmpegOptions {
  /** Duration of the output being produced, so that progress can be reported as a 0–1 fraction. */
  durationMs?: number;
  /** Called with a non-decreasing fraction in [0, 1]; 1 once ffmpeg has finished successfully. */
  onProgress?: (fraction: number) => void;
  /** Aborting kills ffmpeg and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RunFfmpegResult {
  /** The last ~64 KB of stderr (filters such as ssim/psnr report their results there). */
  stderr: string;
}

/** Flags every run gets: no banner, never wait for a key press, overwrite outputs, machine-readable progress. */
const FFMPEG_COMMON_FLAGS = ['-hide_banner', '-nostdin', '-y', '-nostats', '-progress', 'pipe:1'];

function hasLogLevel(args: readonly string[]): boolean {
  return args.includes('-v') || args.includes('-loglevel');
}

/**
 * Runs ffmpeg with `args` (inputs, filters, outputs — not the common flags, which are added here). Outputs must be
 * files: stdout carries the progress report. Resolves with the stderr tail; rejects with FfmpegError on a
 * non-zero exit.
 */
/** The complete argument list `runFfmpeg(args)` passes to ffmpeg (the benchmark runs plain ffmpeg with it). */
export function ffmpegInvocation(args: readonly string[]): string[] {
  // Warnings are worth keeping for error reports; the info-level stream listing is not. A caller that needs
  // info-level output (e.g. the ssim filter's summary) passes its own -v.
  const logLevel = hasLogLevel(args) ? [] : ['-loglevel', 'warning'];
  return [...FFMPEG_COMMON_FLAGS, ...logLevel, ...args];
}

export function runFfmpeg(args: string[], opts: RunFfmpegOptions = {}): Promise<RunFfmpegResult> {
  const fullArgs = ffmpegInvocation(args);
  const { durationMs, onProgress, signal } = opts;

  return new Promise<RunFfmpegResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(ffmpegPath(), fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = new TailBuffer(STDERR_KEEP_BYTES);
    let lastFraction = 0;
    let pendingStdout = '';

    const report = (fraction: number): void => {
      if (!onProgress) return;
      const clamped = Math.min(1, Math.max(0, fraction));
      if (clamped <= lastFraction) return; // non-decreasing, and each value once
      lastFraction = clamped;
      onProgress(clamped);
    };

    // `-progress` prints blocks of key=value lines. out_time_us is microseconds; out_time_ms is, despite its
    // name, also microseconds in every ffmpeg release (older builds print only that one).
    const handleProgressLine = (line: string): void => {
      const eq = line.indexOf('=');
      if (eq < 0) return;
      const key = line.slice(0, eq);
      if ((key === 'out_time_us' || key === 'out_time_ms') && durationMs && durationMs > 0) {
        const micros = Number(line.slice(eq + 1));
        if (Number.isFinite(micros) && micros >= 0) report(micros / 1000 / durationMs);
      }
    };

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      pendingStdout += text;
      let newline: number;
      while ((newline = pendingStdout.indexOf('\n')) >= 0) {
        handleProgressLine(pendingStdout.slice(0, newline).trim());
        pendingStdout = pendingStdout.slice(newline + 1);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    settleOnExit(child, 'ffmpeg', fullArgs, stderr, signal, reject, () => {
      report(1);
      resolve({ stderr: stderr.toString() });
    });
  });
}

export interface RunFfprobeOptions {
  signal?: AbortSignal;
}

/** Runs ffprobe with `args` and resolves with its stdout; rejects with FfmpegError on a non-zero exit. */
export function runFfprobe(args: string[], opts: RunFfprobeOptions = {}): Promise<string> {
  const fullArgs = ['-hide_banner', ...args];
  const { signal } = opts;
  return new Promise<string>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(ffprobePath(), fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr = new TailBuffer(STDERR_KEEP_BYTES);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    settleOnExit(child, 'ffprobe', fullArgs, stderr, signal, reject, () => resolve(Buffer.concat(stdout).toString('utf8')));
  });
}

/**
 * Settles a spawned ffmpeg/ffprobe exactly once: success on exit 0 ('close', so all output has been read), an
 * FfmpegError with the stderr tail on a non-zero exit or a failed start, the signal's reason on abort (the child
 * is killed).
 */
/**
 * Children still running, killed when this process exits (a graceful stop exits with steps handed back: their
 * ffmpeg must not go on burning CPU for nobody). A SIGKILLed process cannot do this; its ffmpeg dies with the
 * machine or container, or runs to its end into a scratch file the next start clears.
 */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackUntilExit(child: ChildProcess): void {
  running.add(child);
  child.once('close', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

function settleOnExit(
  child: ChildProcess,
  program: 'ffmpeg' | 'ffprobe',
  fullArgs: string[],
  stderr: TailBuffer,
  signal: AbortSignal | undefined,
  reject: (reason: unknown) => void,
  onSuccess: () => void,
): void {
  trackUntilExit(child);
  let settled = false;
  const onAbort = (): void => {
    if (settled) return;
    settled = true;
    child.kill('SIGKILL');
    reject(signal?.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  child.on('error', (err) => {
    if (settled) return;
    settled = true;
    signal?.removeEventListener('abort', onAbort);
    reject(new FfmpegError(program, null, null, stderr.toString(), fullArgs, `could not be started (${err.message})`));
  });
  child.on('close', (code, exitSignal) => {
    signal?.removeEventListener('abort', onAbort);
    if (settled) return;
    settled = true;
    if (code === 0) onSuccess();
    else reject(new FfmpegError(program, code, exitSignal, stderr.toString(), fullArgs));
  });
}
