/**
 * Checks a video file against the configured limits before any work is spent on it. Each broken limit is a
 * MediaError with a specific code and a sentence naming the limit and the file's value. Checks run cheapest
 * first (file size, box structure) so that a 2 GB upload or a text file is refused without running ffprobe.
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { MediaError } from './errors';
import { inspectIsoBmff } from './isobmff';
import { probeDetailed, type DetailedProbe } from './probe';
import { DEFAULT_MEDIA_LIMITS, MB, type MediaLimits } from './config';
import type { MediaProbe } from './types';

/** Extensions that promise an ISO base media file (MP4 / MOV family). */
const ISO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.qt', '.3gp', '.3g2']);
/** Other extensions we can check against ffprobe's demuxer name. */
const DEMUXER_BY_EXTENSION: Record<string, string> = { '.mkv': 'matroska', '.webm': 'webm', '.avi': 'avi' };

/** 412 MB, 3.5 MB, 118 kB, 1000 bytes (binary multiples, as the limits are). */
export function formatBytes(bytes: number): string {
  const mb = bytes / MB;
  if (mb >= 10) return `${Math.round(mb)} MB`;
  if (mb >= 1) return `${Number(mb.toFixed(1))} MB`;
  if (bytes >= 10 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${bytes} bytes`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? `${seconds} s` : `${seconds.toFixed(1)} s`;
}

function formatRate(fps: number): string {
  return `${Number.isInteger(fps) ? fps : fps.toFixed(2)} fps`;
}

function list(values: readonly string[]): string {
  return values.join(', ');
}

/** Structural check of an ISO-BMFF file; throws on a file that is not one or is cut short. */
async function checkIsoStructure(file: string, extension: string): Promise<void> {
  const shape = await inspectIsoBmff(file);
  if (shape.kind === 'not-isobmff') {
    throw new MediaError(
      'MEDIA_EXTENSION_MISMATCH',
      `The file is named ${extension || 'as an MP4'} but its content is not an MP4 or MOV video.`,
      { actual: extension },
    );
  }
  if (shape.kind === 'truncated') {
    const last = shape.boxes.at(-1);
    const where = last ? ` (its '${last.type}' box is missing ${shape.missingBytes} bytes)` : '';
    throw new MediaError('MEDIA_CORRUPT', `The video file is incomplete: it was cut off before its end${where}.`, {
      actual: shape.missingBytes,
    });
  }
  if (shape.kind === 'malformed') {
    throw new MediaError('MEDIA_CORRUPT', `The video file is damaged: its structure breaks at byte ${shape.offset}.`, {
      actual: shape.offset,
    });
  }
}

/** The checks that need only the probe result, in the order a person would want to hear about them. */
export function checkProbeAgainstLimits(probe: MediaProbe, limits: MediaLimits): void {
  if (!limits.containers.includes(probe.container)) {
    throw new MediaError(
      'MEDIA_BAD_CONTAINER',
      `The video is a ${probe.container} file; accepted containers are ${list(limits.containers)}.`,
      { limit: limits.containers, actual: probe.container },
    );
  }
  if (probe.streams > limits.maxStreams) {
    throw new MediaError('MEDIA_TOO_MANY_STREAMS', `The video has ${probe.streams} tracks; the limit is ${limits.maxStreams}.`, {
      limit: limits.maxStreams,
      actual: probe.streams,
    });
  }
  if (probe.videoCodec === null) {
    const has = probe.audioCodec ? ` (it has only ${probe.audioCodec} audio)` : '';
    throw new MediaError('MEDIA_NO_VIDEO', `The file has no video track${has}.`, { actual: null });
  }
  if (!limits.videoCodecs.includes(probe.videoCodec)) {
    throw new MediaError(
      'MEDIA_BAD_CODEC',
      `The video codec is ${probe.videoCodec}; accepted codecs are ${list(limits.videoCodecs)}.`,
      { limit: limits.videoCodecs, actual: probe.videoCodec },
    );
  }
  if (probe.pixelFormat === null || !limits.pixelFormats.includes(probe.pixelFormat)) {
    throw new MediaError(
      'MEDIA_BAD_PIXEL_FORMAT',
      `The video’s pixel format is ${probe.pixelFormat ?? 'unknown'}; accepted formats are ${list(limits.pixelFormats)}.`,
      { limit: limits.pixelFormats, actual: probe.pixelFormat },
    );
  }
  const size = `${probe.width}×${probe.height}`;
  if (probe.width > limits.maxWidth || probe.height > limits.maxHeight) {
    throw new MediaError('MEDIA_BAD_DIMENSIONS', `The video is ${size}; the largest allowed is ${limits.maxWidth}×${limits.maxHeight}.`, {
      limit: { width: limits.maxWidth, height: limits.maxHeight },
      actual: { width: probe.width, height: probe.height },
    });
  }
  if (probe.width < limits.minWidth || probe.height < limits.minHeight) {
    throw new MediaError('MEDIA_BAD_DIMENSIONS', `The video is ${size}; the smallest allowed is ${limits.minWidth}×${limits.minHeight}.`, {
      limit: { width: limits.minWidth, height: limits.minHeight },
      actual: { width: probe.width, height: probe.height },
    });
  }
  if (!(probe.frameRate >= limits.minFrameRate && probe.frameRate <= limits.maxFrameRate)) {
    throw new MediaError(
      'MEDIA_BAD_FRAME_RATE',
      `The video runs at ${formatRate(probe.frameRate)}; the allowed range is ${limits.minFrameRate}–${limits.maxFrameRate} fps.`,
      { limit: { min: limits.minFrameRate, max: limits.maxFrameRate }, actual: probe.frameRate },
    );
  }
  if (probe.durationMs > limits.maxDurationMs) {
    throw new MediaError(
      'MEDIA_BAD_DURATION',
      `The video is ${formatSeconds(probe.durationMs)} long; the limit is ${formatSeconds(limits.maxDurationMs)}.`,
      { limit: limits.maxDurationMs, actual: probe.durationMs },
    );
  }
  if (probe.durationMs < limits.minDurationMs) {
    throw new MediaError(
      'MEDIA_BAD_DURATION',
      `The video is ${formatSeconds(probe.durationMs)} long; the minimum is ${formatSeconds(limits.minDurationMs)}.`,
      { limit: limits.minDurationMs, actual: probe.durationMs },
    );
  }
}

/** Like `validate`, also returning the probe details compression needs. */
export async function validateDetailed(
  file: string,
  limits: MediaLimits = DEFAULT_MEDIA_LIMITS,
  opts: { signal?: AbortSignal } = {},
): Promise<DetailedProbe> {
  const { size } = await stat(file);
  if (size === 0) throw new MediaError('MEDIA_EMPTY', 'The video file is empty (0 bytes).', { actual: 0 });
  if (size > limits.maxBytes) {
    throw new MediaError('MEDIA_TOO_LARGE', `The video is ${formatBytes(size)}; the limit is ${formatBytes(limits.maxBytes)}.`, {
      limit: limits.maxBytes,
      actual: size,
    });
  }

  const extension = extname(file).toLowerCase();
  const promisesIso = ISO_EXTENSIONS.has(extension);
  if (promisesIso) await checkIsoStructure(file, extension);

  const detailed = await probeDetailed(file, opts);
  const { formatName } = detailed.details;
  const demuxers = formatName.split(',');
  if (!promisesIso && demuxers.includes('mov')) await checkIsoStructure(file, extension);
  const expectedDemuxer = DEMUXER_BY_EXTENSION[extension];
  if (expectedDemuxer && !demuxers.includes(expectedDemuxer)) {
    throw new MediaError(
      'MEDIA_EXTENSION_MISMATCH',
      `The file is named ${extension} but contains a ${detailed.probe.container} video.`,
      { actual: detailed.probe.container },
    );
  }

  checkProbeAgainstLimits(detailed.probe, limits);
  return detailed;
}

/** Probes `file` and checks it against `limits`; throws a MediaError naming the first limit it breaks. */
export async function validate(file: string, limits: MediaLimits = DEFAULT_MEDIA_LIMITS, opts: { signal?: AbortSignal } = {}): Promise<MediaProbe> {
  return (await validateDetailed(file, limits, opts)).probe;
}
