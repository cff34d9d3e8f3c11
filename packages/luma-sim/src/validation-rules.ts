/**
 * Luma's own rules shared by several endpoints — the layer after the schema, answered as 400 with one `detail`
 * string in Luma's wording: prompt length, enum choices with their defaults, http(s) URLs for images and
 * callbacks, weights, and the checks on an existing generation a request builds on. Also the types the
 * validators share: the input images a spec carries and what validation may know of existing generations.
 */
import { AspectRatio, badRequest, GenerationState, GenerationType, Resolution } from './types';

export const PROMPT_MIN_LENGTH = 3;
export const PROMPT_MAX_LENGTH = 5000;

/**
 * A URL the sim must fetch when the generation starts; `field` names where it came from. Images are keyframes,
 * Photon references and first frames; videos are the `media` of modify and reframe.
 */
export interface InputImage {
  field: string;
  url: string;
  kind?: 'image' | 'video';
}

/** What validation needs to know about an existing generation (for keyframes, upscale and audio). */
export interface ExistingGeneration {
  generationType: GenerationType;
  state: GenerationState;
  /** What its asset is: image and reframe_image generations hold an image, every other type a video. */
  media: 'video' | 'image';
  /** Resolution it reports (videos; known once completed). */
  resolution?: Resolution;
  aspectRatio?: AspectRatio;
  /** Length of its video asset in seconds (videos; known once completed). */
  durationSeconds?: number;
  /** Length of the extension chain it ends, in seconds (= durationSeconds unless extensions hold only the new clip). */
  chainSeconds?: number;
  /** Whether its video has an audio track. */
  hasAudio: boolean;
}
export type GenerationLookup = (id: string) => ExistingGeneration | undefined;

export function checkPrompt(prompt: string | undefined, required: boolean): string | undefined {
  if (prompt === undefined || prompt.trim() === '') {
    if (required) throw badRequest('Prompt is required');
    return undefined;
  }
  if (prompt.length < PROMPT_MIN_LENGTH) {
    throw badRequest(`Prompt is too short, minimum length is ${PROMPT_MIN_LENGTH} characters`);
  }
  if (prompt.length > PROMPT_MAX_LENGTH) {
    throw badRequest(`Prompt is too long, maximum length is ${PROMPT_MAX_LENGTH} characters`);
  }
  return prompt;
}

export function checkChoice<T extends string>(field: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw badRequest(`Invalid ${field} '${value}', must be one of: ${allowed.join(', ')}`);
  }
  return value as T;
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function checkImageUrl(field: string, url: string): void {
  if (!isHttpUrl(url)) throw badRequest(`Invalid URL for ${field}: only http and https URLs are supported`);
}

export function checkCallbackUrl(url: string | undefined): string | undefined {
  if (url !== undefined && !isHttpUrl(url)) {
    throw badRequest('Invalid callback_url: only http and https URLs are supported');
  }
  return url;
}

export function checkWeight(field: string, weight: number | undefined): void {
  if (weight !== undefined && (weight < 0 || weight > 1)) throw badRequest(`Weight must be between 0 and 1 (${field})`);
}

/** Shared checks for the endpoints that derive a new generation from a completed video. */
export function requireCompletedVideo(sourceId: string, lookup: GenerationLookup, action: string): ExistingGeneration {
  const source = lookup(sourceId);
  if (!source) throw badRequest(`Generation ${sourceId} not found`);
  if (source.media === 'image') throw badRequest(`Cannot ${action} an image generation`);
  if (source.state !== 'completed') throw badRequest(`Generation ${sourceId} is not completed`);
  return source;
}
