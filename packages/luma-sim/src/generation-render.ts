/**
 * The hand-off from a generation's lifecycle to the renderer: turns the record's plan into a real ffmpeg render
 * (a video with title card, prompt, optional background image and audio; or a still image) inside the
 * generation's directory, under a render slot so a burst of creates queues instead of thrashing the CPU, and
 * records the asset on the record. The lifecycle (lifecycle.ts) decides when to render and what a failure means;
 * this module only knows how.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SimLogger } from './config';
import { SHORT_SIDE_PX, imageSize, videoSize } from './dimensions';
import type { GenerationRecord } from './generation-record';
import type { FetchedInput } from './inputs';
import { renderImage, renderVideo, type RenderText } from './render';
import type { Semaphore } from './semaphore';

const CONTENT_TYPES: Record<string, string> = { mp4: 'video/mp4', jpg: 'image/jpeg', png: 'image/png' };

export interface RenderHandOff {
  /** Bounds concurrent renders across all generations. */
  slots: Semaphore;
  /** The generation's own directory: the asset is written here. */
  generationDir: string;
  /** Scratch directory for this render (the lifecycle removes it). */
  workDir: string;
  maxRenderHeight: number;
  log: SimLogger;
}

/** Renders `rec`'s plan, painting `inputs`' background image in, and sets `rec.asset` and `rec.renderedSize`. */
export async function renderGeneration(rec: GenerationRecord, inputs: FetchedInput[], handOff: RenderHandOff): Promise<void> {
  const { slots, generationDir, workDir, maxRenderHeight, log } = handOff;
  const signal = rec.abort.signal;
  const release = await slots.acquire(signal);
  try {
    await fs.promises.mkdir(workDir, { recursive: true });
    const plan = rec.plan;
    const background = plan.backgroundUrl ? inputs.find((i) => i.url === plan.backgroundUrl)?.file : undefined;
    if (plan.kind === 'video') {
      const size = videoSize(plan.resolution, plan.aspectRatio, maxRenderHeight);
      const file = 'video.mp4';
      const outPath = path.join(generationDir, file);
      const rendered = Math.min(size.width, size.height);
      const capped = rendered < SHORT_SIDE_PX[plan.resolution] ? ` (rendered at ${rendered}p)` : '';
      const text: RenderText = {
        title: `${rec.model} · ${plan.resolution}${capped} · ${plan.aspectRatio} · ${plan.duration} · ${rec.id.slice(0, 8)}`,
        prompt: plan.note ? `${plan.prompt}\n${plan.note}` : plan.prompt,
      };
      await renderVideo({
        outPath,
        workDir,
        size,
        durationSeconds: Number.parseInt(plan.duration, 10),
        text,
        backgroundImage: background,
        withAudio: plan.withAudio,
        signal,
        log,
      });
      rec.asset = { path: outPath, file, contentType: CONTENT_TYPES.mp4, expiresAt: 0 };
      rec.renderedSize = size;
    } else {
      const size = imageSize(plan.aspectRatio);
      const file = `image.${plan.format}`;
      const outPath = path.join(generationDir, file);
      await renderImage({
        outPath,
        workDir,
        size,
        format: plan.format,
        text: { title: `${rec.model} · ${plan.aspectRatio} · ${rec.id.slice(0, 8)}`, prompt: plan.prompt },
        backgroundImage: background,
        signal,
        log,
      });
      rec.asset = { path: outPath, file, contentType: CONTENT_TYPES[plan.format], expiresAt: 0 };
      rec.renderedSize = size;
    }
  } finally {
    release();
  }
}
