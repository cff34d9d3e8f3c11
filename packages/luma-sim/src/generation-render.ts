/**
 * The hand-off from a generation's lifecycle to the renderer: turns the record's plan into a real ffmpeg render
 * inside the generation's directory, under a render slot so a burst of creates queues instead of thrashing the
 * CPU, and records the asset (and what it turned out to be) on the record. Generated media — a video with title
 * card, prompt, optional background image, or an extension of existing videos; a still image — is rendered here;
 * the edits of existing media (upscale, audio, modify, reframe) in generation-render-edit.ts. The lifecycle
 * (lifecycle.ts) decides when to render and what a failure means; these modules only know how.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SHORT_SIDE_PX, imageSize, videoSize } from './dimensions';
import { GenerationFailure, setAsset, type RenderHandOff } from './generation-asset';
import { preflightEdit, renderEdit } from './generation-render-edit';
import type { FreshVideoPlan, GenerationRecord } from './generation-record';
import { INPUT_FRAMES_FAILURE, type FetchedInput } from './inputs';
import { renderImage, renderVideo, type RenderText } from './render';
import { extractFrame, joinClips } from './render-edit';

/**
 * What can be decided once the inputs are read and before dreaming starts: the failure reason of an input that
 * is readable but unusable, or null. Also completes `rec.facts` from the inputs (an edit's size and length).
 */
export function preflight(rec: GenerationRecord, inputs: FetchedInput[]): string | null {
  return preflightEdit(rec, inputs);
}

/** Renders `rec`'s plan from `inputs` and sets `rec.asset`, `rec.renderedSize` and the final `rec.facts`. */
export async function renderGeneration(rec: GenerationRecord, inputs: FetchedInput[], handOff: RenderHandOff): Promise<void> {
  const release = await handOff.slots.acquire(rec.abort.signal);
  try {
    await fs.promises.mkdir(handOff.workDir, { recursive: true });
    const plan = rec.plan;
    if (plan.kind === 'video') await renderFreshVideo(rec, plan, inputs, handOff);
    else if (plan.kind === 'image') await renderFreshImage(rec, inputs, handOff);
    else await renderEdit(rec, inputs, handOff);
  } finally {
    release();
  }
}

async function renderFreshVideo(rec: GenerationRecord, plan: FreshVideoPlan, inputs: FetchedInput[], handOff: RenderHandOff): Promise<void> {
  const { generationDir, workDir, maxRenderHeight, reuse, log } = handOff;
  const signal = rec.abort.signal;
  const size = videoSize(plan.resolution, plan.aspectRatio, maxRenderHeight);
  const rendered = Math.min(size.width, size.height);
  const capped = rendered < SHORT_SIDE_PX[plan.resolution] ? ` (rendered at ${rendered}p)` : '';
  const text: RenderText = {
    title: `${rec.model} · ${plan.resolution}${capped} · ${plan.aspectRatio} · ${plan.duration} · ${rec.id.slice(0, 8)}`,
    prompt: plan.note ? `${plan.prompt}\n${plan.note}` : plan.prompt,
  };
  // An extension starts on its source's last frame (or, extending backwards, leads into its first one).
  let background = plan.backgroundUrl ? inputs.find((i) => i.url === plan.backgroundUrl)?.file : undefined;
  const { before, after, output } = plan.extend ?? {};
  for (const source of [before, after]) {
    // Deleted since admission: its media is gone, as at Luma.
    if (source && !fs.existsSync(source.path)) throw new GenerationFailure(INPUT_FRAMES_FAILURE);
  }
  if (before || after) {
    background = path.join(workDir, 'continue-from.png');
    await extractFrame(before ? before.path : after!.path, before ? 'last' : 'first', background, signal);
  }
  const durationSeconds = Number.parseInt(plan.duration, 10);
  const joined = output === 'joined' && Boolean(before || after);
  const clipPath = joined ? path.join(workDir, 'clip.mp4') : path.join(generationDir, 'video.mp4');
  const render = (outPath: string) => renderVideo({ outPath, workDir, size, durationSeconds, text, backgroundImage: background, signal, log });
  if (reuse && !background && !joined) await reuse.produce(`${size.width}x${size.height}-${durationSeconds}s`, clipPath, render);
  else await render(clipPath);
  if (joined) {
    const outPath = path.join(generationDir, 'video.mp4');
    await joinClips([before?.path, clipPath, after?.path].filter((p): p is string => p !== undefined), outPath, size, signal);
    setAsset(rec, outPath, size);
    rec.facts = { ...rec.facts, durationSeconds: rec.facts.chainSeconds, hasAudio: false };
  } else {
    setAsset(rec, clipPath, size);
    rec.facts = { ...rec.facts, durationSeconds, hasAudio: false };
  }
}

async function renderFreshImage(rec: GenerationRecord, inputs: FetchedInput[], handOff: RenderHandOff): Promise<void> {
  const plan = rec.plan;
  if (plan.kind !== 'image') return;
  const size = imageSize(plan.aspectRatio);
  const outPath = path.join(handOff.generationDir, `image.${plan.format}`);
  await renderImage({
    outPath,
    workDir: handOff.workDir,
    size,
    format: plan.format,
    text: { title: `${rec.model} · ${plan.aspectRatio} · ${rec.id.slice(0, 8)}`, prompt: plan.prompt },
    backgroundImage: plan.backgroundUrl ? inputs.find((i) => i.url === plan.backgroundUrl)?.file : undefined,
    signal: rec.abort.signal,
    log: handOff.log,
  });
  setAsset(rec, outPath, size);
}
