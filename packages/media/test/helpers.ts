/** Test fixtures: every input video is generated here with real ffmpeg, small and short so the suite stays fast. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../src';

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `d2v-media-${prefix}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export interface ClipSpec {
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  audio?: boolean;
  /** ffmpeg encoder name. */
  videoEncoder?: string;
  pixelFormat?: string;
  /** Extra output arguments (before the file name). */
  extra?: string[];
  /** Use the plain `color` source (cheapest to encode, for large frames). */
  plain?: boolean;
}

/** Renders a test clip: lavfi testsrc2 (moving pattern), optionally a sine tone, encoded by `videoEncoder`. */
export async function makeClip(file: string, spec: ClipSpec = {}): Promise<string> {
  const { width = 320, height = 240, fps = 30, seconds = 1, audio = false, videoEncoder = 'libx264', pixelFormat = 'yuv420p', extra = [], plain = false } = spec;
  const source = plain
    ? `color=c=teal:size=${width}x${height}:rate=${fps}:duration=${seconds}`
    : `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`;
  const args = ['-f', 'lavfi', '-i', source];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`);
  args.push('-c:v', videoEncoder, '-pix_fmt', pixelFormat);
  if (videoEncoder === 'libx264') args.push('-preset', 'ultrafast');
  if (audio) args.push('-c:a', 'aac', '-b:a', '64k');
  args.push(...extra, file);
  await runFfmpeg(args);
  return file;
}
