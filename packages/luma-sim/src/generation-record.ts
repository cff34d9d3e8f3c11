/**
 * What the simulator keeps per generation: the record (state, failure, plan, charge, assets, abort controller),
 * the submission a validated request becomes, the engine's counters, and the record's wire form (Luma's
 * generation JSON). Data and pure functions only, shared by the engine (lifecycle.ts), the registry that answers
 * queries over records (generation-registry.ts), the renderer hand-off (generation-render.ts) and the routes.
 */
import type { ExtendOutput, ModelFamily } from './config';
import type { Size } from './dimensions';
import type {
  AspectRatio,
  Duration,
  GenerationState,
  GenerationType,
  ImageFormat,
  LumaGenerationJson,
  ModifyMode,
  Resolution,
} from './types';
import type { InputImage, ReframeGeometry } from './validation';

/** A completed video generation of this sim that another one is made from (upscale, audio, extend). */
export interface SourceClip {
  id: string;
  /** Its rendered asset file (kept until the source is deleted or the sim closes). */
  path: string;
  durationSeconds: number;
  hasAudio: boolean;
}

export interface FreshVideoPlan {
  kind: 'video';
  prompt: string;
  aspectRatio: AspectRatio;
  resolution: Resolution;
  duration: Duration;
  /** URL of the input image painted as background (an image keyframe), if any. */
  backgroundUrl?: string;
  note?: string;
  /**
   * Extensions: the clip continues `before` (frame0 = generation: it starts on that video's last frame) and/or
   * leads into `after` (frame1 = generation: it ends where that video starts). `output` says whether the asset is
   * the joined chain or the new clip alone.
   */
  extend?: { before?: SourceClip; after?: SourceClip; output: ExtendOutput };
}

/** What to render, fixed at admission. */
export type RenderPlan =
  | FreshVideoPlan
  | { kind: 'image'; prompt: string; aspectRatio: AspectRatio; format: ImageFormat; backgroundUrl?: string }
  | { kind: 'upscale'; source: SourceClip; resolution: Resolution }
  | { kind: 'add_audio'; source: SourceClip; prompt: string }
  | { kind: 'modify'; mode: ModifyMode; prompt?: string; mediaUrl: string; firstFrameUrl?: string }
  | { kind: 'reframe_video'; aspectRatio: AspectRatio; prompt?: string; mediaUrl: string; firstFrameUrl?: string; geometry: ReframeGeometry }
  | { kind: 'reframe_image'; aspectRatio: AspectRatio; prompt?: string; mediaUrl: string; format: ImageFormat; geometry: ReframeGeometry };

/**
 * What a generation's asset is, as later requests need to know it (upscale: its resolution; audio: whether it
 * has audio; extend: how long its chain is). Known at admission for generated videos, once the input is read for
 * edits of a URL; final when the generation completes.
 */
export interface MediaFacts {
  resolution?: Resolution;
  aspectRatio?: AspectRatio;
  durationSeconds?: number;
  chainSeconds?: number;
  hasAudio: boolean;
}

/** Image and reframe_image generations hold an image; every other type a video. */
export function assetMedia(type: GenerationType): 'video' | 'image' {
  return type === 'image' || type === 'reframe_image' ? 'image' : 'video';
}

export interface GenerationRecord {
  id: string;
  generationType: GenerationType;
  family: ModelFamily;
  model: string;
  createdAt: number;
  /** When it reached completed/failed or was deleted before that (epoch ms): how long it held a slot. */
  endedAt?: number;
  state: GenerationState;
  failureReason: string | null;
  /** The body exactly as received. */
  requestBody: unknown;
  /** What `request` shows on the wire. */
  requestEcho: Record<string, unknown>;
  plan: RenderPlan;
  facts: MediaFacts;
  inputImages: InputImage[];
  /** Decided at admission so that fault injection is reproducible per seed. */
  plannedFailure: string | null;
  callbackUrl?: string;
  chargedCents: number;
  refunded: boolean;
  deleted: boolean;
  /** When the generation should finish if nothing is slow (for Retry-After). */
  expectedEndMs: number;
  assets: { video?: string; image?: string } | null;
  asset?: { path: string; file: string; contentType: string; expiresAt: number };
  renderedSize?: Size;
  abort: AbortController;
}

export interface Submission {
  generationType: GenerationType;
  family: ModelFamily;
  model: string;
  requestBody: unknown;
  plan: RenderPlan;
  /** What is known of the result already (MediaFacts). */
  facts: MediaFacts;
  inputImages: InputImage[];
  callbackUrl?: string;
  costCents: number;
  /** Text that blacklisted-word checks look at. */
  promptForModeration?: string;
}

export interface LifecycleCounters {
  creates: Record<GenerationType, number>;
  rateLimited: number;
  insufficientCredits: number;
  completed: number;
  failed: number;
  /** Generations deleted (204 answers to DELETE). */
  deletes: number;
  /** Of those, deleted while still queued or dreaming (the work was stopped). */
  deletesInFlight: number;
}

export function isTerminal(state: GenerationState): boolean {
  return state === 'completed' || state === 'failed';
}

/** The record as Luma's API shows it (copies: callers may hand it to res.json or a callback body). */
export function generationJson(rec: GenerationRecord): LumaGenerationJson {
  return {
    id: rec.id,
    generation_type: rec.generationType,
    state: rec.state,
    failure_reason: rec.failureReason,
    created_at: new Date(rec.createdAt).toISOString(),
    model: rec.model,
    assets: rec.assets ? { ...rec.assets } : null,
    request: structuredClone(rec.requestEcho),
  };
}
