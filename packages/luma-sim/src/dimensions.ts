/**
 * Pixel sizes of what the sim renders. Luma's resolution names are the SHORT side (720p 16:9 = 1280x720,
 * 1080p 9:16 = 1080x1920); both sides are rounded to even numbers because H.264 with yuv420p needs them.
 */
import { ASPECT_RATIOS, AspectRatio, Resolution } from './types';

export const SHORT_SIDE_PX: Record<Resolution, number> = { '540p': 540, '720p': 720, '1080p': 1080, '4k': 2160 };

export interface Size {
  width: number;
  height: number;
}

export function aspectParts(aspect: AspectRatio): [number, number] {
  const [w, h] = aspect.split(':').map(Number);
  return [w, h];
}

const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));

/** Size for a video: the short side is the resolution, capped at `maxShortSide` (4k is reported, not rendered). */
export function videoSize(resolution: Resolution, aspect: AspectRatio, maxShortSide = Infinity): Size {
  const short = Math.min(SHORT_SIDE_PX[resolution], maxShortSide);
  const [w, h] = aspectParts(aspect);
  return w >= h ? { width: even((short * w) / h), height: even(short) } : { width: even(short), height: even((short * h) / w) };
}

/** Size for an image: the long side is `longSide` (kept modest; Photon's real output is about this big). */
export function imageSize(aspect: AspectRatio, longSide = 1024): Size {
  const [w, h] = aspectParts(aspect);
  return w >= h ? { width: even(longSide), height: even((longSide * h) / w) } : { width: even((longSide * w) / h), height: even(longSide) };
}

/** A canvas of `aspect` whose short side is `short` px (reframe outputs keep the input's short side). */
export function sizeForShortSide(aspect: AspectRatio, short: number): Size {
  const [w, h] = aspectParts(aspect);
  return w >= h ? { width: even((short * w) / h), height: even(short) } : { width: even(short), height: even((short * h) / w) };
}

/** `size` scaled down (never up) so its short side is at most `maxShortSide`, both sides even. */
export function capShortSide(size: Size, maxShortSide: number): Size {
  const scale = Math.min(1, maxShortSide / Math.min(size.width, size.height));
  return { width: even(size.width * scale), height: even(size.height * scale) };
}

/** The resolution name a video of this short side reports (the largest one it reaches; 540p below that). */
export function resolutionForShortSide(short: number): Resolution {
  const reached = (Object.entries(SHORT_SIDE_PX) as [Resolution, number][]).filter(([, px]) => short >= px - 2);
  return reached.length > 0 ? reached[reached.length - 1][0] : '540p';
}

/** Whether `size` has `aspect` (within 2 %, so even-pixel rounding does not matter). */
export function hasAspectRatio(size: Size, aspect: AspectRatio): boolean {
  const [w, h] = aspectParts(aspect);
  return Math.abs(size.width / size.height / (w / h) - 1) < 0.02;
}

/** The Luma aspect ratio `size` has, if any. */
export function aspectRatioOf(size: Size): AspectRatio | undefined {
  return ASPECT_RATIOS.find((a) => hasAspectRatio(size, a));
}

/** `size` scaled (up or down) so its short side is `short`, keeping its proportions; both sides even. */
export function withShortSide(size: Size, short: number): Size {
  const scale = short / Math.min(size.width, size.height);
  return { width: even(size.width * scale), height: even(size.height * scale) };
}
