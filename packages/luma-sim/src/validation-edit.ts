/**
 * Validation of the endpoints that edit media given by URL: `POST /generations/video/modify` (restyle a video in
 * one of nine modes), `POST /generations/video/reframe` and `POST /generations/image/reframe` (a new aspect ratio,
 * the source placed by optional geometry). Shapes follow the official SDK (`media: {url}`, optional
 * `first_frame: {url}`, a required `generation_type`). What only the input itself can tell — its length, its
 * aspect ratio — is checked when the generation starts and reads it (inputs.ts, generation-render-edit.ts).
 */
import {
  ASPECT_RATIOS,
  AspectRatio,
  badRequest,
  IMAGE_FORMATS,
  IMAGE_MODELS,
  ImageFormat,
  ImageModel,
  MODIFY_MODES,
  ModifyMode,
  VIDEO_MODELS,
  VideoModel,
} from './types';
import { requireObjectBody, SchemaErrors, type JsonObject } from './validation-fields';
import { checkCallbackUrl, checkChoice, checkImageUrl, checkPrompt, type InputImage } from './validation-rules';

/**
 * Where the source goes in the new canvas, in output pixels (Luma's fields). Crop bounds (`x_start`…`y_end`) give
 * the source's box; otherwise `resized_*` its size and `grid_position_*` its top-left corner. Unset: the source is
 * fitted inside the canvas and centred.
 */
export interface ReframeGeometry {
  gridPositionX?: number;
  gridPositionY?: number;
  xStart?: number;
  xEnd?: number;
  yStart?: number;
  yEnd?: number;
  resizedWidth?: number;
  resizedHeight?: number;
}

interface EditSpecBase {
  prompt?: string;
  mediaUrl: string;
  callbackUrl?: string;
  /** The media first (a video, or the image to reframe), then the first frame if any. */
  inputImages: InputImage[];
}

export interface ModifySpec extends EditSpecBase {
  generationType: 'modify_video';
  model: VideoModel;
  mode: ModifyMode;
  firstFrameUrl?: string;
}

export interface ReframeVideoSpec extends EditSpecBase {
  generationType: 'reframe_video';
  model: VideoModel;
  aspectRatio: AspectRatio;
  firstFrameUrl?: string;
  geometry: ReframeGeometry;
}

export interface ReframeImageSpec extends EditSpecBase {
  generationType: 'reframe_image';
  model: ImageModel;
  aspectRatio: AspectRatio;
  format: ImageFormat;
  geometry: ReframeGeometry;
}

/** `{url}` objects: `media` (required) and `first_frame` (optional). */
function parseMediaUrl(errors: SchemaErrors, body: JsonObject, key: 'media' | 'first_frame', required: boolean): string | undefined {
  const obj = required ? errors.requiredObject(body, key) : errors.optionalObject(body, key);
  return obj ? errors.requiredString(obj, 'url', [key]) : undefined;
}

const GEOMETRY_FIELDS = {
  gridPositionX: 'grid_position_x',
  gridPositionY: 'grid_position_y',
  xStart: 'x_start',
  xEnd: 'x_end',
  yStart: 'y_start',
  yEnd: 'y_end',
  resizedWidth: 'resized_width',
  resizedHeight: 'resized_height',
} as const satisfies Record<keyof ReframeGeometry, string>;

function parseGeometry(errors: SchemaErrors, body: JsonObject): ReframeGeometry {
  const geometry: ReframeGeometry = {};
  for (const [name, wire] of Object.entries(GEOMETRY_FIELDS) as [keyof ReframeGeometry, string][]) {
    const value = errors.optionalInteger(body, wire);
    if (value !== undefined) geometry[name] = value;
  }
  return geometry;
}

/** Luma's rules on the geometry that do not need the source: no negative pixels, bounds in pairs, end after start. */
function checkGeometry(g: ReframeGeometry): void {
  for (const [name, wire] of Object.entries(GEOMETRY_FIELDS) as [keyof ReframeGeometry, string][]) {
    const value = g[name];
    if (value !== undefined && value < 0) throw badRequest(`${wire} must be greater than or equal to 0`);
  }
  for (const [start, end, a, b] of [
    [g.xStart, g.xEnd, 'x_start', 'x_end'],
    [g.yStart, g.yEnd, 'y_start', 'y_end'],
  ] as const) {
    if ((start === undefined) !== (end === undefined)) throw badRequest(`${a} and ${b} must be given together`);
    if (start !== undefined && end !== undefined && end <= start) throw badRequest(`${b} must be greater than ${a}`);
  }
  if (g.resizedWidth === 0 || g.resizedHeight === 0) throw badRequest('resized_width and resized_height must be greater than 0');
}

