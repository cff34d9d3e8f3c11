/**
 * Compression "like the app's upload flow" and the poster frame.
 *
 * Video: H.264 High, yuv420p, fitted inside 1920×1080 (landscape) or 1080×1920 (portrait) with the aspect kept,
 * even dimensions and no upscaling; at most 30 fps; CRF with a max-rate cap; AAC when the source has audio;
 * `+faststart` so playback starts before the download ends. Rotation metadata is honoured by ffmpeg's autorotate
 * (the pixels are turned, the flag is dropped). Metadata (GPS position, device names) is stripped.
 * Everything is written to a temporary name beside the output and renamed into place only once it has been probed
 * and found to be what we meant to produce.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { FfmpegError, runFfmpeg } from './ffmpeg';
import { MediaError } from './errors';
import { probeDetailed, type DetailedProbe } from './probe';
import { DEFAULT_COMPRESS_SETTINGS, type CompressSettings } from './config';
import type { MediaProbe } from './types';

export interface Size {
  width: number;
  height: number;
}

/**
 * The output size for a displayed `width`×`height`: scaled down (never up) to fit the landscape or portrait box,
 * aspect kept, both sides even (H.264 with 4:2:0 chroma needs that) and never larger than the source.
 */
export function fitWithinBox(width: number, height: number, longEdge: number, shortEdge: number): Size {
  const portrait = height > width;
  const boxWidth = portrait ? shortEdge : longEdge;
  const boxHeight = portrait ? longEdge : shortEdge;
  const scale = Math.min(1, boxWidth / width, boxHeight / height);
  const even = (value: number, limit: number): number => {
    let rounded = Math.max(2, Math.round(value / 2) * 2);
    if (rounded > limit && rounded > 2) rounded -= 2; // rounding an odd source side up would upscale by a pixel
    return rounded;
  };
  return { width: even(width * scale, width), height: even(height * scale, height) };
}

