/**
 * ffprobe → MediaProbe. `probe` returns exactly the port's fields; `probeDetailed` adds what validation and
 * compression need on top (the primary video stream's index, rotation, the raw format name).
 */
import { stat } from 'node:fs/promises';
import { FfmpegError, runFfprobe } from './ffmpeg';
import { MediaError } from './errors';
import type { MediaProbe } from './types';

/** The subset of ffprobe's JSON we read. */
interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: {
    format_name?: string;
    duration?: string;
    nb_streams?: number;
    tags?: Record<string, string>;
  };
}

export interface ProbeDetails {
  /** ffprobe's comma-separated demuxer names, e.g. 'mov,mp4,m4a,3gp,3g2,mj2'. */
  formatName: string;
  /** ISO-BMFF major brand ('isom', 'qt  ', …) when there is one. */
  majorBrand: string | null;
  /** ffprobe index of the video stream we treat as "the video" (cover art excluded); null if none. */
  videoStreamIndex: number | null;
  audioStreamIndex: number | null;
  /** Clockwise display rotation in degrees, normalised to 0, 90, 180 or 270. */
  rotation: number;
  /** Stored (coded) size of the video stream, before rotation and pixel aspect are applied. */
  storedWidth: number;
  storedHeight: number;
}

export interface DetailedProbe {
  probe: MediaProbe;
  details: ProbeDetails;
}

/** "30000/1001" → 29.97; "0/0" or garbage → 0. */
function parseRatio(ratio: string | undefined): number {
  if (!ratio) return 0;
  const [num, den] = ratio.split(/[/:]/).map(Number);
  if (num === undefined || !Number.isFinite(num)) return 0;
  if (den === undefined) return num;
  return Number.isFinite(den) && den !== 0 ? num / den : 0;
}

function parseSeconds(value: string | undefined): number {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/**
 * The rotation a player applies. Newer ffprobe reports the display matrix as counter-clockwise degrees
 * (`rotation: -90` for a phone held upright); older ones put a clockwise `rotate` tag on the stream.
 */
function rotationOf(stream: FfprobeStream): number {
  const matrix = stream.side_data_list?.find((entry) => typeof entry.rotation === 'number');
  let clockwise = 0;
  if (matrix?.rotation !== undefined) clockwise = -matrix.rotation;
  else if (stream.tags?.rotate) clockwise = Number(stream.tags.rotate) || 0;
  const normalised = ((Math.round(clockwise / 90) * 90) % 360 + 360) % 360;
  return normalised;
}

/**
 * MP4 and MOV share one demuxer ('mov,mp4,m4a,3gp,3g2,mj2'); the major brand tells them apart. A QuickTime file
 * may have no ftyp box at all, hence no brand: that is a MOV too.
 */
function containerName(formatName: string, majorBrand: string | null): string {
  const names = formatName.split(',');
  if (!names.includes('mov')) return names[0] ?? 'unknown';
  const brand = majorBrand?.trim().toLowerCase() ?? '';
  if (brand === '' || brand === 'qt') return 'mov';
  if (brand.startsWith('3g')) return '3gp';
  if (brand.startsWith('mj2') || brand === 'mjp2') return 'mj2';
  return 'mp4'; // isom, iso2…iso9, mp41, mp42, avc1, m4v, m4a, dash, msnv…
}

function isCoverArt(stream: FfprobeStream): boolean {
  return stream.disposition?.attached_pic === 1;
}

/** Probes `file` with ffprobe. Throws MediaError MEDIA_EMPTY / MEDIA_CORRUPT when there is nothing to read. */
export async function probeDetailed(file: string, opts: { signal?: AbortSignal } = {}): Promise<DetailedProbe> {
  const { size: bytes } = await stat(file);
  if (bytes === 0) throw new MediaError('MEDIA_EMPTY', 'The video file is empty (0 bytes).', { actual: 0 });

  let json: string;
  try {
    json = await runFfprobe(['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], opts);
  } catch (err) {
    if (!(err instanceof FfmpegError) || err.exitCode === null) throw err; // ffprobe missing or aborted: not the file's fault
    const reason = err.lastLines.at(-1)?.replace(`${file}: `, '') ?? 'unreadable';
    throw new MediaError('MEDIA_CORRUPT', `The video file cannot be read (${reason}).`, { cause: err });
  }
  const output = JSON.parse(json) as FfprobeOutput;
  const streams = output.streams ?? [];
  const format = output.format ?? {};
  const formatName = format.format_name ?? 'unknown';
  const majorBrand = format.tags?.major_brand ?? null;

  const video = streams.find((s) => s.codec_type === 'video' && !isCoverArt(s));
  const audio = streams.find((s) => s.codec_type === 'audio');
  const rotation = video ? rotationOf(video) : 0;

  const storedWidth = video?.width ?? 0;
  const storedHeight = video?.height ?? 0;
  // Displayed size: stretch by the sample aspect ratio (anamorphic video), then swap for quarter turns.
  const sar = parseRatio(video?.sample_aspect_ratio);
  let width = sar > 0 && sar !== 1 ? Math.round(storedWidth * sar) : storedWidth;
  let height = storedHeight;
  if (rotation === 90 || rotation === 270) [width, height] = [height, width];

  let frameRate = parseRatio(video?.avg_frame_rate);
  if (!(frameRate > 0)) frameRate = parseRatio(video?.r_frame_rate);

  const durationSeconds = parseSeconds(format.duration) || parseSeconds(video?.duration);

  const probe: MediaProbe = {
    container: containerName(formatName, majorBrand),
    videoCodec: video?.codec_name ?? null,
    audioCodec: audio?.codec_name ?? null,
    width,
    height,
    durationMs: Math.round(durationSeconds * 1000),
    frameRate: Math.round(frameRate * 1000) / 1000,
    pixelFormat: video?.pix_fmt ?? null,
    bytes,
    streams: format.nb_streams ?? streams.length,
  };
  return {
    probe,
    details: {
      formatName,
      majorBrand,
      videoStreamIndex: video?.index ?? null,
      audioStreamIndex: audio?.index ?? null,
      rotation,
      storedWidth,
      storedHeight,
    },
  };
}

/** Probes `file`: exactly the fields of the MediaPort's MediaProbe. */
export async function probe(file: string, opts: { signal?: AbortSignal } = {}): Promise<MediaProbe> {
  return (await probeDetailed(file, opts)).probe;
}
