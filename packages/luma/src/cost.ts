/**
 * Rough cost of a Luma create, in USD cents, for analytics and budgets. ESTIMATES ONLY: the video figures come
 * from a third-party price table (see the Luma API brief (LUMA_API.md, shared with the project brief)), not from
 * Luma's pricing page, and the Photon figures are ballpark numbers. The follow-ups are estimates too: modify uses
 * Luma's published $0.01582 per million output pixels; upscale, audio and reframe prices are not published in a
 * form we trust and are assumptions (see estimateFollowUpCostCents). Luma bills at submit and refunds failed
 * generations in full; these functions do not know about refunds. An extension is a video create: price it with
 * estimateCostCents.
 */
import type { ImageGenerationRequest, ImageModel, Resolution, VideoGenerationRequest, VideoModel } from './types';

type VideoResolution = Resolution;

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

/** What an edit's price depends on: the source video, when the caller knows it (else 720p 16:9 5 s is assumed). */
export interface SourceVideoShape {
  width: number;
  height: number;
  durationSeconds: number;
}

/** The follow-up operations, with what their estimate needs. */
export type FollowUpCostInput =
  | { operation: 'upscale'; model: VideoModel; resolution: Resolution; sourceDurationSeconds: number }
  | { operation: 'add_audio' }
  | { operation: 'modify'; model: VideoModel; source?: SourceVideoShape }
  | { operation: 'reframe_video'; model: VideoModel; resolution?: Resolution; sourceDurationSeconds?: number }
  | { operation: 'reframe_image'; model: ImageModel };

/** Luma's modify price (its own page): 1.582 ¢ per million output pixels at 24 fps; 720p 16:9 5 s ≈ 175 ¢. */
const MODIFY_CENTS_PER_MEGAPIXEL = 1.582;
const MODIFY_FPS = 24;
const ASSUMED_SOURCE: SourceVideoShape = { width: 1280, height: 720, durationSeconds: 5 };
/** Estimate: adding audio is a flat, small fee. */
const ADD_AUDIO_CENTS = 10;

/**
 * Rough cost of a follow-up in USD cents. ESTIMATES, assumed where Luma publishes nothing: an upscale costs a
 * fresh ray generation at the target resolution, pro rata for its source's length; a video reframe costs a fresh
 * generation of the model at the source's resolution and length (Luma: "same as the cost of the models"); an image
 * reframe costs an image of the model; ray-flash-2 is a third of ray-2 throughout.
 */
export function estimateFollowUpCostCents(input: FollowUpCostInput): number {
  switch (input.operation) {
    case 'upscale':
      return roundToHundredths(videoCentsPerSecond(input.model, input.resolution) * input.sourceDurationSeconds);
    case 'add_audio':
      return ADD_AUDIO_CENTS;
    case 'modify': {
      const { width, height, durationSeconds } = input.source ?? ASSUMED_SOURCE;
      const megapixels = (width * height * durationSeconds * MODIFY_FPS) / 1e6;
      return roundToHundredths(megapixels * MODIFY_CENTS_PER_MEGAPIXEL * (VIDEO_MODEL_FACTOR[input.model] ?? 1));
    }
    case 'reframe_video':
      return roundToHundredths(
        videoCentsPerSecond(input.model, input.resolution ?? ASSUMED_DEFAULT_RESOLUTION) * (input.sourceDurationSeconds ?? 5),
      );
    case 'reframe_image':
      return roundToHundredths(PHOTON_IMAGE_CENTS[input.model] ?? PHOTON_IMAGE_CENTS['photon-1']);
  }
}

/** A 5 s ray clip's price spread over its seconds (9 s = 1.8 × 5 s is exactly pro rata). */
function videoCentsPerSecond(model: VideoModel, resolution: Resolution): number {
  const base = RAY2_FIVE_SECOND_CENTS[resolution] ?? RAY2_FIVE_SECOND_CENTS[ASSUMED_DEFAULT_RESOLUTION];
  return (base * (VIDEO_MODEL_FACTOR[model] ?? 1)) / 5;
}

function isImageRequest(req: VideoGenerationRequest | ImageGenerationRequest): req is ImageGenerationRequest {
  return req.model === 'photon-1' || req.model === 'photon-flash-1' || req.generation_type === 'image';
}

/** Fractional cents are kept (a Photon image costs about one cent); hundredths are plenty for an estimate. */
function roundToHundredths(cents: number): number {
  return Math.round(cents * 100) / 100;
}
