/**
 * Luma's per-account limits (issue #10), per model family: generations in flight at once and creates per rolling
 * minute. Ray (video) and Photon (image keyframes) are budgeted separately at Luma, so each stage of the pipeline
 * is admitted against its own family. The numbers are config (Luma tiers differ): `lumaMaxConcurrent`,
 * `lumaCreatesPerMinute`, `lumaPhotonMaxConcurrent`, `lumaPhotonCreatesPerMinute`.
 */
import type { VideoRequest, VideoState } from '@d2v/schema';
import type { CoreConfig } from '../config';
import { STAGES, type Stage } from '../steps/stages';

export type ModelFamily = 'ray' | 'photon';

/** Luma counts creates in a rolling window of this length. */
export const CREATE_WINDOW_MS = 60_000;

/**
 * How long our ledger counts a create: a little longer than Luma does, because the time we hold (the intent, written
 * before the call) is a moment earlier than the time Luma accepted it, and a create let go at the intent's minute
 * would still be in Luma's window (a 429). Half a second covers the call's latency; it costs a rate-bound line 0.8 %.
 */
export const CREATE_COUNTED_MS = CREATE_WINDOW_MS + 500;

export interface FamilyLimits {
  maxConcurrent: number;
  createsPerMinute: number;
}

export interface FamilyLedger {
  family: ModelFamily;
  /** A request in one of these states holds one of the family's slots: its generation is (or may be) at Luma. */
  holding: readonly VideoState[];
  /** The state requests wait in for this family (their place in line is their `stateSince`). */
  waiting: VideoState;
  /** The request field holding the time of its create (the intent written right before the call), epoch ms… */
  createdAtField: string;
  /** …and its value on a request (the stage's own `intentAt`). */
  createdAt(doc: VideoRequest): number | undefined;
}

/**
 * The ledger is the requests themselves: a slot is held by being in a holding state, so it is released by the very
 * transition that ends the generation (downloading, failed, cancelled, deleted) — no release write to lose. A 429
 * moves the request back to `queued` and clears its intent: the slot and the window's create go back with it,
 * as Luma counted nothing.
 */
export const LEDGERS: Record<Stage, FamilyLedger> = {
  video: { family: 'ray', holding: ['submitting', 'dreaming'], waiting: 'queued', createdAtField: 'luma.submitIntentAt', createdAt: STAGES.video.intentAt },
  keyframe: { family: 'photon', holding: ['keyframe_dreaming'], waiting: 'keyframe_queued', createdAtField: 'luma.keyframeIntentAt', createdAt: STAGES.keyframe.intentAt },
};

export function familyLimits(config: CoreConfig, family: ModelFamily): FamilyLimits {
  return family === 'ray'
    ? { maxConcurrent: config.lumaMaxConcurrent, createsPerMinute: config.lumaCreatesPerMinute }
    : { maxConcurrent: config.lumaPhotonMaxConcurrent, createsPerMinute: config.lumaPhotonCreatesPerMinute };
}
