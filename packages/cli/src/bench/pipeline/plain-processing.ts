/**
 * The processing floor of `d2v bench pipeline`, measured in the run: plain ffmpeg compressing one of the run's own
 * simulator videos with the very argument list the pipeline's compress() builds, `slots` at once (the stack's
 * process slots), so each run's wall time is what one video costs when the slots are full. Nothing the pipeline
 * does after Luma can be cheaper: it also validates, makes the poster, encrypts, uploads and writes the request.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCompressArgs, DEFAULT_COMPRESS_SETTINGS, probeDetailed, runFfmpeg } from '@d2v/media';

/** Median wall seconds of one plain compress of `video` while `slots` of them run at once (`rounds` rounds). */
export async function plainCompressSeconds(video: string, slots: number, rounds = 3): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'd2v-bench-plain-'));
  try {
    const probed = await probeDetailed(video);
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      await Promise.all(Array.from({ length: slots }, (_, k) => runFfmpeg(buildCompressArgs(video, join(work, `plain-${k}.mp4`), probed, DEFAULT_COMPRESS_SETTINGS))));
      times.push((performance.now() - started) / 1000);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
