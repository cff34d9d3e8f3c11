/**
 * Credits: the price table and the balance. Luma charges at submit and refunds in full when a generation fails;
 * a rejected request (4xx/5xx/429) is never charged.
 *
 * Prices in USD cents. Video: the third-party ray-2 table from LUMA_API.md (9 s ≈ 1.8×, ray-flash-2 ≈ ⅓).
 * Modify: Luma's published $0.01582 per million output pixels (its example: 720p 16:9 5 s = $1.75). Image,
 * upscale, audio and reframe prices are not documented anywhere we trust; the numbers below are assumptions of
 * the right order of magnitude, only there so that balances move. The edits are charged at submit, before their
 * input is read, so their price assumes a 720p 16:9 5 s input (README, "Assumptions").
 */
import { Duration, ImageModel, Resolution, VideoModel } from './types';

const RAY2_5S_CENTS: Record<Resolution, number> = { '540p': 40, '720p': 71, '1080p': 159, '4k': 637 };
const IMAGE_CENTS: Record<ImageModel, number> = { 'photon-1': 2, 'photon-flash-1': 1 };
/** Assumption: adding audio costs a flat fee. */
export const ADD_AUDIO_CENTS = 10;

export function videoCostCents(model: VideoModel, resolution: Resolution, duration: Duration): number {
  let cents = RAY2_5S_CENTS[resolution];
  if (duration === '9s') cents *= 1.8;
  if (model === 'ray-flash-2') cents /= 3;
  return Math.max(1, Math.round(cents));
}

export function imageCostCents(model: ImageModel): number {
  return IMAGE_CENTS[model];
}

/**
 * Assumption: an upscale costs what a fresh generation at the target resolution would, pro rata for sources
 * that are neither 5 s nor 9 s long (extension chains, edits of outside videos).
 */
export function upscaleCostCents(model: VideoModel, target: Resolution, duration: Duration | number): number {
  if (duration === '5s' || duration === '9s') return videoCostCents(model, target, duration);
  return Math.max(1, Math.round((videoCostCents(model, target, '5s') * duration) / 5));
}

/** Luma's modify price: USD cents per million output pixels (frames × width × height, 24 fps). */
export const MODIFY_CENTS_PER_MEGAPIXEL = 1.582;
const ASSUMED_EDIT_INPUT = { width: 1280, height: 720, seconds: 5 };

/** Modify of the assumed 720p 16:9 5 s input: 175 cents for ray-2 (Luma's example), ⅓ for ray-flash-2 (assumed). */
export function modifyCostCents(model: VideoModel): number {
  const { width, height, seconds } = ASSUMED_EDIT_INPUT;
  const cents = ((width * height * seconds * 24) / 1e6) * MODIFY_CENTS_PER_MEGAPIXEL;
  return Math.max(1, Math.round(model === 'ray-flash-2' ? cents / 3 : cents));
}

/** Assumption: a video reframe costs what a 720p 5 s generation of the model does ("same as the model"). */
export function reframeVideoCostCents(model: VideoModel): number {
  return videoCostCents(model, '720p', '5s');
}

/** Assumption: an image reframe costs what an image of the model does. */
export function reframeImageCostCents(model: ImageModel): number {
  return imageCostCents(model);
}

export class CreditLedger {
  constructor(private balanceCents: number) {}

  get balance(): number {
    return this.balanceCents;
  }

  set(balanceCents: number): void {
    if (!Number.isFinite(balanceCents)) throw new Error('credit balance must be a finite number');
    this.balanceCents = balanceCents;
  }

  /** Takes the cost if the balance covers it; false (and nothing taken) otherwise. */
  tryCharge(cents: number): boolean {
    if (this.balanceCents < cents) return false;
    this.balanceCents -= cents;
    return true;
  }

  refund(cents: number): void {
    this.balanceCents += cents;
  }
}
