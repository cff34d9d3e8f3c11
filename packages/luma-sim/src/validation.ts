/**
 * Request validation, in Luma's two layers: first the schema (FastAPI/pydantic: wrong JSON types, missing or
 * unknown model → 422 with a list of field errors), then Luma's own rules (prompt length, enum values, loop,
 * keyframes, reference limits → 400 with one `detail` string). Nothing here has side effects, so a rejected
 * request is never charged and never counts toward limits.
 */
import {
  ASPECT_RATIOS,
  AspectRatio,
  badRequest,
  Duration,
  DURATIONS,
  FieldError,
  GenerationState,
  GenerationType,
  IMAGE_FORMATS,
  IMAGE_MODELS,
  ImageFormat,
  ImageModel,
  RESOLUTIONS,
  Resolution,
  unprocessable,
  VIDEO_MODELS,
  VideoModel,
} from './types';

export const PROMPT_MIN_LENGTH = 3;
export const PROMPT_MAX_LENGTH = 5000;
export const MAX_IMAGE_REFS = 4;
export const MAX_STYLE_REFS = 1;
export const MAX_CHARACTER_IMAGES = 4;

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

/** An image URL the sim must fetch when the generation starts; `field` names where it came from. */
export interface InputImage {
  field: string;
  url: string;
}

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
}

export interface ImageSpec {
  generationType: 'image';
  model: ImageModel;
  prompt: string;
  aspectRatio: AspectRatio;
  format: ImageFormat;
  callbackUrl?: string;
  inputImages: InputImage[];
  /** The image the result is "based on" (modify_image_ref, else the first image_ref): the sim paints it in. */
  backgroundUrl?: string;
  sync: boolean;
  syncTimeoutSeconds: number;
}

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

/** What validation needs to know about an existing generation (for keyframes, upscale and audio). */
export interface ExistingGeneration {
  generationType: GenerationType;
  state: GenerationState;
  /** Resolution it was rendered for (video generations only). */
  resolution?: Resolution;
}
export type GenerationLookup = (id: string) => ExistingGeneration | undefined;

// ---------------------------------------------------------------------------------------------------------------
// Schema layer (422)

type Loc = (string | number)[];
type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
/** pydantic treats an explicit null like an absent optional field. */
const isAbsent = (v: unknown) => v === undefined || v === null;
const quoteList = (values: readonly string[]) =>
  values.length === 1
    ? `'${values[0]}'`
    : `${values.slice(0, -1).map((v) => `'${v}'`).join(', ')} or '${values[values.length - 1]}'`;

/** Collects every schema problem of a body, as FastAPI does, then throws them all as one 422. */
class SchemaErrors {
  readonly list: FieldError[] = [];

  add(type: string, loc: Loc, msg: string, input: unknown, ctx?: Record<string, unknown>): undefined {
    const error: FieldError = { type, loc: ['body', ...loc], msg, input };
    if (ctx) error.ctx = ctx;
    this.list.push(error);
    return undefined;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw unprocessable(this.list);
  }

  optionalString(obj: JsonObject, key: string, loc: Loc = []): string | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'string') return this.add('string_type', [...loc, key], 'Input should be a valid string', v);
    return v;
  }

  requiredString(obj: JsonObject, key: string, loc: Loc = []): string | undefined {
    if (isAbsent(obj[key])) return this.add('missing', [...loc, key], 'Field required', obj);
    return this.optionalString(obj, key, loc);
  }

  optionalBoolean(obj: JsonObject, key: string, loc: Loc = []): boolean | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'boolean') return this.add('bool_type', [...loc, key], 'Input should be a valid boolean', v);
    return v;
  }

  optionalNumber(obj: JsonObject, key: string, loc: Loc = []): number | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return this.add('float_type', [...loc, key], 'Input should be a valid number', v);
    }
    return v;
  }

  optionalObject(obj: JsonObject, key: string, loc: Loc = []): JsonObject | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (!isObject(v)) return this.add('dict_type', [...loc, key], 'Input should be a valid dictionary', v);
    return v;
  }

  optionalArray(obj: JsonObject, key: string, loc: Loc = []): unknown[] | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (!Array.isArray(v)) return this.add('list_type', [...loc, key], 'Input should be a valid list', v);
    return v;
  }

  requiredEnum<T extends string>(obj: JsonObject, key: string, values: readonly T[], loc: Loc = []): T | undefined {
    const v = obj[key];
    if (isAbsent(v)) return this.add('missing', [...loc, key], 'Field required', obj);
    if (typeof v !== 'string' || !values.includes(v as T)) {
      const expected = quoteList(values);
      return this.add('enum', [...loc, key], `Input should be ${expected}`, v, { expected });
    }
    return v as T;
  }

  /** `generation_type` is a literal on each endpoint: optional, but if present it must match. */
  optionalLiteral(obj: JsonObject, key: string, literal: string): void {
    const v = obj[key];
    if (isAbsent(v) || v === literal) return;
    this.add('literal_error', [key], `Input should be '${literal}'`, v, { expected: `'${literal}'` });
  }
}

