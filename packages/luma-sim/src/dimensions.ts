/**
 * Pixel sizes of what the sim renders. Luma's resolution names are the SHORT side (720p 16:9 = 1280x720,
 * 1080p 9:16 = 1080x1920); both sides are rounded to even numbers because H.264 with yuv420p needs them.
 */
import { AspectRatio, Resolution } from './types';

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
