/**
 * Media configuration: the limits a video must meet and the encoder settings, with defaults, and how to read them
 * from the environment. Every limit has a name here so an error can say which one a file broke.
 *
 * Environment variables (all optional; lists are comma-separated):
 *   MEDIA_MAX_BYTES            largest accepted input in bytes (default 209715200 = 200 MB)
 *   MEDIA_CONTAINERS           accepted containers (default mp4,mov)
 *   MEDIA_VIDEO_CODECS         accepted video codecs, ffprobe names (default h264,hevc)
 *   MEDIA_PIXEL_FORMATS        accepted pixel formats (default yuv420p,yuvj420p,yuv420p10le,nv12)
 *   MEDIA_MIN_DURATION_MS      shortest accepted video (default 500)
 *   MEDIA_MAX_DURATION_MS      longest accepted video (default 60000)
 *   MEDIA_MIN_WIDTH / MEDIA_MIN_HEIGHT   smallest displayed size in pixels (default 64)
 *   MEDIA_MAX_WIDTH / MEDIA_MAX_HEIGHT   largest displayed size in pixels (default 4096)
 *   MEDIA_MIN_FRAME_RATE / MEDIA_MAX_FRAME_RATE   accepted average frame rate (default 1 / 120)
 *   MEDIA_MAX_STREAMS          most tracks of any kind (default 4)
 *   MEDIA_X264_PRESET          x264 speed/size trade-off (default medium)
 *   MEDIA_CRF                  x264 constant rate factor, 0–51, lower is better (default 23)
 *   MEDIA_MAXRATE              peak video bit rate cap, ffmpeg syntax (default 8M)
 *   MEDIA_BUFSIZE              rate-control buffer for the cap (default 16M)
 *   MEDIA_MAX_FPS              output frame rate ceiling (default 30)
 *   MEDIA_AUDIO_BITRATE        AAC bit rate (default 128k)
 *   MEDIA_SEGMENT_SIZE         encryption plaintext segment size in bytes (default 65536)
 */

export interface MediaLimits {
  maxBytes: number;
  containers: string[];
  videoCodecs: string[];
  pixelFormats: string[];
  minDurationMs: number;
  maxDurationMs: number;
  minWidth: number;
  minHeight: number;
  maxWidth: number;
  maxHeight: number;
  minFrameRate: number;
  maxFrameRate: number;
  maxStreams: number;
}

export const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
] as const;
export type X264Preset = (typeof X264_PRESETS)[number];

export interface CompressSettings {
  preset: X264Preset;
  crf: number;
  /** ffmpeg bit-rate syntax ('8M', '4500k'). */
  maxrate: string;
  bufsize: string;
  /** Frames above this rate are dropped; slower sources keep their rate (duplicating frames only costs bytes). */
  maxFrameRate: number;
  audioBitrate: string;
  /** Landscape output fits in longEdge × shortEdge, portrait in shortEdge × longEdge; never upscaled. */
  longEdge: number;
  shortEdge: number;
}

export interface MediaConfig {
  limits: MediaLimits;
  compress: CompressSettings;
  /** Plaintext bytes per encrypted segment. */
  segmentSize: number;
}

export const MB = 1024 * 1024;

export const DEFAULT_MEDIA_LIMITS: Readonly<MediaLimits> = Object.freeze({
  maxBytes: 200 * MB,
  containers: ['mp4', 'mov'],
  videoCodecs: ['h264', 'hevc'],
  pixelFormats: ['yuv420p', 'yuvj420p', 'yuv420p10le', 'nv12'],
  minDurationMs: 500,
  maxDurationMs: 60_000,
  minWidth: 64,
  minHeight: 64,
  maxWidth: 4096,
  maxHeight: 4096,
  minFrameRate: 1,
  maxFrameRate: 120,
  maxStreams: 4,
});

export const DEFAULT_COMPRESS_SETTINGS: Readonly<CompressSettings> = Object.freeze({
  preset: 'medium',
  crf: 23,
  maxrate: '8M',
  bufsize: '16M',
  maxFrameRate: 30,
  audioBitrate: '128k',
  longEdge: 1920,
  shortEdge: 1080,
});

export const DEFAULT_SEGMENT_SIZE = 64 * 1024;
/** Segments must fit a 32-bit length field and stay small enough to hold one in memory per stream. */
export const MAX_SEGMENT_SIZE = 16 * MB;

export function defaultMediaConfig(): MediaConfig {
  return {
    limits: { ...DEFAULT_MEDIA_LIMITS, containers: [...DEFAULT_MEDIA_LIMITS.containers], videoCodecs: [...DEFAULT_MEDIA_LIMITS.videoCodecs], pixelFormats: [...DEFAULT_MEDIA_LIMITS.pixelFormats] },
    compress: { ...DEFAULT_COMPRESS_SETTINGS },
    segmentSize: DEFAULT_SEGMENT_SIZE,
  };
}

