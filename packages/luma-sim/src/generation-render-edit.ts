/**
 * Renders of the follow-up generations that edit existing media: upscale and add_audio take a completed video of
 * this sim (by id); modify and reframe take the media read from their URL (inputs.ts). Also their preflight: what
 * only the read input can tell (reframing to the aspect ratio it already has), and the facts of the result (size,
 * length, audio) that later follow-ups are validated against.
 */
import path from 'node:path';
import { probe } from '@d2v/media';
import {
  aspectRatioOf,
  capShortSide,
  hasAspectRatio,
  resolutionForShortSide,
  SHORT_SIDE_PX,
  sizeForShortSide,
  withShortSide,
  type Size,
} from './dimensions';
import { GenerationFailure, setAsset, type RenderHandOff } from './generation-asset';
import type { GenerationRecord, RenderPlan } from './generation-record';
import { INPUT_FRAMES_FAILURE, type FetchedInput } from './inputs';
import { addAudioTrack, modifyVideo, reframeMedia, upscaleVideo, type Placement } from './render-edit';
import type { ReframeGeometry } from './validation';

type EditPlan = Exclude<RenderPlan, { kind: 'video' } | { kind: 'image' }>;
type UrlEditPlan = Extract<EditPlan, { mediaUrl: string }>;

const MEDIA_FIELD = 'media.url';
const FIRST_FRAME_FIELD = 'first_frame.url';

/** See generation-render.ts `preflight`. */
export function preflightEdit(rec: GenerationRecord, inputs: FetchedInput[]): string | null {
  const plan = rec.plan;
  if (plan.kind !== 'modify' && plan.kind !== 'reframe_video' && plan.kind !== 'reframe_image') return null;
  const media = inputs.find((i) => i.field === MEDIA_FIELD);
  if (!media) return INPUT_FRAMES_FAILURE;
  const { info } = media;
  const inputSize = { width: info.width, height: info.height };
  if (plan.kind !== 'modify' && hasAspectRatio(inputSize, plan.aspectRatio)) {
    return `Cannot reframe to ${plan.aspectRatio}: the input already has that aspect ratio`;
  }
  // What Luma would report; the sim may render smaller (maxRenderHeight), as `renderedSize` tells.
  const outputSize = plan.kind === 'modify' ? inputSize : sizeForShortSide(plan.aspectRatio, Math.min(info.width, info.height));
  const short = Math.min(outputSize.width, outputSize.height);
  rec.facts =
    plan.kind === 'reframe_image'
      ? { aspectRatio: plan.aspectRatio, hasAudio: false }
      : {
          resolution: resolutionForShortSide(short),
          aspectRatio: plan.kind === 'modify' ? aspectRatioOf(inputSize) : plan.aspectRatio,
          durationSeconds: info.durationSeconds,
          chainSeconds: info.durationSeconds,
          hasAudio: info.hasAudio,
        };
  return null;
}

export async function renderEdit(rec: GenerationRecord, inputs: FetchedInput[], handOff: RenderHandOff): Promise<void> {
  const plan = rec.plan as EditPlan;
  const signal = rec.abort.signal;
  const videoOut = path.join(handOff.generationDir, 'video.mp4');
  switch (plan.kind) {
    case 'upscale': {
      const source = await sourceSize(plan.source.path, signal);
      const size = withShortSide(source, Math.min(SHORT_SIDE_PX[plan.resolution], handOff.maxRenderHeight));
      await upscaleVideo(plan.source.path, videoOut, size, signal);
      setAsset(rec, videoOut, size);
      return;
    }
    case 'add_audio': {
      const size = await sourceSize(plan.source.path, signal);
      await addAudioTrack(plan.source.path, videoOut, plan.source.durationSeconds, plan.prompt, signal);
      setAsset(rec, videoOut, size);
      rec.facts = { ...rec.facts, hasAudio: true };
      return;
    }
    case 'modify': {
      const media = mediaInput(inputs);
      const size = capShortSide({ width: media.info.width, height: media.info.height }, handOff.maxRenderHeight);
      await modifyVideo({
        source: media.file,
        outPath: videoOut,
        workDir: handOff.workDir,
        size,
        mode: plan.mode,
        text: { title: titleOf(rec, plan.mode), prompt: plan.prompt ?? '' },
        firstFrame: inputs.find((i) => i.field === FIRST_FRAME_FIELD)?.file,
        signal,
        log: handOff.log,
      });
      setAsset(rec, videoOut, size);
      return;
    }
    case 'reframe_video':
    case 'reframe_image':
      await renderReframe(rec, plan, inputs, handOff);
  }
}

