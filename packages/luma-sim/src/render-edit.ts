/**
 * ffmpeg jobs that make a new asset out of an existing one, for the follow-up generations: a frame grabbed from a
 * video (an extension starts on its source's last frame), clips joined into one (an extension chain), a video
 * re-encoded larger (upscale), a video with a generated audio track (add_audio), a video restyled by a filter
 * keyed by the modify mode, and a video or image placed on a canvas of another aspect ratio (reframe). Each job
 * really transforms its input, so a probe of the result shows what the operation promises. Text is drawn from
 * files (render.ts), never through filtergraph escaping.
 */
import type { SimLogger } from './config';
import type { Size } from './dimensions';
import { runFfmpeg, textFilters, VIDEO_FPS, type RenderText } from './render';
import type { ImageFormat, ModifyMode } from './types';

const H264_ARGS = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

/** Writes the first or last frame of `video` as a PNG (an extension's background, a reframe's first frame). */
export async function extractFrame(video: string, which: 'first' | 'last', outPng: string, signal?: AbortSignal): Promise<void> {
  // -sseof seeks near the end; -update keeps overwriting one file, so the last decoded frame is what remains.
  const seek = which === 'last' ? ['-sseof', '-0.5'] : [];
  await runFfmpeg(['-loglevel', 'error', ...seek, '-i', video, '-an', '-update', '1', ...(which === 'first' ? ['-frames:v', '1'] : []), '-y', outPng], {
    signal,
  });
}

/** Joins `clips` in order into one H.264 video of `size` (each fitted and letterboxed); audio is dropped. */
export async function joinClips(clips: string[], outPath: string, size: Size, signal?: AbortSignal): Promise<void> {
  const { width: W, height: H } = size;
  const fitted = clips.map(
    (_, i) =>
      `[${i}:v]scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${VIDEO_FPS},format=yuv420p[v${i}]`,
  );
  const graph = `${fitted.join(';')};${clips.map((_, i) => `[v${i}]`).join('')}concat=n=${clips.length}:v=1:a=0[v]`;
  await runFfmpeg(
    ['-loglevel', 'error', ...clips.flatMap((c) => ['-i', c]), '-filter_complex', graph, '-map', '[v]', '-an', ...H264_ARGS, '-y', outPath],
    { signal },
  );
}

/** The source re-encoded at `size` (a real resize, lanczos); its audio track, if any, is kept as is. */
export async function upscaleVideo(source: string, outPath: string, size: Size, signal?: AbortSignal): Promise<void> {
  await runFfmpeg(
    [
      '-loglevel', 'error', '-i', source,
      '-vf', `scale=${size.width}:${size.height}:flags=lanczos,setsar=1,format=yuv420p`,
      '-map', '0:v:0', '-map', '0:a?', '-c:a', 'copy',
      ...H264_ARGS, '-y', outPath,
    ],
    { signal },
  );
}

/**
 * The source's video stream untouched plus a generated AAC track as long as the video: a tone whose pitch is
 * keyed by the prompt (so two prompts sound different) over soft pink noise.
 */
export async function addAudioTrack(source: string, outPath: string, durationSeconds: number, prompt: string, signal?: AbortSignal): Promise<void> {
  const frequency = 220 + (hashText(prompt) % 660);
  await runFfmpeg(
    [
      '-loglevel', 'error', '-i', source,
      '-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000`,
      '-f', 'lavfi', '-i', 'anoisesrc=color=pink:amplitude=0.05:sample_rate=48000',
      '-filter_complex', '[1:a][2:a]amix=inputs=2[a]',
      '-map', '0:v:0', '-map', '[a]', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '96k',
      '-t', durationSeconds.toFixed(3), '-movflags', '+faststart', '-y', outPath,
    ],
    { signal },
  );
}

/**
 * The restyle of each modify mode: adhere shifts colour a little, flex posterizes and shifts hue more, reimagine
 * turns the picture into coloured edges. The level (1..3) scales the effect. Visibly different from the source,
 * and from each other, which is all a pipeline test needs to see.
 */