function mediaInputs(mediaUrl: string, mediaKind: 'image' | 'video', firstFrameUrl: string | undefined): InputImage[] {
  checkImageUrl('media.url', mediaUrl);
  const inputs: InputImage[] = [{ field: 'media.url', url: mediaUrl, kind: mediaKind }];
  if (firstFrameUrl !== undefined) {
    checkImageUrl('first_frame.url', firstFrameUrl);
    inputs.push({ field: 'first_frame.url', url: firstFrameUrl, kind: 'image' });
  }
  return inputs;
}

export function validateModifyRequest(rawBody: unknown): ModifySpec {
  const body = requireObjectBody(rawBody);
  const errors = new SchemaErrors();
  errors.requiredLiteral(body, 'generation_type', 'modify_video');
  const model = errors.requiredEnum(body, 'model', VIDEO_MODELS);
  const mode = errors.requiredEnum(body, 'mode', MODIFY_MODES);
  const mediaUrl = parseMediaUrl(errors, body, 'media', true);
  const firstFrameUrl = parseMediaUrl(errors, body, 'first_frame', false);
  const prompt = errors.optionalString(body, 'prompt');
  const callbackUrl = errors.optionalString(body, 'callback_url');
  errors.throwIfAny();
  return {
    generationType: 'modify_video',
    model: model!,
    mode: mode!,
    prompt: checkPrompt(prompt, false),
    mediaUrl: mediaUrl!,
    firstFrameUrl,
    callbackUrl: checkCallbackUrl(callbackUrl),
    inputImages: mediaInputs(mediaUrl!, 'video', firstFrameUrl),
  };
}

export function validateReframeVideoRequest(rawBody: unknown): ReframeVideoSpec {
  const body = requireObjectBody(rawBody);
  const errors = new SchemaErrors();
  errors.requiredLiteral(body, 'generation_type', 'reframe_video');
  const model = errors.requiredEnum(body, 'model', VIDEO_MODELS);
  const aspectRatio = errors.requiredEnum(body, 'aspect_ratio', ASPECT_RATIOS);
  const mediaUrl = parseMediaUrl(errors, body, 'media', true);
  const firstFrameUrl = parseMediaUrl(errors, body, 'first_frame', false);
  const prompt = errors.optionalString(body, 'prompt');
  const callbackUrl = errors.optionalString(body, 'callback_url');
  const geometry = parseGeometry(errors, body);
  errors.throwIfAny();
  checkGeometry(geometry);
  return {
    generationType: 'reframe_video',
    model: model!,
    aspectRatio: aspectRatio!,
    prompt: checkPrompt(prompt, false),
    mediaUrl: mediaUrl!,
    firstFrameUrl,
    geometry,
    callbackUrl: checkCallbackUrl(callbackUrl),
    inputImages: mediaInputs(mediaUrl!, 'video', firstFrameUrl),
  };
}

export function validateReframeImageRequest(rawBody: unknown): ReframeImageSpec {
  const body = requireObjectBody(rawBody);
  const errors = new SchemaErrors();
  errors.requiredLiteral(body, 'generation_type', 'reframe_image');
  const model = errors.requiredEnum(body, 'model', IMAGE_MODELS);
  const aspectRatio = errors.requiredEnum(body, 'aspect_ratio', ASPECT_RATIOS);
  const mediaUrl = parseMediaUrl(errors, body, 'media', true);
  const format = errors.optionalString(body, 'format');
  const prompt = errors.optionalString(body, 'prompt');
  const callbackUrl = errors.optionalString(body, 'callback_url');
  const geometry = parseGeometry(errors, body);
  errors.throwIfAny();
  checkGeometry(geometry);
  return {
    generationType: 'reframe_image',
    model: model!,
    aspectRatio: aspectRatio!,
    format: checkChoice('format', format, IMAGE_FORMATS, 'jpg'),
    prompt: checkPrompt(prompt, false),
    mediaUrl: mediaUrl!,
    geometry,
    callbackUrl: checkCallbackUrl(callbackUrl),
    inputImages: mediaInputs(mediaUrl!, 'image', undefined),
  };
}
