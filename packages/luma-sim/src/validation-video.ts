/**
 * Validation of `POST /generations` (video): the body's schema (model, prompt, aspect ratio, resolution, duration,
 * loop, keyframes, concepts, callback) and Luma's video rules — a prompt unless an image keyframe stands in for
 * it, loop only with a start frame, keyframe images as http(s) URLs and keyframe generations (extensions) that
 * exist, are completed videos and leave the chain within its length limit, known camera concepts. The result is
 * the VideoSpec the engine renders from.
 */
import { ASPECT_RATIOS, AspectRatio, badRequest, Duration, DURATIONS, RESOLUTIONS, Resolution, VIDEO_MODELS, VideoModel } from './types';
import { isAbsent, isObject, requireObjectBody, SchemaErrors, type JsonObject, type Loc } from './validation-fields';
import {
  checkCallbackUrl,
  checkChoice,
  checkImageUrl,
  checkPrompt,
  type ExistingGeneration,
  type GenerationLookup,
  type InputImage,
} from './validation-rules';

/**
 * Concept keys the sim accepts (Luma's camera concepts; the live list is longer and changes, this is the subset
 * we know of).
 */
export const CONCEPT_KEYS: readonly string[] = [
  'aerial',
  'aerial_drone',
  'bolt_cam',
  'crane_down',
  'crane_up',
  'dolly_zoom',
  'elevator_doors',
  'eye_level',
  'ground_level',
  'handheld',
  'high_angle',
  'low_angle',
  'orbit_left',
  'orbit_right',
  'over_the_shoulder',
  'overhead',
  'pan_left',
  'pan_right',
  'pedestal_down',
  'pedestal_up',
  'pov',
  'pull_out',
  'push_in',
  'roll_left',
  'roll_right',
  'selfie',
  'static',
  'tiny_planet',
  'truck_left',
  'truck_right',
  'zoom_in',
  'zoom_out',
];

export type Keyframe = { type: 'image'; url: string } | { type: 'generation'; id: string };

export interface VideoSpec {
  generationType: 'video';
  model: VideoModel;
  prompt?: string;
  aspectRatio: AspectRatio;
  resolution: Resolution;
  duration: Duration;
  loop: boolean;
  frame0?: Keyframe;
  frame1?: Keyframe;
  concepts: string[];
  callbackUrl?: string;
  inputImages: InputImage[];
  /** Seconds of the whole chain once this clip is added (the clip alone unless it extends a generation). */
  chainSeconds: number;
}

function parseKeyframe(errors: SchemaErrors, keyframes: JsonObject, name: 'frame0' | 'frame1'): Keyframe | undefined {
  const frame = errors.optionalObject(keyframes, name, ['keyframes']);
  if (!frame) return undefined;
  const loc: Loc = ['keyframes', name];
  const tag = frame.type;
  if (tag === 'image') {
    const url = errors.requiredString(frame, 'url', [...loc, 'image']);
    return url === undefined ? undefined : { type: 'image', url };
  }
  if (tag === 'generation') {
    const id = errors.requiredString(frame, 'id', [...loc, 'generation']);
    return id === undefined ? undefined : { type: 'generation', id };
  }
  if (isAbsent(tag)) {
    errors.add('union_tag_not_found', loc, "Unable to extract tag using discriminator 'type'", frame, {
      discriminator: "'type'",
    });
  } else {
    errors.add(
      'union_tag_invalid',
      loc,
      `Input tag '${String(tag)}' found using 'type' does not match any of the expected tags: 'image', 'generation'`,
      frame,
      { discriminator: "'type'", tag: String(tag), expected_tags: "'image', 'generation'" },
    );
  }
  return undefined;
}

function checkKeyframeGeneration(field: string, id: string, lookup: GenerationLookup): ExistingGeneration {
  const existing = lookup(id);
  if (!existing) throw badRequest(`Keyframe generation ${id} not found (${field})`);
  if (existing.media === 'image') {
    throw badRequest(`Keyframe generation ${id} is an image generation; use its image URL instead (${field})`);
  }
  if (existing.state !== 'completed') {
    throw badRequest(`Keyframe generation ${id} is not completed (${field})`);
  }
  return existing;
}

