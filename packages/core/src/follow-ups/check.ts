/**
 * Whether a follow-up can be made of a video, decided before anything is written or sent: an impossible one is
 * refused with its FOLLOW_UP_* code and a sentence, and costs no credit and no Luma call.
 */
import { ERROR_CATALOG, LUMA_RESOLUTIONS, type ActionRequest, type ErrorCode, type FollowUpSpec, type FollowUpType, type VideoRequest } from '@d2v/schema';
import type { CoreConfig } from '../config';

export type FollowUpCheck = { ok: true; spec: FollowUpSpec } | { ok: false; code: ErrorCode; message: string };

/** Where a follow-up's video comes from at Luma (its generation type): the lookup-before-create matches on it. */
export const FOLLOW_UP_GENERATION_TYPES: Record<FollowUpType, string> = {
  extend: 'video',
  upscale: 'upscale_video',
  addAudio: 'add_audio',
  restyle: 'modify_video',
  reframe: 'reframe_video',
};

const NEW_CLIP_SECONDS = { '5s': 5, '9s': 9 } as const;
const DEFAULT_RESTYLE_MODE = 'flex_1';

/** The follow-up an action asks for (its fields beyond the action's own). */
export function followUpSpecOf(action: ActionRequest & { type: FollowUpType }): FollowUpSpec {
  const spec: FollowUpSpec = { type: action.type };
  if (action.resolution) spec.resolution = action.resolution;
  if (action.aspectRatio) spec.aspectRatio = action.aspectRatio;
  if (action.duration) spec.duration = action.duration;
  if (action.prompt) spec.prompt = action.prompt;
  if (action.mode) spec.mode = action.mode;
  return spec;
}

const refuse = (code: ErrorCode, message: string = ERROR_CATALOG[code].message): FollowUpCheck => ({ ok: false, code, message });

/** `spec` checked against the original as it stands, completed with its defaults. */
export function checkFollowUp(config: CoreConfig, original: VideoRequest | null, spec: FollowUpSpec): FollowUpCheck {
  if (!original || (original.state !== 'ready' && original.state !== 'posted') || !original.outputs) {
    return refuse('FOLLOW_UP_NOT_READY', `A ${original?.state ?? 'missing'} video cannot have follow-ups yet: only a ready or posted one can.`);
  }
  if (original.shots?.length || original.parentRequestId || !original.luma.generationId) {
    return refuse('FOLLOW_UP_UNSUPPORTED', 'This video was joined from several clips or reused from an earlier one, so Luma has no single generation of it to build on.');
  }
  const seconds = original.outputs.durationMs / 1000;
  const fromType = original.followUp?.type;
  switch (spec.type) {
    case 'extend': {
      // Luma extends its own videos (text-to-video and their extensions), not the outputs of other operations.
      if (fromType && fromType !== 'extend') return refuse('FOLLOW_UP_UNSUPPORTED', `A video made by ${fromType} cannot be extended; extend the original instead.`);
      const duration = spec.duration ?? '5s';
      const total = seconds + NEW_CLIP_SECONDS[duration];
      if (total > config.maxExtendedSeconds + 0.5) {
        return refuse('FOLLOW_UP_TOO_LONG', `Extending by ${duration} would make the video ${Math.round(total)} seconds long; Luma allows ${config.maxExtendedSeconds} at most.`);
      }
      return { ok: true, spec: { ...spec, duration } };
    }
    case 'upscale': {
      const current = original.options.resolution;
      if (current === '4k') return refuse('FOLLOW_UP_RESOLUTION', 'This video is already 4k, the highest resolution Luma makes.');
      if (!spec.resolution) return refuse('FOLLOW_UP_INVALID', 'An upscale needs a resolution (720p, 1080p or 4k).');
      if (LUMA_RESOLUTIONS.indexOf(spec.resolution) <= LUMA_RESOLUTIONS.indexOf(current)) {
        return refuse('FOLLOW_UP_RESOLUTION', `This video is ${current}: an upscale must ask for more (up to 4k), not ${spec.resolution}.`);
      }
      return { ok: true, spec };
    }
    case 'addAudio': {
      const prompt = spec.prompt ?? promptOf(original);
      if (!prompt) return refuse('FOLLOW_UP_INVALID', 'Say what the audio should sound like (a prompt of 3 characters or more).');
      return { ok: true, spec: { ...spec, prompt } };
    }
    case 'restyle':
    case 'reframe': {
      if (seconds > config.maxFollowUpInputSeconds + 0.5) {
        return refuse('FOLLOW_UP_INPUT_TOO_LONG', `This video is ${Math.round(seconds)} seconds long; Luma restyles and reframes videos of up to ${config.maxFollowUpInputSeconds}.`);
      }
      if (spec.type === 'restyle') return { ok: true, spec: { ...spec, mode: spec.mode ?? DEFAULT_RESTYLE_MODE } };
      if (!spec.aspectRatio) return refuse('FOLLOW_UP_INVALID', 'A reframe needs the new aspect ratio (for example 9:16).');
      if (spec.aspectRatio === original.options.aspectRatio) {
        return refuse('FOLLOW_UP_SAME_RATIO', `This video is already ${spec.aspectRatio}: pick another aspect ratio to reframe it to.`);
      }
      return { ok: true, spec };
    }
  }
}

/** The prompt the original was made with (the default for an extension and its audio). */
export function promptOf(doc: VideoRequest): string | undefined {
  const prompt = (doc.lumaRequest as { prompt?: unknown } | undefined)?.prompt;
  return typeof prompt === 'string' && prompt.length >= 3 ? prompt.slice(0, 5000) : undefined;
}