export function modifyFilter(mode: ModifyMode): string {
  const [family, levelText] = mode.split('_');
  const level = Number(levelText);
  if (family === 'adhere') return `hue=h=${25 * level}:s=${(1 + 0.2 * level).toFixed(2)}`;
  if (family === 'flex') {
    const step = 16 * 2 ** level; // 32, 64, 128 luma levels per band
    return `hue=h=${60 * level}:s=1.5,lutyuv=y='floor(val/${step})*${step}+${step / 2}'`;
  }
  return `edgedetect=mode=colormix:low=${(0.05 * level).toFixed(2)}:high=${(0.1 + 0.1 * level).toFixed(2)},hue=h=${120 * level}:s=2`;
}

export interface ModifyJob {
  source: string;
  outPath: string;
  workDir: string;
  /** Output size: the source's, evened (and capped by maxRenderHeight). */
  size: Size;
  mode: ModifyMode;
  text: RenderText;
  /** A first frame image shown over the first second (Luma uses it to guide the restyle). */
  firstFrame?: string;
  signal?: AbortSignal;
  log: SimLogger;
}

export async function modifyVideo(job: ModifyJob): Promise<void> {
  const { width: W, height: H } = job.size;
  const text = await textFilters(job.size, job.text, job.workDir, job.log);
  let graph = `[0:v]scale=${W}:${H},setsar=1,${modifyFilter(job.mode)}[styled]`;
  if (job.firstFrame) {
    graph += `;[1:v]scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1[first];[styled][first]overlay=enable='lt(t,1)':shortest=1[styled2]`;
  }
  graph += `;[${job.firstFrame ? 'styled2' : 'styled'}]${text},format=yuv420p[v]`;
  await runFfmpeg(
    [
      '-loglevel', 'error', '-i', job.source,
      ...(job.firstFrame ? ['-loop', '1', '-framerate', String(VIDEO_FPS), '-i', job.firstFrame] : []),
      '-filter_complex', graph,
      '-map', '[v]', '-map', '0:a?', '-c:a', 'copy', '-shortest',
      ...H264_ARGS, '-y', job.outPath,
    ],
    { signal: job.signal },
  );
}

/** Where the source goes on the new canvas, in rendered pixels. */
export interface Placement {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ReframeJob {
  source: string;
  outPath: string;
  workDir: string;
  canvas: Size;
  placement: Placement;
  text: RenderText;
  /** Video: a first-frame image shown over the first second. */
  firstFrame?: string;
  /** Set for an image reframe (one frame in this format); unset for a video. */
  imageFormat?: ImageFormat;
  signal?: AbortSignal;
  log: SimLogger;
}

/**
 * The source at its placement over a blurred, darkened copy of itself stretched to cover the canvas: the sim's
 * stand-in for outpainting, so the new area is visibly "filled" and the output has the new aspect ratio.
 */
export async function reframeMedia(job: ReframeJob): Promise<void> {
  const { width: W, height: H } = job.canvas;
  const p = job.placement;
  const blur = Math.max(2, Math.round(Math.min(W, H) / 30));
  const text = await textFilters(job.canvas, job.text, job.workDir, job.log);
  let graph =
    `[0:v]split[a][b];` +
    `[a]scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1,boxblur=${blur}:1,eq=brightness=-0.15[bg];` +
    `[b]scale=${p.width}:${p.height},setsar=1[fg];[bg][fg]overlay=${p.x}:${p.y}[placed]`;
  let last = 'placed';
  if (job.firstFrame) {
    graph += `;[1:v]scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1[first];[placed][first]overlay=enable='lt(t,1)':shortest=1[withfirst]`;
    last = 'withfirst';
  }
  const pixelFormat = job.imageFormat === undefined ? 'yuv420p' : job.imageFormat === 'jpg' ? 'yuvj420p' : 'rgb24';
  graph += `;[${last}]${text},format=${pixelFormat}[v]`;
  const output =
    job.imageFormat === undefined
      ? ['-map', '0:a?', '-c:a', 'copy', '-shortest', ...H264_ARGS]
      : ['-frames:v', '1', ...(job.imageFormat === 'jpg' ? ['-c:v', 'mjpeg', '-q:v', '3'] : ['-c:v', 'png']), '-f', 'image2'];
  await runFfmpeg(
    [
      '-loglevel', 'error', '-i', job.source,
      ...(job.firstFrame ? ['-loop', '1', '-framerate', String(VIDEO_FPS), '-i', job.firstFrame] : []),
      '-filter_complex', graph, '-map', '[v]', ...output, '-y', job.outPath,
    ],
    { signal: job.signal },
  );
}

/** FNV-1a of a string, for choices keyed by a prompt. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of text) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