/**
 * An extension (a generation as a keyframe) makes the chain longer by the new clip; Luma caps how long a chain
 * may get. Interpolating between two generations joins both chains.
 */
function checkExtendedLength(sources: ExistingGeneration[], duration: Duration, maxSeconds: number): number {
  const total = sources.reduce((sum, s) => sum + (s.chainSeconds ?? s.durationSeconds ?? 0), Number.parseInt(duration, 10));
  if (total > maxSeconds) {
    throw badRequest(`Cannot extend: the video would be ${total} seconds long, the maximum is ${maxSeconds} seconds`);
  }
  return total;
}

/** `maxExtendedSeconds`: the longest chain an extension may produce (FollowUpOptions). */
export function validateVideoRequest(rawBody: unknown, lookup: GenerationLookup, maxExtendedSeconds = Infinity): VideoSpec {
  const body = requireObjectBody(rawBody);
  const errors = new SchemaErrors();
  const model = errors.requiredEnum(body, 'model', VIDEO_MODELS);
  const prompt = errors.optionalString(body, 'prompt');
  const aspectRatio = errors.optionalString(body, 'aspect_ratio');
  const resolution = errors.optionalString(body, 'resolution');
  const duration = errors.optionalString(body, 'duration');
  const loop = errors.optionalBoolean(body, 'loop') ?? false;
  const callbackUrl = errors.optionalString(body, 'callback_url');
  errors.optionalLiteral(body, 'generation_type', 'video');
  const keyframes = errors.optionalObject(body, 'keyframes');
  const frame0 = keyframes ? parseKeyframe(errors, keyframes, 'frame0') : undefined;
  const frame1 = keyframes ? parseKeyframe(errors, keyframes, 'frame1') : undefined;
  const concepts: string[] = [];
  (errors.optionalArray(body, 'concepts') ?? []).forEach((c, i) => {
    if (!isObject(c)) return errors.add('dict_type', ['concepts', i], 'Input should be a valid dictionary', c);
    const key = errors.requiredString(c, 'key', ['concepts', i]);
    if (key !== undefined) concepts.push(key);
  });
  errors.throwIfAny();

  const hasImageKeyframe = frame0?.type === 'image' || frame1?.type === 'image';
  const checkedPrompt = checkPrompt(prompt, !hasImageKeyframe);
  const spec: VideoSpec = {
    generationType: 'video',
    model: model!,
    prompt: checkedPrompt,
    aspectRatio: checkChoice('aspect_ratio', aspectRatio, ASPECT_RATIOS, '16:9'),
    resolution: checkChoice('resolution', resolution, RESOLUTIONS, '720p'),
    duration: checkChoice('duration', duration, DURATIONS, '5s'),
    loop,
    frame0,
    frame1,
    concepts,
    callbackUrl: checkCallbackUrl(callbackUrl),
    inputImages: [],
    chainSeconds: 0,
  };

  if (loop) {
    if (frame0 && frame1) throw badRequest('Loop is not supported for interpolation between two keyframes');
    if (frame1?.type === 'generation') throw badRequest('Loop is not supported for reverse extend');
    if (frame1) throw badRequest('Loop is not supported for end keyframes (frame1)');
  }
  const sources: ExistingGeneration[] = [];
  for (const [name, frame] of [
    ['frame0', frame0],
    ['frame1', frame1],
  ] as const) {
    if (!frame) continue;
    const field = `keyframes.${name}`;
    if (frame.type === 'image') {
      checkImageUrl(`${field}.url`, frame.url);
      spec.inputImages.push({ field: `${field}.url`, url: frame.url });
    } else {
      sources.push(checkKeyframeGeneration(field, frame.id, lookup));
    }
  }
  spec.chainSeconds = checkExtendedLength(sources, spec.duration, maxExtendedSeconds);
  for (const key of concepts) {
    if (!CONCEPT_KEYS.includes(key)) throw badRequest(`Unknown concept '${key}'`);
  }
  return spec;
}
