/**
 * `d2v media …`: the media tools on the command line — probe, validate, compress (with a progress bar), poster,
 * encrypt and decrypt (keyring from VIDEO_KEK / VIDEO_KEK_ID / VIDEO_KEKS_PREVIOUS). Results go to stdout as JSON;
 * progress and errors go to stderr. Bad input exits non-zero with one line saying why.
 *
 * Files are written under a temporary name and renamed into place when complete, so a failed run never leaves a
 * half-written output behind — for `decrypt` that matters most: unauthenticated plaintext must not survive.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  DecryptError,
  FfmpegError,
  KeyringError,
  MediaConfigError,
  MediaError,
  compress,
  createDecryptStream,
  createEncryptStream,
  keyringFromEnv,
  mediaConfigFromEnv,
  poster,
  probe,
  validate,
  type EncryptResult,
  type MediaProbe,
} from '@d2v/media';

/** Where a command writes: injectable so tests can capture output. */
export interface MediaCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

const defaultIo = (): MediaCliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

function printJson(io: MediaCliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line naming what went wrong, with the error code when there is one. */
export function describeCliError(err: unknown): string {
  if (err instanceof MediaError) return `${err.code}: ${err.message}`;
  if (err instanceof DecryptError) return `DECRYPT_FAILED (${err.reason}): ${err.message}`;
  if (err instanceof KeyringError || err instanceof MediaConfigError) return `CONFIG: ${err.message}`;
  if (err instanceof FfmpegError) return `FFMPEG: ${err.message}`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return `NOT_FOUND: ${(err as NodeJS.ErrnoException).path ?? 'file'} does not exist.`;
  if (code === 'EACCES') return `NO_ACCESS: ${(err as NodeJS.ErrnoException).path ?? 'file'} cannot be opened.`;
  return err instanceof Error ? err.message : String(err);
}

/** Runs a command body; on failure prints the one-line reason and sets a non-zero exit code. */
async function runCommand(name: string, io: MediaCliIo, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return 0;
  } catch (err) {
    io.stderr.write(`d2v media ${name}: ${describeCliError(err).replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

function tempBeside(output: string): string {
  return join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.part`);
}

/** Streams to a temp file, renames it to `output` on success, removes it on failure. */
async function writeAtomically(output: string, write: (temp: string) => Promise<void>): Promise<void> {
  const temp = tempBeside(output);
  try {
    await write(temp);
    await rename(temp, output);
  } finally {
    await rm(temp, { force: true });
  }
}

export function mediaProbe(file: string, io: MediaCliIo = defaultIo()): Promise<number> {
  return runCommand('probe', io, async () => printJson(io, await probe(file)));
}

export function mediaValidate(file: string, io: MediaCliIo = defaultIo()): Promise<number> {
  return runCommand('validate', io, async () => {
    const { limits } = mediaConfigFromEnv(io.env);
    printJson(io, await validate(file, limits));
  });
}

export interface CompressCliOptions {
  preset?: string;
  crf?: string;
  /** Skip validation against the MEDIA_* limits (compress anything ffmpeg can read). */
  validate?: boolean;
}

export function mediaCompress(input: string, output: string, opts: CompressCliOptions = {}, io: MediaCliIo = defaultIo()): Promise<number> {
  return runCommand('compress', io, async () => {
    const env = { ...io.env };
    if (opts.preset) env.MEDIA_X264_PRESET = opts.preset;
    if (opts.crf) env.MEDIA_CRF = opts.crf;
    const config = mediaConfigFromEnv(env);
    if (opts.validate !== false) await validate(input, config.limits);
    // cli-progress draws only on a terminal, so piping stderr to a file stays clean.
    const bar = new cliProgress.SingleBar(
      { stream: io.stderr as NodeJS.WriteStream, format: ' compressing {bar} {percentage}% | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(100, 0);
    let result: MediaProbe;
    try {
      result = await compress(input, output, config.compress, (fraction) => bar.update(Math.round(fraction * 100)));
    } finally {
      bar.stop();
    }
    printJson(io, result);
  });
}

export function mediaPoster(input: string, output: string, io: MediaCliIo = defaultIo()): Promise<number> {
  return runCommand('poster', io, async () => {
    await poster(input, output);
    printJson(io, await probe(output));
  });
}

/** Encrypts `input` into `output`; the header carries key id and wrapped key, so decrypting needs only the KEK. */
export function mediaEncrypt(input: string, output: string, io: MediaCliIo = defaultIo()): Promise<number> {
  return runCommand('encrypt', io, async () => {
    const keyring = keyringFromEnv(io.env);
    const { segmentSize } = mediaConfigFromEnv(io.env);
    let result!: EncryptResult;
    await writeAtomically(output, async (temp) => {
      const encryptor = createEncryptStream(keyring, { segmentSize });
      await pipeline(createReadStream(input), encryptor.stream, createWriteStream(temp));
      result = await encryptor.result;
    });
    printJson(io, result);
  });
}

export interface DecryptCliOptions {
  /** Optional cross-checks against what was recorded next to the file. */
  keyId?: string;
  wrappedKey?: string;
}

export function mediaDecrypt(input: string, output: string, opts: DecryptCliOptions = {}, io: MediaCliIo = defaultIo()): Promise<number> {
  return runCommand('decrypt', io, async () => {
    const keyring = keyringFromEnv(io.env);
    await writeAtomically(output, async (temp) => {
      const decryptor = createDecryptStream(keyring, { keyId: opts.keyId, wrappedKey: opts.wrappedKey });
      await pipeline(createReadStream(input), decryptor, createWriteStream(temp));
    });
    printJson(io, { output, plaintextBytes: (await stat(output)).size });
  });
}

function setExit(code: number): void {
  if (code !== 0) process.exitCode = code;
}

/** Adds `media probe|validate|compress|poster|encrypt|decrypt` to the program. */
export function registerMediaCommands(program: Command): void {
  const media = program.command('media').description('probe, validate, compress, encrypt and decrypt videos with the pipeline’s own media code');

  media
    .command('probe <file>')
    .description('print what ffprobe says about a file, as JSON')
    .action(async (file: string) => setExit(await mediaProbe(file)));

  media
    .command('validate <file>')
    .description('check a file against the MEDIA_* limits; print its probe or the error code and reason')
    .action(async (file: string) => setExit(await mediaValidate(file)));

  media
    .command('compress <input> <output>')
    .description('compress like the app’s upload flow (H.264 High, ≤1080p, ≤30 fps, AAC, +faststart)')
    .option('--preset <preset>', 'x264 preset (default: MEDIA_X264_PRESET or medium)')
    .option('--crf <crf>', 'x264 CRF (default: MEDIA_CRF or 23)')
    .option('--no-validate', 'skip the MEDIA_* limit checks')
    .action(async (input: string, output: string, opts: CompressCliOptions) => setExit(await mediaCompress(input, output, opts)));

  media
    .command('poster <input> <output>')
    .description('write one JPEG frame (about 1 s in) fitted in the 1080p box')
    .action(async (input: string, output: string) => setExit(await mediaPoster(input, output)));

  media
    .command('encrypt <input> <output>')
    .description('encrypt with chunked AES-256-GCM under the current VIDEO_KEK; prints the key info as JSON')
    .action(async (input: string, output: string) => setExit(await mediaEncrypt(input, output)));

  media
    .command('decrypt <input> <output>')
    .description('decrypt a file made by `media encrypt` or the pipeline (needs the KEK named in its header)')
    .option('--key-id <id>', 'fail unless the file is encrypted under this key id')
    .option('--wrapped-key <base64>', 'fail unless the file carries this wrapped data key')
    .action(async (input: string, output: string, opts: DecryptCliOptions) => setExit(await mediaDecrypt(input, output, opts)));
}
