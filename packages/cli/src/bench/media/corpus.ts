/**
 * The synthetic corpus `d2v bench media` compresses: clips resembling Luma output (1080p and 720p, landscape and
 * portrait, 10–20 Mb/s, motion, texture, gradients, text), rendered by ffmpeg from a filter graph so the benchmark
 * needs no sample files. Kept apart from the stages because it is data plus one renderer, shared by the full and
 * quick runs and by tests that pass tiny clips of their own.
 */
import { existsSync } from 'node:fs';
import { runFfmpeg } from '@d2v/media';

export interface CorpusClip {
  name: string;
  width: number;
  height: number;
  seconds: number;
  fps: number;
  /** Source bit rate, ffmpeg syntax. Luma's MP4s are roughly 10–20 Mb/s. */
  bitrate: string;
}

export const FULL_CORPUS: CorpusClip[] = [
  { name: '1080p landscape', width: 1920, height: 1080, seconds: 5, fps: 24, bitrate: '16M' },
  { name: '1080p portrait', width: 1080, height: 1920, seconds: 5, fps: 24, bitrate: '16M' },
  { name: '720p landscape', width: 1280, height: 720, seconds: 5, fps: 24, bitrate: '10M' },
  { name: '720p portrait', width: 720, height: 1280, seconds: 5, fps: 24, bitrate: '10M' },
];

export const QUICK_CORPUS: CorpusClip[] = [
  { name: '720p landscape', width: 1280, height: 720, seconds: 2, fps: 24, bitrate: '10M' },
  { name: '720p portrait', width: 720, height: 1280, seconds: 2, fps: 24, bitrate: '10M' },
];

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/Library/Fonts/Arial.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
];

/**
 * A filter graph that looks like generated footage: a slowly moving colour gradient, a zooming fractal (fine
 * texture, soft and hard edges), a moving test card with small digits, a ticking caption, and faint grain.
 * Everything but the final overlay is rendered below full size and scaled up, which keeps generation quick.
 */
export function corpusFilterGraph(clip: CorpusClip): string {
  const { width: w, height: h, fps, seconds } = clip;
  const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);
  const font = FONT_CANDIDATES.find((file) => existsSync(file));
  const caption = font
    ? `,drawtext=fontfile=${font}:text='draft2video %{pts\\:hms}':fontsize=${even(Math.min(w, h) / 14)}:fontcolor=white:x='W-tw-40-t*60':y=H-th-40:box=1:boxcolor=black@0.4`
    : '';
  return [
    `nullsrc=s=96x54:r=${fps}:d=${seconds},geq=r='128+100*sin(X/15+T)':g='128+100*sin(Y/9-T*0.7)':b='128+90*cos((X+Y)/20+T*0.5)',scale=${w}x${h}:flags=bicubic,setsar=1,format=yuv420p[bg]`,
    `mandelbrot=s=${even(w / 2)}x${even(h / 2)}:r=${fps}:maxiter=96:end_scale=0.02:end_pts=400,scale=${w}x${h},setsar=1,format=yuva420p,colorchannelmixer=aa=0.55[tex]`,
    `testsrc2=s=${even(w / 3)}x${even(h / 3)}:r=${fps}[card]`,
    `[bg][tex]overlay=shortest=1[base]`,
    `[base][card]overlay=x='mod(t*180,W-w)':y='(H-h)/2+100*sin(t*2)':shortest=1${caption},noise=alls=3:allf=t,setsar=1`,
  ].join(';');
}

/** Renders `clip` to an H.264 MP4 at its bit rate (peaks capped by maxrate/bufsize). */
export async function renderClip(clip: CorpusClip, file: string): Promise<void> {
  const rate = parseFloat(clip.bitrate);
  const unit = clip.bitrate.replace(/^[\d.]+/, '');
  await runFfmpeg([
    '-filter_complex', corpusFilterGraph(clip),
    '-t', String(clip.seconds),
    '-r', String(clip.fps),
    '-c:v', 'libx264', '-preset', 'veryfast',
    '-b:v', clip.bitrate, '-maxrate', `${Math.round(rate * 1.2)}${unit}`, '-bufsize', `${Math.round(rate * 2)}${unit}`,
    '-pix_fmt', 'yuv420p',
    file,
  ]);
}
