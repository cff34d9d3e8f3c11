/**
 * Real assets, rendered with ffmpeg (through @d2v/media's spawn wrapper): an H.264 MP4 (moving test pattern, the
 * prompt drawn on it) for videos and a JPEG/PNG for images. Edits of existing media are render-edit.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runFfmpeg as runMediaFfmpeg } from '@d2v/media';
import type { SimLogger } from './config';
import type { Size } from './dimensions';
import type { ImageFormat } from './types';

export const VIDEO_FPS = 24;
/** A render that takes this long is stuck; the generation fails instead of staying `dreaming` forever. */
const DEFAULT_RENDER_TIMEOUT_MS = 5 * 60_000;

export class RenderAbortedError extends Error {
  constructor() {
    super('render aborted');
    this.name = 'RenderAbortedError';
  }
}

/**
 * Runs ffmpeg to completion with a safety timeout. Rejects with RenderAbortedError when `signal` aborts (delete,
 * close), so callers can tell "stopped on purpose" from "ffmpeg failed".
 */
export async function runFfmpeg(args: string[], opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<{ stderr: string }> {
  if (opts.signal?.aborted) throw new RenderAbortedError();
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS);
  try {
    return await runMediaFfmpeg(args, { signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout });
  } catch (err) {
    if (opts.signal?.aborted) throw new RenderAbortedError();
    if (timeout.aborted) throw new Error(`ffmpeg timed out after ${opts.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS} ms`);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Text

const FONT_CANDIDATES = [
  process.env.LUMA_SIM_FONT,
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/truetype/freefont/FreeSans.ttf',
  '/usr/share/fonts/noto/NotoSans-Regular.ttf',
  '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  '/Library/Fonts/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

let fontLookup: { path: string | null } | undefined;
/** The missing-font warning is logged once per process, not once per render. */
let warnedNoFont = false;

/** The first font file that exists, or null (then assets are rendered without text). Looked up once. */
export function findFont(): string | null {
  if (!fontLookup) {
    const found = FONT_CANDIDATES.find((p): p is string => typeof p === 'string' && p.length > 0 && fs.existsSync(p));
    fontLookup = { path: found ?? null };
  }
  return fontLookup.path;
}

/**
 * Greedy word wrap to `columns`, at most `maxLines` lines (the last one ends with "…" if text was cut). drawtext
 * does not wrap by itself, and a 5000-character prompt must still fit on screen.
 */
export function wrapText(text: string, columns: number, maxLines: number): string {
  const cols = Math.max(8, columns);
  const lines: string[] = [];
  // eslint-disable-next-line no-control-regex
  const paragraphs = text.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ').split('\n');
  outer: for (const paragraph of paragraphs) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      // Words longer than a line are hard-split.
      for (let w = word; w.length > 0; ) {
        const room = line ? cols - line.length - 1 : cols;
        if (w.length <= room) {
          line = line ? `${line} ${w}` : w;
          w = '';
        } else if (!line) {
          lines.push(w.slice(0, cols));
          w = w.slice(cols);
        } else {
          lines.push(line);
          line = '';
        }
        if (lines.length > maxLines) break outer;
      }
    }
    if (line) lines.push(line);
    if (lines.length > maxLines) break;
  }
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const last = kept[maxLines - 1];
    kept[maxLines - 1] = `${last.slice(0, Math.max(0, cols - 1)).trimEnd()}…`;
    return kept.join('\n');
  }
  return lines.join('\n');
}

/**
 * Escapes a value for a filter option inside a -filter_complex graph: once for the option parser (`\ ' :`),
 * then once more for the graph parser (`\ ' [ ] , ;`). See ffmpeg-filters(1), "Notes on filtergraph escaping".
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return optionLevel.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

export interface RenderText {
  /** One short line at the top: model, resolution, id. */
  title: string;
  /** The prompt, wrapped at the bottom. */
  prompt: string;
}

