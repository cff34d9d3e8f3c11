/**
 * What the renderers (generation-render.ts, generation-render-edit.ts) share: the hand-off from the lifecycle
 * (render slots, directories, the render cap), how a rendered file becomes the generation's asset, and the error
 * that fails a generation with a reason Luma would name.
 */
import path from 'node:path';
import type { SimLogger } from './config';
import type { GenerationRecord } from './generation-record';
import type { RenderReuse } from './render-reuse';
import type { Semaphore } from './semaphore';

export const CONTENT_TYPES = { mp4: 'video/mp4', jpg: 'image/jpeg', png: 'image/png' } as const;

export interface RenderHandOff {
  /** Bounds concurrent renders across all generations. */
  slots: Semaphore;
  /** The generation's own directory: the asset is written here. */
  generationDir: string;
  /** Scratch directory for this render (the lifecycle removes it). */
  workDir: string;
  maxRenderHeight: number;
  /** Set when renders are reused (option reuseRenders). */
  reuse?: RenderReuse;
  log: SimLogger;
}

/**
 * A generation that cannot succeed for a reason Luma would name (e.g. reframing to the aspect ratio the input
 * already has): the lifecycle fails it with `reason` instead of the generic "Job failed".
 */
export class GenerationFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'GenerationFailure';
  }
}

/** Records the rendered file as the generation's asset. */
export function setAsset(rec: GenerationRecord, outPath: string, size: { width: number; height: number }): void {
  const file = path.basename(outPath);
  const ext = path.extname(file).slice(1) as keyof typeof CONTENT_TYPES;
  rec.asset = { path: outPath, file, contentType: CONTENT_TYPES[ext], expiresAt: 0 };
  rec.renderedSize = { ...size };
}

