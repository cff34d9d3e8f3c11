import type { VideoRequest, VideoState } from '@d2v/schema';

/**
 * The two Luma stages a request can go through. A draft with images first gets a Photon keyframe, then the
 * Ray video; a text draft only the video. Everything stage-specific is looked up here.
 */
export type Stage = 'keyframe' | 'video';

export interface StageSpec {
  /** Waiting for a submit slot. */
  queued: VideoState;
  /** Where the billed create happens (the keyframe stage has no state of its own for it; a lease covers it). */
  submitting: VideoState;
  /** Luma is working. */
  waiting: VideoState;
  generationType: 'image' | 'video';
  /** Where the bar stands while Luma works: from the waiting state's own value up to just below the next state's. */
  dreamingProgressTo: number;
  generationId(doc: VideoRequest): string | undefined;
  intentAt(doc: VideoRequest): number | undefined;
}

export const STAGES: Record<Stage, StageSpec> = {
  keyframe: {
    queued: 'keyframe_queued',
    submitting: 'keyframe_queued',
    waiting: 'keyframe_dreaming',
    generationType: 'image',
    dreamingProgressTo: 0.14,
    generationId: (doc) => doc.luma?.keyframeGenerationId,
    intentAt: (doc) => doc.luma?.keyframeIntentAt,
  },
  video: {
    queued: 'queued',
    submitting: 'submitting',
    waiting: 'dreaming',
    generationType: 'video',
    dreamingProgressTo: 0.68,
    generationId: (doc) => doc.luma?.generationId,
    intentAt: (doc) => doc.luma?.submitIntentAt,
  },
};

/** The bar's plan for a generation Luma accepted now: at the stage's end after a typical generation's time. */
export function dreamingPlan(spec: StageSpec, now: number, expectedDreamingMs: number): NonNullable<VideoRequest['progressPlan']> {
  return { to: spec.dreamingProgressTo, at: new Date(now + expectedDreamingMs).toISOString() };
}

export function stageOf(payloadStage: string | undefined): Stage {
  return payloadStage === 'keyframe' ? 'keyframe' : 'video';
}