/** drawtext filters for the caption and the prompt, or `null` (pass-through) when no font exists. */
export async function textFilters(size: Size, text: RenderText, workDir: string, log: SimLogger): Promise<string> {
  const font = findFont();
  if (!font) {
    if (warnedNoFont) return 'null';
    warnedNoFont = true;
    log('warn', 'luma-sim: no font found, rendering without text (set LUMA_SIM_FONT to a .ttf file)');
    return 'null';
  }
  const short = Math.min(size.width, size.height);
  const promptSize = Math.max(12, Math.round(short / 24));
  const titleSize = Math.max(10, Math.round(promptSize * 0.75));
  const columns = Math.floor((size.width * 0.9) / (promptSize * 0.6));
  const titleFile = path.join(workDir, 'title.txt');
  const promptFile = path.join(workDir, 'prompt.txt');
  // textfile= instead of text=: the prompt never passes through filtergraph escaping (only its path does).
  await fs.promises.writeFile(titleFile, wrapText(text.title, Math.floor((size.width * 0.9) / (titleSize * 0.6)), 1));
  await fs.promises.writeFile(promptFile, wrapText(text.prompt || '(no prompt)', columns, 6));
  const common = `fontfile=${escapeFilterValue(font)}:expansion=none:fontcolor=white:box=1:boxcolor=black@0.55`;
  const margin = Math.round(short / 20);
  return [
    `drawtext=${common}:textfile=${escapeFilterValue(titleFile)}:fontsize=${titleSize}:boxborderw=${Math.round(titleSize / 3)}:x=(w-text_w)/2:y=${margin}`,
    `drawtext=${common}:textfile=${escapeFilterValue(promptFile)}:fontsize=${promptSize}:line_spacing=${Math.round(promptSize / 4)}:boxborderw=${Math.round(promptSize / 2)}:x=(w-text_w)/2:y=h-text_h-${margin}`,
  ].join(',');
}

/**
 * The visual base: the moving test pattern, or (when an input image is given) that image scaled to cover the
 * frame with a smaller pattern sliding across it, so the output visibly "uses" the keyframe.
 */
function baseGraph(size: Size, background: boolean, slideSeconds: number): { inputs: string[]; graph: string } {
  const { width: W, height: H } = size;
  if (!background) {
    return { inputs: ['-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=${VIDEO_FPS}`], graph: '[0:v]null[base]' };
  }
  const pw = 2 * Math.max(8, Math.round(W / 8));
  const ph = 2 * Math.max(8, Math.round(H / 8));
  return {
    inputs: ['-f', 'lavfi', '-i', `testsrc2=size=${pw}x${ph}:rate=${VIDEO_FPS}`],
    graph:
      `[0:v]scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1[bg];` +
      `[1:v]null[pat];[bg][pat]overlay=x=(main_w-overlay_w)*t/${slideSeconds}:y=main_h/8[base]`,
  };
}

export interface VideoRenderJob {
  outPath: string;
  /** Scratch directory for text files; the caller removes it. */
  workDir: string;
  size: Size;
  durationSeconds: number;
  text: RenderText;
  /** A local image file painted as the background (an image keyframe, an extension's first frame). */
  backgroundImage?: string;
  signal?: AbortSignal;
  log: SimLogger;
}

export async function renderVideo(job: VideoRenderJob): Promise<void> {
  const text = await textFilters(job.size, job.text, job.workDir, job.log);
  const base = baseGraph(job.size, Boolean(job.backgroundImage), job.durationSeconds);
  const inputs = [
    ...(job.backgroundImage ? ['-loop', '1', '-framerate', String(VIDEO_FPS), '-i', job.backgroundImage] : []),
    ...base.inputs,
  ];
  const args = [
    '-loglevel', 'error',
    ...inputs,
    '-filter_complex', `${base.graph};[base]${text},format=yuv420p[v]`,
    '-map', '[v]',
    '-t', String(job.durationSeconds),
    '-r', String(VIDEO_FPS),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-movflags', '+faststart',
    job.outPath,
  ];
  await runFfmpeg(args, { signal: job.signal });
}

export interface ImageRenderJob {
  outPath: string;
  workDir: string;
  size: Size;
  format: ImageFormat;
  text: RenderText;
  backgroundImage?: string;
  signal?: AbortSignal;
  log: SimLogger;
}

export async function renderImage(job: ImageRenderJob): Promise<void> {
  const text = await textFilters(job.size, job.text, job.workDir, job.log);
  const base = baseGraph(job.size, Boolean(job.backgroundImage), 1);
  const inputs = [...(job.backgroundImage ? ['-i', job.backgroundImage] : []), ...base.inputs];
  const args = [
    '-loglevel', 'error',
    ...inputs,
    '-filter_complex', `${base.graph};[base]${text}${job.format === 'jpg' ? ',format=yuvj420p' : ',format=rgb24'}[v]`,
    '-map', '[v]',
    '-frames:v', '1',
    ...(job.format === 'jpg' ? ['-c:v', 'mjpeg', '-q:v', '3', '-f', 'image2'] : ['-c:v', 'png', '-f', 'image2']),
    job.outPath,
  ];
  await runFfmpeg(args, { signal: job.signal });
}

/** True if ffmpeg can decode one frame of the file: an "image" Luma could not read fails the generation. */
export async function isDecodableImage(file: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await runFfmpeg(['-loglevel', 'error', '-i', file, '-frames:v', '1', '-f', 'null', '-'], { signal, timeoutMs: 30_000 });
    return true;
  } catch (err) {
    if (err instanceof RenderAbortedError) throw err;
    return false;
  }
}
