import * as z from 'zod';

/**
 * The generation types Luma reports: `video` (extensions too), `image`, and one per follow-up endpoint. A type we
 * do not know yet still parses (as its string), so a new Luma feature cannot break reading a generation.
 */
export const KNOWN_GENERATION_TYPES = [
  'video',
  'image',
  'upscale_video',
  'add_audio',
  'modify_video',
  'reframe_video',
  'reframe_image',
] as const;
export type KnownGenerationType = (typeof KNOWN_GENERATION_TYPES)[number];
// `string & {}` keeps editors suggesting the known values while any string is accepted.
export type GenerationType = KnownGenerationType | (string & {});

/** Luma's generation object. Tolerant where Luma's own docs disagree (`type` vs `generation_type`). */
export const GenerationSchema = z
  .object({
    id: z.string(),
    generation_type: (z.string() as z.ZodType<GenerationType>).optional(),
    type: z.string().optional(),
    state: z.enum(['queued', 'dreaming', 'completed', 'failed']),
    failure_reason: z.string().nullable().optional(),
    created_at: z.string().optional(),
    model: z.string().optional(),
    version: z.string().optional(),
    assets: z
      .object({
        video: z.string().nullable().optional(),
        image: z.string().nullable().optional(),
        progress_video: z.string().nullable().optional(),
      })
      .partial()
      .nullable()
      .optional(),
    request: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();
export type Generation = z.infer<typeof GenerationSchema>;

export const GenerationListSchema = z.object({
  generations: z.array(GenerationSchema),
  count: z.number().optional(),
  has_more: z.boolean().optional(),
  limit: z.number().optional(),
  offset: z.number().optional(),
});
export type GenerationList = z.infer<typeof GenerationListSchema>;

export const CreditsSchema = z.object({ credit_balance: z.number() });
export type Credits = z.infer<typeof CreditsSchema>;

export type VideoModel = 'ray-2' | 'ray-flash-2';
export type ImageModel = 'photon-1' | 'photon-flash-1';
export type AspectRatio = '1:1' | '16:9' | '9:16' | '4:3' | '3:4' | '21:9' | '9:21';
export type Resolution = '540p' | '720p' | '1080p' | '4k';
export type VideoDuration = '5s' | '9s';

export interface ImageKeyframe {
  type: 'image';
  url: string;
}
/** A completed video generation: as frame0 the new clip extends it, as frame1 the new clip leads into it. */
export interface GenerationKeyframe {
  type: 'generation';
  id: string;
}
export type Keyframe = ImageKeyframe | GenerationKeyframe;

export interface VideoGenerationRequest {
  model: VideoModel;
  prompt?: string;
  aspect_ratio?: AspectRatio;
  resolution?: Resolution;
  duration?: VideoDuration;
  loop?: boolean;
  keyframes?: { frame0?: Keyframe; frame1?: Keyframe };
  callback_url?: string;
  concepts?: { key: string }[];
  generation_type?: 'video';
}

export interface WeightedImage {
  url: string;
  weight: number;
}

/** A video request that extends a completed video: `createVideo` with a generation as frame0. */
export type ExtendVideoRequest = VideoGenerationRequest & { keyframes: { frame0: GenerationKeyframe; frame1?: Keyframe } };

export interface ImageGenerationRequest {
  model: ImageModel;
  prompt: string;
  aspect_ratio?: AspectRatio;
  format?: 'jpg' | 'png';
  image_ref?: WeightedImage[];
  style_ref?: WeightedImage[];
  character_ref?: { identity0: { images: string[] } };
  modify_image_ref?: WeightedImage;
  callback_url?: string;
  sync?: boolean;
  sync_timeout?: number;
  generation_type?: 'image';
}

/** `POST /generations/{id}/upscale`: a new generation, the source at a higher resolution (4k at most). */
export interface UpscaleRequest {
  resolution: Resolution;
  callback_url?: string;
}

/** `POST /generations/{id}/audio`: a new generation, the source with a generated audio track. */
export interface AddAudioRequest {
  /** What the audio should sound like. */
  prompt: string;
  negative_prompt?: string;
  callback_url?: string;
}

/** A media file Luma fetches itself, e.g. a short-lived signed URL. */
export interface MediaUrl {
  url: string;
}

/** How closely a modify follows its source: adhere (closest) → flex → reimagine, each 1..3. */
export const MODIFY_MODES = [
  'adhere_1',
  'adhere_2',
  'adhere_3',
  'flex_1',
  'flex_2',
  'flex_3',
  'reimagine_1',
  'reimagine_2',
  'reimagine_3',
] as const;
export type ModifyMode = (typeof MODIFY_MODES)[number];

/** `POST /generations/video/modify`: the video at `media.url` restyled (Luma: up to 10 s, 100 MB). */
export interface ModifyVideoRequest {
  model: VideoModel;
  media: MediaUrl;
  mode: ModifyMode;
  prompt?: string;
  /** A restyled first frame that guides the whole video (optional, recommended by Luma). */
  first_frame?: MediaUrl;
  callback_url?: string;
}

/**
 * Where the source goes on the reframed canvas, in output pixels. Crop bounds (`x_start`…`y_end`) give the box;
 * otherwise `resized_*` the size and `grid_position_*` the top-left corner. Unset: fitted and centred.
 */
export interface ReframeGeometry {
  grid_position_x?: number;
  grid_position_y?: number;
  x_start?: number;
  x_end?: number;
  y_start?: number;
  y_end?: number;
  resized_width?: number;
  resized_height?: number;
}

/** `POST /generations/video/reframe`: the video at `media.url` on a canvas of `aspect_ratio`, the new area filled. */
export interface ReframeVideoRequest extends ReframeGeometry {
  model: VideoModel;
  media: MediaUrl;
  aspect_ratio: AspectRatio;
  /** What to fill the new area with. */
  prompt?: string;
  first_frame?: MediaUrl;
  callback_url?: string;
}

/** `POST /generations/image/reframe`: the image at `media.url` on a canvas of `aspect_ratio`. */
export interface ReframeImageRequest extends ReframeGeometry {
  model: ImageModel;
  media: MediaUrl;
  aspect_ratio: AspectRatio;
  format?: 'jpg' | 'png';
  prompt?: string;
  callback_url?: string;
}

/**
 * What can be done with a generation after it exists. Each call creates a new generation (its own id and type)
 * to follow like any other; none is retried automatically, because each one bills at submit. Extending is
 * `createVideo` with a generation as frame0 (see `extendVideoRequest`).
 */
export interface LumaFollowUpApi {
  upscaleGeneration(id: string, req: UpscaleRequest): Promise<Generation>;
  addAudio(id: string, req: AddAudioRequest): Promise<Generation>;
  modifyVideo(req: ModifyVideoRequest): Promise<Generation>;
  reframeVideo(req: ReframeVideoRequest): Promise<Generation>;
  reframeImage(req: ReframeImageRequest): Promise<Generation>;
}

/** The request extending the completed video `sourceId` by a new clip (Luma: frame0 = that generation). */
export function extendVideoRequest(
  sourceId: string,
  fields: Omit<VideoGenerationRequest, 'keyframes'> & { frame1?: Keyframe },
): ExtendVideoRequest {
  if (typeof sourceId !== 'string' || sourceId.trim() === '') throw new RangeError('The generation to extend needs a non-empty id');
  const { frame1, ...rest } = fields;
  const keyframes: ExtendVideoRequest['keyframes'] = { frame0: { type: 'generation', id: sourceId } };
  if (frame1) keyframes.frame1 = frame1;
  return { ...rest, keyframes };
}

/** What the pipeline needs from Luma. The HTTP client implements it; nothing else should. */
export interface LumaApi extends LumaFollowUpApi {
  createVideo(req: VideoGenerationRequest): Promise<Generation>;
  createImage(req: ImageGenerationRequest): Promise<Generation>;
  getGeneration(id: string): Promise<Generation>;
  listGenerations(opts?: { limit?: number; offset?: number }): Promise<GenerationList>;
  deleteGeneration(id: string): Promise<void>;
  getCredits(): Promise<Credits>;
  ping(): Promise<boolean>;
}

/** Everything the HTTP client offers: the pipeline's calls and the follow-ups. */
export type LumaFullApi = LumaApi & LumaFollowUpApi;
