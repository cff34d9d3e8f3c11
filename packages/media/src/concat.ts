/**
 * "Create Script": the shots of a multi-shot video are separate Luma clips; each is cut to its scene's length from
 * its start and the cuts are joined in order into one H.264 file (the usual processing then compresses it).
 * All inputs are scaled to the first one's size so a stray clip of another size cannot break the concat filter.
 */
import { FfmpegError, runFfmpeg } from './ffmpeg';
import { MediaError } from './errors';
import { probe } from './probe';
import type { MediaProbe } from './types';

export interface ConcatInput {
  file: string;
  /** Keep the first `durationMs` of this input. */
  durationMs: number;
}

/** The ffmpeg arguments joining `inputs` (each trimmed) into `output` at `width`×`height`. */
export function buildConcatArgs(inputs: readonly ConcatInput[], output: string, size: { width: number; height: number }): string[] {
  const width = Math.max(2, Math.round(size.width / 2) * 2);
  const height = Math.max(2, Math.round(size.height / 2) * 2);
  const cuts = inputs.map(
    (input, i) =>
      `[${i}:v]trim=duration=${(input.durationMs / 1000).toFixed(3)},setpts=PTS-STARTPTS,scale=${width}:${height},setsar=1,format=yuv420p[v${i}]`,
  );
  const joined = `${inputs.map((_, i) => `[v${i}]`).join('')}concat=n=${inputs.length}:v=1:a=0[out]`;
  return [
    ...inputs.flatMap((input) => ['-i', input.file]),
    '-filter_complex', [...cuts, joined].join(';'),
    '-map', '[out]',
    '-an',
    '-c:v', 'libx264',
    '-preset', 'veryfast',
    '-crf', '18',
    '-pix_fmt', 'yuv420p',
    '-movflags', '+faststart',
    '-map_metadata', '-1',
    '-y', output,
  ];
}

export async function concatVideos(inputs: readonly ConcatInput[], output: string): Promise<MediaProbe> {
  if (!inputs.length) throw new MediaError('MEDIA_PROCESSING_FAILED', 'Nothing to join: no inputs.');
  try {
    const first = await probe(inputs[0]!.file);
    await runFfmpeg(buildConcatArgs(inputs, output, first));
    return await probe(output);
  } catch (err) {
    if (err instanceof MediaError) throw err;
    const reason = err instanceof FfmpegError ? err.lastLines.slice(-2).join(' | ') || err.message : String(err);
    throw new MediaError('MEDIA_PROCESSING_FAILED', `Joining the shots failed: ${reason}`, { cause: err });
  }
}
