/**
 * What the simulator puts on the wire. Kept local (rather than imported from @d2v/luma) on purpose: the sim
 * mimics Luma, not our client, so a change in the client's expectations cannot silently change the sim.
 */

/**
 * `video` also covers extensions (a video request whose keyframe is a generation); the follow-up endpoints each
 * create a generation of their own type.
 */
export const GENERATION_TYPES = [
  'video',
  'image',
  'upscale_video',
  'add_audio',
  'modify_video',
  'reframe_video',
  'reframe_image',
] as const;
export type GenerationType = (typeof GENERATION_TYPES)[number];
export type GenerationState = 'queued' | 'dreaming' | 'completed' | 'failed';

export const VIDEO_MODELS = ['ray-2', 'ray-flash-2'] as const;
export const IMAGE_MODELS = ['photon-1', 'photon-flash-1'] as const;
export const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '21:9', '9:21'] as const;
export const RESOLUTIONS = ['540p', '720p', '1080p', '4k'] as const;
export const DURATIONS = ['5s', '9s'] as const;
export const IMAGE_FORMATS = ['jpg', 'png'] as const;
/** `POST /generations/video/modify` modes: how closely the result follows the source, 1 (closest) to 3. */
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

export type VideoModel = (typeof VIDEO_MODELS)[number];
export type ImageModel = (typeof IMAGE_MODELS)[number];
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export type Resolution = (typeof RESOLUTIONS)[number];
export type Duration = (typeof DURATIONS)[number];
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export type ModifyMode = (typeof MODIFY_MODES)[number];

/** Luma's generation object as this sim serves it from GET, list, create answers and callbacks. */
export interface LumaGenerationJson {
  id: string;
  generation_type: GenerationType;
  state: GenerationState;
  failure_reason: string | null;
  created_at: string;
  model: string;
  /** null until completed, like Luma. */
  assets: { video?: string; image?: string } | null;
  /** Echo of the request body as received (plus `generation_type`). */
  request: Record<string, unknown>;
}

export interface GenerationListJson {
  generations: LumaGenerationJson[];
  /** Number of generations in this page (the SDK: "The number of generations returned"). */
  count: number;
  has_more: boolean;
  limit: number;
  offset: number;
}

/** One entry of a FastAPI/pydantic 422 answer. */
export interface FieldError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

export interface ErrorBody {
  detail: string | FieldError[];
}

/** An answer other than success; thrown anywhere below a route and turned into a response by the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === 'string' ? body.detail : body.detail.map((e) => e.msg).join('; '));
    this.name = 'HttpError';
  }
}

export const badRequest = (detail: string) => new HttpError(400, { detail });
export const notFound = () => new HttpError(404, { detail: 'Generation not found' });
export const unprocessable = (errors: FieldError[]) => new HttpError(422, { detail: errors });