/** A sibling temp path with the same directory (so the final rename is atomic) and a recognisable name. */
function tempPathBeside(output: string, extension: string): string {
  return join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.part${extension}`);
}

function processingFailed(what: string, err: unknown): MediaError {
  if (err instanceof MediaError) return err;
  const reason = err instanceof FfmpegError ? err.lastLines.slice(-2).join(' | ') || err.message : String(err);
  return new MediaError('MEDIA_PROCESSING_FAILED', `${what} failed: ${reason}`, { cause: err });
}

export interface CompressOptions extends Partial<CompressSettings> {
  signal?: AbortSignal;
  /** A probe of `input` already made (by validation), to save running ffprobe twice. */
  inputProbe?: DetailedProbe;
}

/** The ffmpeg arguments for compressing `input` (probed as `source`) into `output`. Exposed for the benchmark. */
export function buildCompressArgs(input: string, output: string, source: DetailedProbe, settings: CompressSettings): string[] {
  const { probe, details } = source;
  if (details.videoStreamIndex === null) throw new MediaError('MEDIA_NO_VIDEO', 'The file has no video track.');
  const target = fitWithinBox(probe.width, probe.height, settings.longEdge, settings.shortEdge);

  const filters: string[] = [];
  // Dropping surplus frames first spares the scaler work on frames that would be thrown away.
  if (probe.frameRate > settings.maxFrameRate) filters.push(`fps=${settings.maxFrameRate}`);
  // autorotate has already turned the frames, so the filter sees the displayed orientation. Scaling to the
  // computed size also squares anamorphic pixels; setsar=1 records that.
  filters.push(`scale=${target.width}:${target.height}:flags=lanczos`, 'setsar=1', 'format=yuv420p');

  const audio =
    details.audioStreamIndex === null
      ? ['-an']
      : ['-map', `0:${details.audioStreamIndex}`, '-c:a', 'aac', '-b:a', settings.audioBitrate];
  return [
    '-i', input,
    '-map', `0:${details.videoStreamIndex}`,
    ...audio,
    '-vf', filters.join(','),
    '-c:v', 'libx264',
    '-profile:v', 'high',
    '-pix_fmt', 'yuv420p',
    '-preset', settings.preset,
    '-crf', String(settings.crf),
    '-maxrate', settings.maxrate,
    '-bufsize', settings.bufsize,
    // Privacy: no container/stream metadata (location, device) or chapters; no subtitle/data tracks.
    '-map_metadata', '-1',
    '-map_chapters', '-1',
    '-sn', '-dn',
    '-movflags', '+faststart',
    // Audio and video packets can arrive far apart at the start; a deeper queue avoids spurious failures.
    '-max_muxing_queue_size', '1024',
    '-f', 'mp4',
    output,
  ];
}

/** Checks that what ffmpeg wrote is what we asked for. */
function checkCompressedOutput(result: MediaProbe, expected: Size, expectAudio: boolean): void {
  const problems: string[] = [];
  if (result.container !== 'mp4') problems.push(`container ${result.container}`);
  if (result.videoCodec !== 'h264') problems.push(`video codec ${result.videoCodec}`);
  if (result.pixelFormat !== 'yuv420p') problems.push(`pixel format ${result.pixelFormat}`);
  if (result.width !== expected.width || result.height !== expected.height) {
    problems.push(`size ${result.width}×${result.height} instead of ${expected.width}×${expected.height}`);
  }
  if (expectAudio !== (result.audioCodec === 'aac')) problems.push(`audio ${result.audioCodec ?? 'missing'}`);
  if (problems.length > 0) {
    throw new MediaError('MEDIA_PROCESSING_FAILED', `Compression produced an unexpected file: ${problems.join(', ')}.`);
  }
}

/**
 * Compresses `input` into `output` (an MP4) and returns the probe of the result. `onProgress` gets a
 * non-decreasing 0–1 fraction. Failures are MediaErrors (MEDIA_PROCESSING_FAILED unless the input was unreadable).
 */
export async function compress(
  input: string,
  output: string,
  opts: CompressOptions = {},
  onProgress?: (fraction: number) => void,
): Promise<MediaProbe> {
  const { signal, inputProbe, ...overrides } = opts;
  const settings: CompressSettings = { ...DEFAULT_COMPRESS_SETTINGS, ...overrides };
  const source = inputProbe ?? (await probeDetailed(input, { signal }));
  const expected = fitWithinBox(source.probe.width, source.probe.height, settings.longEdge, settings.shortEdge);
  const temp = tempPathBeside(output, '.mp4');
  try {
    const args = buildCompressArgs(input, temp, source, settings);
    await runFfmpeg(args, { durationMs: source.probe.durationMs, onProgress, signal });
    const result = await probeDetailed(temp, { signal });
    checkCompressedOutput(result.probe, expected, source.details.audioStreamIndex !== null);
    await rename(temp, output);
    return result.probe;
  } catch (err) {
    if (signal?.aborted && err === signal.reason) throw err;
    throw processingFailed('Compressing the video', err);
  } finally {
    await rm(temp, { force: true });
  }
}

export interface PosterOptions {
  /** Where to take the frame; default 1 s in, or 10 % in for clips shorter than 10 s. */
  atMs?: number;
  longEdge?: number;
  shortEdge?: number;
  /** ffmpeg's JPEG quality scale, 2 (best) – 31. */
  quality?: number;
  signal?: AbortSignal;
  inputProbe?: DetailedProbe;
}

function posterArgs(input: string, output: string, atMs: number, size: Size, quality: number, videoStreamIndex: number): string[] {
  return [
    // Before -i: seek in the demuxer, then decode just up to the frame (accurate and quick).
    '-ss', (atMs / 1000).toFixed(3),
    '-i', input,
    '-map', `0:${videoStreamIndex}`,
    '-frames:v', '1',
    '-vf', `scale=${size.width}:${size.height}:flags=lanczos,setsar=1`,
    '-q:v', String(quality),
    '-map_metadata', '-1',
    '-f', 'image2',
    '-update', '1',
    output,
  ];
}

/** Writes one JPEG frame of `input` to `output`, scaled to fit the same box as the video. */
export async function poster(input: string, output: string, opts: PosterOptions = {}): Promise<void> {
  const { signal } = opts;
  const source = opts.inputProbe ?? (await probeDetailed(input, { signal }));
  const { probe: p, details } = source;
  if (details.videoStreamIndex === null) throw new MediaError('MEDIA_NO_VIDEO', 'The file has no video track to take a poster from.');
  const size = fitWithinBox(p.width, p.height, opts.longEdge ?? DEFAULT_COMPRESS_SETTINGS.longEdge, opts.shortEdge ?? DEFAULT_COMPRESS_SETTINGS.shortEdge);
  const atMs = opts.atMs ?? Math.min(1000, p.durationMs * 0.1);
  const quality = opts.quality ?? 3;
  const temp = tempPathBeside(output, '.jpg');
  try {
    await runFfmpeg(posterArgs(input, temp, atMs, size, quality, details.videoStreamIndex), { signal });
    // A seek past the last frame (odd timestamps, a lying duration) writes nothing: fall back to the first frame.
    if (!(await nonEmpty(temp)) && atMs > 0) {
      await runFfmpeg(posterArgs(input, temp, 0, size, quality, details.videoStreamIndex), { signal });
    }
    if (!(await nonEmpty(temp))) throw new MediaError('MEDIA_PROCESSING_FAILED', 'Making the poster failed: ffmpeg produced no frame.');
    await rename(temp, output);
  } catch (err) {
    if (signal?.aborted && err === signal.reason) throw err;
    throw processingFailed('Making the poster', err);
  } finally {
    await rm(temp, { force: true });
  }
}

async function nonEmpty(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}
