/**
 * Validation of the endpoints that derive a new generation from a completed video: `POST /generations/{id}/upscale`
 * (a resolution above the source's, 4k at most) and `POST /generations/{id}/audio` (a prompt, optionally a
 * negative one, on a video without audio). Grouped because both check the same source first and carry little else.
 * The source is any completed video generation of this account, extensions and edits included.
 */
import { badRequest, RESOLUTIONS, Resolution } from './types';
import { requireObjectBody, SchemaErrors } from './validation-fields';
import {
  checkCallbackUrl,
  checkChoice,
  checkPrompt,
  PROMPT_MAX_LENGTH,
  requireCompletedVideo,
  type GenerationLookup,
} from './validation-rules';

export interface UpscaleSpec {
  generationType: 'upscale_video';
  resolution: Resolution;
  callbackUrl?: string;
}

export interface AudioSpec {
  generationType: 'add_audio';
  prompt: string;
  negativePrompt?: string;
  callbackUrl?: string;
}

const RESOLUTION_RANK: Record<Resolution, number> = { '540p': 0, '720p': 1, '1080p': 2, '4k': 3 };

export function validateUpscaleRequest(rawBody: unknown, sourceId: string, lookup: GenerationLookup): UpscaleSpec {
  const body = requireObjectBody(rawBody);
  const errors = new SchemaErrors();
  errors.optionalLiteral(body, 'generation_type', 'upscale_video');
  const resolution = errors.requiredString(body, 'resolution');
  const callbackUrl = errors.optionalString(body, 'callback_url');
  errors.throwIfAny();
  const target = checkChoice('resolution', resolution, RESOLUTIONS, '1080p');
  const source = requireCompletedVideo(sourceId, lookup, 'upscale');
  if (source.resolution && RESOLUTION_RANK[target] <= RESOLUTION_RANK[source.resolution]) {
    throw badRequest(`Cannot upscale a ${source.resolution} generation to ${target}`);
  }
  return { generationType: 'upscale_video', resolution: target, callbackUrl: checkCallbackUrl(callbackUrl) };
}

export function validateAudioRequest(rawBody: unknown, sourceId: string, lookup: GenerationLookup): AudioSpec {
  const body = requireObjectBody(rawBody);
  const errors = new SchemaErrors();
  errors.optionalLiteral(body, 'generation_type', 'add_audio');
  const prompt = errors.optionalString(body, 'prompt');
  const negativePrompt = errors.optionalString(body, 'negative_prompt');
  const callbackUrl = errors.optionalString(body, 'callback_url');
  errors.throwIfAny();
  const checkedPrompt = checkPrompt(prompt, true)!;
  if (negativePrompt !== undefined && negativePrompt.length > PROMPT_MAX_LENGTH) {
    throw badRequest(`Negative prompt is too long, maximum length is ${PROMPT_MAX_LENGTH} characters`);
  }
  const source = requireCompletedVideo(sourceId, lookup, 'add audio to');
  // Assumption (README): Luma does not say; refusing keeps a second paid audio pass from replacing the first.
  if (source.hasAudio) throw badRequest(`Generation ${sourceId} already has audio`);
  return { generationType: 'add_audio', prompt: checkedPrompt, negativePrompt, callbackUrl: checkCallbackUrl(callbackUrl) };
}
