/**
 * What the simulator keeps per generation: the record (state, failure, plan, charge, assets, abort controller),
 * the submission a validated request becomes, the engine's counters, and the record's wire form (Luma's
 * generation JSON). Data and pure functions only, shared by the engine (lifecycle.ts), the registry that answers
 * queries over records (generation-registry.ts), the renderer hand-off (generation-render.ts) and the routes.
 */
import type { ModelFamily } from './config';
import type { Size } from './dimensions';
import type { AspectRatio, Duration, GenerationState, GenerationType, ImageFormat, LumaGenerationJson, Resolution } from './types';
import type { InputImage } from './validation';

/** What to render, fixed at admission. */
export type RenderPlan =
  | {
      kind: 'video';
      prompt: string;
      aspectRatio: AspectRatio;
      resolution: Resolution;
      duration: Duration;
      withAudio: boolean;
      /** URL of the input image painted as background (an image keyframe), if any. */
      backgroundUrl?: string;
      note?: string;
    }
  | { kind: 'image'; prompt: string; aspectRatio: AspectRatio; format: ImageFormat; backgroundUrl?: string };

export interface GenerationRecord {
  id: string;
  generationType: GenerationType;
  family: ModelFamily;
  model: string;
  createdAt: number;
  state: GenerationState;
  failureReason: string | null;
  /** The body exactly as received. */
  requestBody: unknown;
  /** What `request` shows on the wire. */
  requestEcho: Record<string, unknown>;
  plan: RenderPlan;
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
