/**
 * Validation of `POST /generations/image`: the body's schema (model, prompt, aspect ratio, format, sync, image,
 * style and modify references with weights, character references) and Luma's image rules — how many references
 * of each kind, only `identity0` for characters, weights in 0..1, http(s) URLs. The result is the ImageSpec the
 * engine renders from, including which input image the result is painted over.
 */
import { ASPECT_RATIOS, AspectRatio, badRequest, IMAGE_FORMATS, IMAGE_MODELS, ImageFormat, ImageModel } from './types';
import { isAbsent, isObject, requireObjectBody, SchemaErrors, type JsonObject, type Loc } from './validation-fields';
import { checkCallbackUrl, checkChoice, checkImageUrl, checkPrompt, checkWeight, type InputImage } from './validation-rules';

export const MAX_IMAGE_REFS = 4;
export const MAX_STYLE_REFS = 1;
export const MAX_CHARACTER_IMAGES = 4;

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