async function renderReframe(
  rec: GenerationRecord,
  plan: Extract<UrlEditPlan, { kind: 'reframe_video' | 'reframe_image' }>,
  inputs: FetchedInput[],
  handOff: RenderHandOff,
): Promise<void> {
  const media = mediaInput(inputs);
  const source = { width: media.info.width, height: media.info.height };
  // Geometry is in the pixels of the canvas Luma would output; the sim may render it smaller (maxRenderHeight).
  const reported = sizeForShortSide(plan.aspectRatio, Math.min(source.width, source.height));
  const canvas = capShortSide(reported, handOff.maxRenderHeight);
  const placement = scalePlacement(placeSource(reported, source, plan.geometry), canvas.width / reported.width, canvas);
  const image = plan.kind === 'reframe_image';
  const outPath = path.join(handOff.generationDir, image ? `image.${plan.format}` : 'video.mp4');
  await reframeMedia({
    source: media.file,
    outPath,
    workDir: handOff.workDir,
    canvas,
    placement,
    text: { title: titleOf(rec, plan.aspectRatio), prompt: plan.prompt ?? '' },
    firstFrame: plan.kind === 'reframe_video' ? inputs.find((i) => i.field === FIRST_FRAME_FIELD)?.file : undefined,
    imageFormat: image ? plan.format : undefined,
    signal: rec.abort.signal,
    log: handOff.log,
  });
  setAsset(rec, outPath, canvas);
}

/**
 * Luma's reframe geometry → the source's box on the canvas: crop bounds win, else `resized_*` for the size and
 * `grid_position_*` for the corner; whatever is missing keeps the source's proportions, fits it inside the canvas
 * and centres it. Boxes reaching past the canvas are clamped into it.
 */
export function placeSource(canvas: Size, source: Size, g: ReframeGeometry): Placement {
  const ratio = source.width / source.height;
  const fit = Math.min(canvas.width / source.width, canvas.height / source.height);
  let width = g.xStart !== undefined && g.xEnd !== undefined ? g.xEnd - g.xStart : g.resizedWidth;
  let height = g.yStart !== undefined && g.yEnd !== undefined ? g.yEnd - g.yStart : g.resizedHeight;
  if (width === undefined && height === undefined) {
    width = source.width * fit;
    height = source.height * fit;
  } else if (width === undefined) width = height! * ratio;
  else if (height === undefined) height = width / ratio;
  width = Math.min(width, canvas.width);
  height = Math.min(height!, canvas.height);
  const x = g.xStart ?? g.gridPositionX ?? (canvas.width - width) / 2;
  const y = g.yStart ?? g.gridPositionY ?? (canvas.height - height) / 2;
  return {
    x: Math.max(0, Math.min(x, canvas.width - width)),
    y: Math.max(0, Math.min(y, canvas.height - height)),
    width,
    height,
  };
}

/** A placement in reported pixels → rendered pixels: scaled, even-sized (H.264), at least 2 px, inside the canvas. */
function scalePlacement(p: Placement, scale: number, canvas: Size): Placement {
  const even = (n: number, max: number) => Math.max(2, Math.min(max, 2 * Math.round((n * scale) / 2)));
  const width = even(p.width, canvas.width);
  const height = even(p.height, canvas.height);
  return {
    x: Math.max(0, Math.min(Math.round(p.x * scale), canvas.width - width)),
    y: Math.max(0, Math.min(Math.round(p.y * scale), canvas.height - height)),
    width,
    height,
  };
}

function mediaInput(inputs: FetchedInput[]): FetchedInput {
  const media = inputs.find((i) => i.field === MEDIA_FIELD);
  if (!media) throw new GenerationFailure(INPUT_FRAMES_FAILURE);
  return media;
}

/** The source's rendered size; a source whose file is gone (deleted meanwhile) cannot be read, as at Luma. */
async function sourceSize(file: string, signal: AbortSignal): Promise<Size> {
  try {
    const probed = await probe(file, { signal });
    return { width: probed.width, height: probed.height };
  } catch (err) {
    if (signal.aborted) throw err;
    throw new GenerationFailure(INPUT_FRAMES_FAILURE);
  }
}

function titleOf(rec: GenerationRecord, detail: string): string {
  return `${rec.generationType} · ${rec.model} · ${detail} · ${rec.id.slice(0, 8)}`;
}