export class MediaConfigError extends Error {
  override readonly name = 'MediaConfigError';
}

type Env = Record<string, string | undefined>;

function readNumber(env: Env, name: string, fallback: number, check: { min: number; max?: number; integer?: boolean }): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  const { min, max = Number.MAX_SAFE_INTEGER, integer = true } = check;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const kind = integer ? 'an integer' : 'a number';
    throw new MediaConfigError(`${name} must be ${kind} between ${min} and ${max}; got "${raw}".`);
  }
  return value;
}

function readList(env: Env, name: string, fallback: readonly string[]): string[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return [...fallback];
  const items = raw
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item.length > 0);
  if (items.length === 0) throw new MediaConfigError(`${name} must list at least one value; got "${raw}".`);
  return items;
}

const BITRATE_PATTERN = /^\d+(\.\d+)?[kKM]?$/;

function readBitrate(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!BITRATE_PATTERN.test(raw)) throw new MediaConfigError(`${name} must be a bit rate such as 8M or 4500k; got "${raw}".`);
  return raw;
}

function readPreset(env: Env, name: string, fallback: X264Preset): X264Preset {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const preset = X264_PRESETS.find((p) => p === raw);
  if (!preset) throw new MediaConfigError(`${name} must be one of ${X264_PRESETS.join(', ')}; got "${raw}".`);
  return preset;
}

/** Builds the media configuration from MEDIA_* environment variables (see the list at the top of this file). */
export function mediaConfigFromEnv(env: Env = process.env): MediaConfig {
  const d = DEFAULT_MEDIA_LIMITS;
  const c = DEFAULT_COMPRESS_SETTINGS;
  const limits: MediaLimits = {
    maxBytes: readNumber(env, 'MEDIA_MAX_BYTES', d.maxBytes, { min: 1 }),
    containers: readList(env, 'MEDIA_CONTAINERS', d.containers),
    videoCodecs: readList(env, 'MEDIA_VIDEO_CODECS', d.videoCodecs),
    pixelFormats: readList(env, 'MEDIA_PIXEL_FORMATS', d.pixelFormats),
    minDurationMs: readNumber(env, 'MEDIA_MIN_DURATION_MS', d.minDurationMs, { min: 0 }),
    maxDurationMs: readNumber(env, 'MEDIA_MAX_DURATION_MS', d.maxDurationMs, { min: 1 }),
    minWidth: readNumber(env, 'MEDIA_MIN_WIDTH', d.minWidth, { min: 1 }),
    minHeight: readNumber(env, 'MEDIA_MIN_HEIGHT', d.minHeight, { min: 1 }),
    maxWidth: readNumber(env, 'MEDIA_MAX_WIDTH', d.maxWidth, { min: 1 }),
    maxHeight: readNumber(env, 'MEDIA_MAX_HEIGHT', d.maxHeight, { min: 1 }),
    minFrameRate: readNumber(env, 'MEDIA_MIN_FRAME_RATE', d.minFrameRate, { min: 0, integer: false }),
    maxFrameRate: readNumber(env, 'MEDIA_MAX_FRAME_RATE', d.maxFrameRate, { min: 1, integer: false }),
    maxStreams: readNumber(env, 'MEDIA_MAX_STREAMS', d.maxStreams, { min: 1 }),
  };
  for (const [low, high] of [
    ['minDurationMs', 'maxDurationMs'],
    ['minWidth', 'maxWidth'],
    ['minHeight', 'maxHeight'],
    ['minFrameRate', 'maxFrameRate'],
  ] as const) {
    if (limits[low] > limits[high]) throw new MediaConfigError(`Media limit ${low} (${limits[low]}) is above ${high} (${limits[high]}).`);
  }
  const compress: CompressSettings = {
    preset: readPreset(env, 'MEDIA_X264_PRESET', c.preset),
    crf: readNumber(env, 'MEDIA_CRF', c.crf, { min: 0, max: 51, integer: false }),
    maxrate: readBitrate(env, 'MEDIA_MAXRATE', c.maxrate),
    bufsize: readBitrate(env, 'MEDIA_BUFSIZE', c.bufsize),
    maxFrameRate: readNumber(env, 'MEDIA_MAX_FPS', c.maxFrameRate, { min: 1, max: 240, integer: false }),
    audioBitrate: readBitrate(env, 'MEDIA_AUDIO_BITRATE', c.audioBitrate),
    longEdge: c.longEdge,
    shortEdge: c.shortEdge,
  };
  const segmentSize = readNumber(env, 'MEDIA_SEGMENT_SIZE', DEFAULT_SEGMENT_SIZE, { min: 1024, max: MAX_SEGMENT_SIZE });
  return { limits, compress, segmentSize };
}
