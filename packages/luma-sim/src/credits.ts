/**
 * Credits: the price table and the balance. Luma charges at submit and refunds in full when a generation fails;
 * a rejected request (4xx/5xx/429) is never charged.
 *
 * Prices in USD cents. Video: the third-party ray-2 table from LUMA_API.md (9 s ≈ 1.8×, ray-flash-2 ≈ ⅓).
 * Image, upscale and audio prices are not documented anywhere we trust; the numbers below are assumptions of
 * the right order of magnitude, only there so that balances move.
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

/** Assumption: an upscale costs what a fresh generation at the target resolution would. */
export function upscaleCostCents(model: VideoModel, target: Resolution, duration: Duration): number {
  return videoCostCents(model, target, duration);
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
