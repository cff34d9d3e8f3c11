/**
 * Rough cost of a Luma create, in USD cents, for analytics and budgets. ESTIMATES ONLY: the video figures come
 * from a third-party price table (see the Luma API brief), not from Luma's pricing page, and the Photon
 * figures are ballpark numbers. Luma bills at submit and refunds failed generations in full; this function does not
 * know about refunds.
 */
import type { ImageGenerationRequest, VideoGenerationRequest } from './types';

type VideoResolution = NonNullable<VideoGenerationRequest['resolution']>;

/** ray-2, 5 s clip, by resolution. */
const RAY2_FIVE_SECOND_CENTS: Record<VideoResolution, number> = { '540p': 40, '720p': 71, '1080p': 159, '4k': 637 };
/** A 9 s clip costs about 1.8× a 5 s one (more frames, not quite proportional). */
const NINE_SECOND_FACTOR = 1.8;
/** ray-flash-2 is about a third of ray-2. */
const VIDEO_MODEL_FACTOR: Record<VideoGenerationRequest['model'], number> = { 'ray-2': 1, 'ray-flash-2': 1 / 3 };
/** Luma does not document a default resolution for the API; 720p is what it has produced without one. Estimate. */
const ASSUMED_DEFAULT_RESOLUTION: VideoResolution = '720p';

/** Per image, at roughly 1080p-equivalent pixels. Estimates: photon-1 ≈ 1.5 ¢, photon-flash-1 ≈ 0.4 ¢. */
const PHOTON_IMAGE_CENTS: Record<ImageGenerationRequest['model'], number> = { 'photon-1': 1.5, 'photon-flash-1': 0.4 };

export function estimateCostCents(req: VideoGenerationRequest | ImageGenerationRequest): number {
  return roundToHundredths(isImageRequest(req) ? estimateImageCents(req) : estimateVideoCents(req));
}

function estimateVideoCents(req: VideoGenerationRequest): number {
  // Unknown values (e.g. from untyped JSON) fall back to ray-2 / the default resolution rather than NaN.
  const base = RAY2_FIVE_SECOND_CENTS[req.resolution ?? ASSUMED_DEFAULT_RESOLUTION] ?? RAY2_FIVE_SECOND_CENTS[ASSUMED_DEFAULT_RESOLUTION];
  const durationFactor = req.duration === '9s' ? NINE_SECOND_FACTOR : 1;
  const modelFactor = VIDEO_MODEL_FACTOR[req.model] ?? 1;
  return base * durationFactor * modelFactor;
}

function estimateImageCents(req: ImageGenerationRequest): number {
  return PHOTON_IMAGE_CENTS[req.model] ?? PHOTON_IMAGE_CENTS['photon-1'];
}

function isImageRequest(req: VideoGenerationRequest | ImageGenerationRequest): req is ImageGenerationRequest {
  return req.model === 'photon-1' || req.model === 'photon-flash-1' || req.generation_type === 'image';
}

/** Fractional cents are kept (a Photon image costs about one cent); hundredths are plenty for an estimate. */
function roundToHundredths(cents: number): number {
  return Math.round(cents * 100) / 100;
}