/** The root of every body must be a JSON object (FastAPI's wording for anything else). */
function requireObjectBody(body: unknown): JsonObject {
  if (body === undefined) throw unprocessable([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  if (!isObject(body)) {
    throw unprocessable([
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: body,
      },
    ]);
  }
  return body;
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

interface WeightedUrl {
  url: string;
  weight?: number;
}

function parseWeightedUrl(errors: SchemaErrors, value: unknown, loc: Loc): WeightedUrl | undefined {
  if (!isObject(value)) return errors.add('dict_type', loc, 'Input should be a valid dictionary', value);
  const url = errors.requiredString(value, 'url', loc);
  const weight = errors.optionalNumber(value, 'weight', loc);
  return url === undefined ? undefined : { url, weight };
}

function parseWeightedList(errors: SchemaErrors, body: JsonObject, key: string): WeightedUrl[] {
  const list = errors.optionalArray(body, key) ?? [];
  const out: WeightedUrl[] = [];
  list.forEach((item, i) => {
    const parsed = parseWeightedUrl(errors, item, [key, i]);
    if (parsed) out.push(parsed);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Luma's rules (400)

function checkPrompt(prompt: string | undefined, required: boolean): string | undefined {
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

function checkChoice<T extends string>(field: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
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

function checkImageUrl(field: string, url: string): void {
  if (!isHttpUrl(url)) throw badRequest(`Invalid URL for ${field}: only http and https URLs are supported`);
}

function checkCallbackUrl(url: string | undefined): string | undefined {
  if (url !== undefined && !isHttpUrl(url)) {
    throw badRequest('Invalid callback_url: only http and https URLs are supported');
  }
  return url;
}

function checkWeight(field: string, weight: number | undefined): void {
  if (weight !== undefined && (weight < 0 || weight > 1)) throw badRequest(`Weight must be between 0 and 1 (${field})`);
}

function checkKeyframeGeneration(field: string, id: string, lookup: GenerationLookup): void {
  const existing = lookup(id);
  if (!existing) throw badRequest(`Keyframe generation ${id} not found (${field})`);
  if (existing.generationType === 'image') {
    throw badRequest(`Keyframe generation ${id} is an image generation; use its image URL instead (${field})`);
  }
  if (existing.state !== 'completed') {
    throw badRequest(`Keyframe generation ${id} is not completed (${field})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Endpoints

export function validateVideoRequest(rawBody: unknown, lookup: GenerationLookup): VideoSpec {
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
  };

  if (loop) {
    if (frame0 && frame1) throw badRequest('Loop is not supported for interpolation between two keyframes');
    if (frame1?.type === 'generation') throw badRequest('Loop is not supported for reverse extend');
    if (frame1) throw badRequest('Loop is not supported for end keyframes (frame1)');
  }
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
      checkKeyframeGeneration(field, frame.id, lookup);
    }
  }
  for (const key of concepts) {
    if (!CONCEPT_KEYS.includes(key)) throw badRequest(`Unknown concept '${key}'`);
  }
  return spec;
}

export function validateImageRequest(rawBody: unknown): ImageSpec {
  const body = requireObjectBody(rawBody);
  const errors = new SchemaErrors();
  const model = errors.requiredEnum(body, 'model', IMAGE_MODELS);
  const prompt = errors.optionalString(body, 'prompt');
  const aspectRatio = errors.optionalString(body, 'aspect_ratio');
  const format = errors.optionalString(body, 'format');
  const callbackUrl = errors.optionalString(body, 'callback_url');
  const sync = errors.optionalBoolean(body, 'sync') ?? false;
  const syncTimeout = errors.optionalNumber(body, 'sync_timeout') ?? 60;
  errors.optionalLiteral(body, 'generation_type', 'image');
  const imageRefs = parseWeightedList(errors, body, 'image_ref');
  const styleRefs = parseWeightedList(errors, body, 'style_ref');
  const modifyRef = isAbsent(body.modify_image_ref)
    ? undefined
    : parseWeightedUrl(errors, body.modify_image_ref, ['modify_image_ref']);
  const characterImages: string[][] = [];
  const characterRef = errors.optionalObject(body, 'character_ref');
  const identityNames = characterRef ? Object.keys(characterRef) : [];
  for (const identity of identityNames) {
    const entry = errors.optionalObject(characterRef!, identity, ['character_ref']);
    if (!entry) continue;
    const images = errors.optionalArray(entry, 'images', ['character_ref', identity]);
    if (images === undefined) {
      errors.add('missing', ['character_ref', identity, 'images'], 'Field required', entry);
      continue;
    }
    const urls: string[] = [];
    images.forEach((img, i) => {
      if (typeof img !== 'string') {
        errors.add('string_type', ['character_ref', identity, 'images', i], 'Input should be a valid string', img);
      } else urls.push(img);
    });
    characterImages.push(urls);
  }
  errors.throwIfAny();

  const spec: ImageSpec = {
    generationType: 'image',
    model: model!,
    prompt: checkPrompt(prompt, true)!,
    aspectRatio: checkChoice('aspect_ratio', aspectRatio, ASPECT_RATIOS, '16:9'),
    format: checkChoice('format', format, IMAGE_FORMATS, 'jpg'),
    callbackUrl: checkCallbackUrl(callbackUrl),
    inputImages: [],
    sync,
    syncTimeoutSeconds: Math.max(0, Math.min(syncTimeout, 600)),
  };

  if (imageRefs.length > MAX_IMAGE_REFS) {
    throw badRequest(`Too many image_ref images: at most ${MAX_IMAGE_REFS} are supported`);
  }
  if (styleRefs.length > MAX_STYLE_REFS) {
    throw badRequest(`Too many style_ref images: at most ${MAX_STYLE_REFS} is supported`);
  }
  if (identityNames.some((name) => name !== 'identity0')) {
    throw badRequest('Only identity0 is supported in character_ref');
  }
  if (characterImages.length > 0) {
    if (characterImages[0].length === 0) throw badRequest('character_ref.identity0.images must not be empty');
    if (characterImages[0].length > MAX_CHARACTER_IMAGES) {
      throw badRequest(`Too many character_ref images for identity0: at most ${MAX_CHARACTER_IMAGES} are supported`);
    }
  }
  const weighted: [string, WeightedUrl][] = [
    ...imageRefs.map((r, i): [string, WeightedUrl] => [`image_ref[${i}]`, r]),
    ...styleRefs.map((r, i): [string, WeightedUrl] => [`style_ref[${i}]`, r]),
    ...(modifyRef ? [['modify_image_ref', modifyRef] as [string, WeightedUrl]] : []),
  ];
  for (const [field, ref] of weighted) {
    checkWeight(`${field}.weight`, ref.weight);
    checkImageUrl(`${field}.url`, ref.url);
    spec.inputImages.push({ field: `${field}.url`, url: ref.url });
  }
  (characterImages[0] ?? []).forEach((url, i) => {
    const field = `character_ref.identity0.images[${i}]`;
    checkImageUrl(field, url);
    spec.inputImages.push({ field, url });
  });
  spec.backgroundUrl = modifyRef?.url ?? imageRefs[0]?.url;
  return spec;
}

const RESOLUTION_RANK: Record<Resolution, number> = { '540p': 0, '720p': 1, '1080p': 2, '4k': 3 };

/** Shared checks for the endpoints that derive a new generation from a completed video. */
function requireCompletedVideo(sourceId: string, lookup: GenerationLookup, action: string): ExistingGeneration {
  const source = lookup(sourceId);
  if (!source) throw badRequest(`Generation ${sourceId} not found`);
  if (source.generationType === 'image') throw badRequest(`Cannot ${action} an image generation`);
  if (source.state !== 'completed') throw badRequest(`Generation ${sourceId} is not completed`);
  return source;
}

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
  requireCompletedVideo(sourceId, lookup, 'add audio to');
  return { generationType: 'add_audio', prompt: checkedPrompt, negativePrompt, callbackUrl: checkCallbackUrl(callbackUrl) };
}

/** `limit`/`offset` of the list endpoint: integers (422 otherwise), limit clamped to 1..1000. */
export function validateListQuery(query: Record<string, unknown>): { limit: number; offset: number } {
  const errors: FieldError[] = [];
  const parse = (key: 'limit' | 'offset', fallback: number, min: number): number => {
    const raw = query[key];
    if (raw === undefined || raw === '') return fallback;
    const text = Array.isArray(raw) ? String(raw[raw.length - 1]) : String(raw);
    if (!/^-?\d+$/.test(text)) {
      errors.push({
        type: 'int_parsing',
        loc: ['query', key],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: text,
      });
      return fallback;
    }
    const n = Number(text);
    if (n < min) {
      errors.push({
        type: 'greater_than_equal',
        loc: ['query', key],
        msg: `Input should be greater than or equal to ${min}`,
        input: text,
        ctx: { ge: min },
      });
    }
    return n;
  };
  const limit = parse('limit', 100, 1);
  const offset = parse('offset', 0, 0);
  if (errors.length > 0) throw unprocessable(errors);
  return { limit: Math.min(limit, 1000), offset };
}
