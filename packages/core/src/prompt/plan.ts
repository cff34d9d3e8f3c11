import type { Draft, ImageRef, VideoOptions } from '@d2v/schema';
import type { ImageGenerationRequest, VideoGenerationRequest, WeightedImage } from '@d2v/luma';
import { isOwnedBlobPath } from '@d2v/schema';
import { PipelineError } from '../errors';
import { sanitizeDraftText, truncateAtWord } from './sanitize';
import { QUALITY_MODIFIERS, STYLE_HINTS } from './styles';

export const LUMA_PROMPT_MIN = 3;
export const LUMA_PROMPT_MAX = 5000;
/** Ray follows a focused prompt better than a wall of text; long drafts are cut to this. */
export const PROMPT_TARGET = 1200;
export const MAX_IMAGE_REFS = 4;
export const MAX_CHARACTER_IMAGES = 4;

/** Which part of the draft became which part of the prompt (shown by `d2v prompt`, stored on the request). */
export interface PromptPart {
  source: 'title' | 'text' | 'hashtags' | 'style' | 'quality';
  text: string;
}

export interface LumaPlan {
  /** Photon keyframe first when the draft has images (Ray takes no weights or characters). */
  keyframe?: ImageGenerationRequest;
  video: VideoGenerationRequest;
  warnings: string[];
  parts: PromptPart[];
}

export interface PlanContext {
  /** Short-lived URL Luma can fetch for an object in the owner's Storage. */
  signBlobUrl(path: string): Promise<string>;
  imageHostAllowList: readonly string[];
}

export async function buildLumaPlan(draft: Draft, options: VideoOptions, ctx: PlanContext): Promise<LumaPlan> {
  const warnings: string[] = [];
  const parts: PromptPart[] = [];
  const title = draft.title ? sanitizeDraftText(draft.title).text : '';
  const body = sanitizeDraftText(draft.text ?? '');
  if (body.removed.urls + body.removed.emails + body.removed.phones > 0) {
    warnings.push('Links, e-mail addresses and phone numbers were left out of the prompt.');
  }
  if (title) parts.push({ source: 'title', text: title });
  if (body.text && body.text !== title) parts.push({ source: 'text', text: body.text });

  const hasImages = draft.referenceImages.length + draft.characterImages.length + (draft.styleImage ? 1 : 0) > 0;
  const subject = parts.map((p) => p.text).join('. ');
  if (!subject && !hasImages) throw new PipelineError('DRAFT_EMPTY');
  if (subject && Array.from(subject).length < LUMA_PROMPT_MIN && !hasImages) throw new PipelineError('PROMPT_TOO_SHORT');

  const style = draft.style ? STYLE_HINTS[draft.style] : undefined;
  if (style?.hint) parts.push({ source: 'style', text: style.hint });
  parts.push({ source: 'quality', text: QUALITY_MODIFIERS });

  const suffix = [style?.hint, QUALITY_MODIFIERS].filter(Boolean).join(', ');
  const room = Math.max(LUMA_PROMPT_MIN, PROMPT_TARGET - suffix.length - 2);
  const subjectText = subject ? truncateAtWord(subject, room) : 'A short video in the style of the reference images';
  if (subject && subjectText.length < subject.length) warnings.push(`The draft text was shortened to ${subjectText.length} characters for the prompt.`);
  const prompt = truncateAtWord(`${subjectText}. ${suffix}`, LUMA_PROMPT_MAX);

  const video: VideoGenerationRequest = {
    model: options.model,
    prompt,
    aspect_ratio: options.aspectRatio,
    resolution: options.resolution,
    duration: options.duration,
    generation_type: 'video',
  };
  if (options.loop) video.loop = true;
  if (style?.concept) video.concepts = [{ key: style.concept }];

  if (!hasImages) return { video, warnings, parts };

  const resolveUrl = (ref: ImageRef) => resolveImageUrl(draft.uid, ref, ctx);
  const sorted = [...draft.referenceImages].sort((a, b) => (b.weight ?? 0.5) - (a.weight ?? 0.5));
  if (sorted.length > MAX_IMAGE_REFS) {
    warnings.push(`Only the ${MAX_IMAGE_REFS} strongest of ${sorted.length} reference images were used.`);
  }
  const keyframe: ImageGenerationRequest = {
    model: 'photon-1',
    prompt,
    aspect_ratio: options.aspectRatio,
    generation_type: 'image',
  };
  const imageRefs: WeightedImage[] = [];
  for (const ref of sorted.slice(0, MAX_IMAGE_REFS)) {
    imageRefs.push({ url: await resolveUrl(ref), weight: normaliseWeight(ref.weight, warnings) });
  }
  if (imageRefs.length) keyframe.image_ref = imageRefs;
  if (draft.characterImages.length) {
    if (draft.characterImages.length > MAX_CHARACTER_IMAGES) {
      warnings.push(`Only ${MAX_CHARACTER_IMAGES} of ${draft.characterImages.length} character photos were used.`);
    }
    const images: string[] = [];
    for (const ref of draft.characterImages.slice(0, MAX_CHARACTER_IMAGES)) images.push(await resolveUrl(ref));
    keyframe.character_ref = { identity0: { images } };
  }
  if (draft.styleImage) {
    keyframe.style_ref = [{ url: await resolveUrl(draft.styleImage), weight: normaliseWeight(draft.styleImage.weight, warnings) }];
  }
  return { keyframe, video, warnings, parts };
}

/** Weights are clamped to Luma's [0, 1]; a missing weight means an even 0.5 influence. */
function normaliseWeight(weight: number | undefined, warnings: string[]): number {
  if (weight === undefined) return 0.5;
  if (!Number.isFinite(weight)) throw new PipelineError('INVALID_REQUEST', 'An image weight is not a number.');
  if (weight < 0 || weight > 1) {
    warnings.push(`An image weight of ${weight} was clamped to [0, 1].`);
    return Math.min(1, Math.max(0, weight));
  }
  return weight;
}

/** Only the owner's own Storage objects or allow-listed hosts ever reach Luma (no SSRF through drafts). */
async function resolveImageUrl(uid: string, ref: ImageRef, ctx: PlanContext): Promise<string> {
  if (ref.path) {
    if (!isOwnedBlobPath(uid, ref.path)) {
      throw new PipelineError('IMAGE_NOT_ALLOWED', 'An image in the draft belongs to someone else.', ref.path);
    }
    return ctx.signBlobUrl(ref.path);
  }
  let url: URL;
  try {
    url = new URL(ref.url ?? '');
  } catch {
    throw new PipelineError('IMAGE_NOT_ALLOWED', 'An image link in the draft is not a valid URL.');
  }
  if (url.protocol !== 'https:' || !ctx.imageHostAllowList.includes(url.hostname)) {
    throw new PipelineError('IMAGE_NOT_ALLOWED', `Images from ${url.hostname} are not allowed.`, url.hostname);
  }
  return url.toString();
}
