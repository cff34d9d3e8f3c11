/**
 * The Storage trigger's loop guard. `onRawVideoFinalized` fires for EVERY object finalized in the bucket —
 * including the pipeline's own video.enc/poster.jpg and every reference image an app uploads — so it must
 * decide, before building any port (no Firestore, no Storage client, no ffmpeg), whether the object is a raw
 * Luma download it has to process. Two independent filters; either one alone stops the loop:
 *  1. metadata: objects the pipeline wrote itself carry `d2vGenerated: 'true'` (PIPELINE_METADATA_KEY);
 *  2. path: only `users/{uid}/ai-videos/{requestId}/raw.mp4` is ever processed.
 * (raw.mp4 is written by the download task *without* the marker — it is the one object meant to trigger.)
 */
import { parseRawVideoPath, PIPELINE_METADATA_KEY } from '@d2v/schema';

export interface StorageObjectLike {
  name?: string | null;
  contentType?: string | null;
  metadata?: Record<string, unknown> | null;
}

export type GuardDecision =
  | { process: true; uid: string; requestId: string }
  | { process: false; reason: 'no-name' | 'pipeline-generated' | 'not-a-raw-video' };

/** True when the object's custom metadata marks it as written by the pipeline. */
export function isPipelineGenerated(metadata: Record<string, unknown> | null | undefined): boolean {
  const v = metadata?.[PIPELINE_METADATA_KEY];
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

/** The path filter: the request a raw video belongs to, or null for any other object. */
export function rawVideoTarget(name: string | null | undefined): { uid: string; requestId: string } | null {
  return name ? parseRawVideoPath(name) : null;
}

/** Both filters, metadata first (it is the cheaper proof that we wrote the object). */
export function shouldProcessObject(obj: StorageObjectLike): GuardDecision {
  if (!obj.name) return { process: false, reason: 'no-name' };
  if (isPipelineGenerated(obj.metadata)) return { process: false, reason: 'pipeline-generated' };
  const target = rawVideoTarget(obj.name);
  if (!target) return { process: false, reason: 'not-a-raw-video' };
  return { process: true, ...target };
}

/** Custom metadata values as strings (Storage may report numbers/booleans/null for hand-set values). */
export function stringMetadata(metadata: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}
