/**
 * The follow-up routes: what can be done with a video after it exists. `POST /generations/{id}/upscale` and
 * `POST /generations/{id}/audio` take a completed video of this account by id; `POST /generations/video/modify`,
 * `/generations/video/reframe` and `/generations/image/reframe` take media by URL (read when the job starts).
 * Each creates a new generation of its own type, counted against its model family's limits (Ray for the video
 * ones, Photon for the image reframe) and charged at submit like any other create.
 */
import type { Request, Response, Router } from 'express';
import {
  ADD_AUDIO_CENTS,
  modifyCostCents,
  reframeImageCostCents,
  reframeVideoCostCents,
  upscaleCostCents,
} from './credits';
import type { GenerationRecord, SourceClip } from './generation-record';
import type { GenerationEngine } from './lifecycle';
import { notFound, VideoModel } from './types';
import {
  validateAudioRequest,
  validateModifyRequest,
  validateReframeImageRequest,
  validateReframeVideoRequest,
  validateUpscaleRequest,
} from './validation';

/** A completed video generation as the input of another; validation has made sure it is one. */
export function sourceClip(engine: GenerationEngine, id: string): SourceClip {
  const rec = engine.get(id);
  if (!rec?.asset || rec.facts.durationSeconds === undefined) throw notFound(); // unreachable after validation
  return { id, path: rec.asset.path, durationSeconds: rec.facts.durationSeconds, hasAudio: rec.facts.hasAudio };
}

/** The text blacklisted-word checks see for a derived generation: its source's prompt, as Luma moderates it. */
function promptOf(rec: GenerationRecord): string | undefined {
  return 'prompt' in rec.plan ? rec.plan.prompt : undefined;
}

/** The source named in the path: 404 like GET when it does not exist (or was deleted). */
function sourceRecord(engine: GenerationEngine, req: Request): { id: string; source: GenerationRecord } {
  const id = String(req.params.id);
  const source = engine.get(id);
  if (!source || source.deleted) throw notFound();
  return { id, source };
}

export function registerFollowUpRoutes(api: Router, ctx: { engine: GenerationEngine }): void {
  const { engine } = ctx;

  api.post('/generations/:id/upscale', (req: Request, res: Response) => {
    const { id, source } = sourceRecord(engine, req);
    const spec = validateUpscaleRequest(req.body, id, engine.lookup);
    const clip = sourceClip(engine, id);
    const rec = engine.submit({
      generationType: 'upscale_video',
      family: 'ray',
      model: source.model,
      requestBody: req.body,
      plan: { kind: 'upscale', source: clip, resolution: spec.resolution },
      facts: { ...source.facts, resolution: spec.resolution },
      inputImages: [],
      callbackUrl: spec.callbackUrl,
      costCents: upscaleCostCents(source.model as VideoModel, spec.resolution, clip.durationSeconds),
      promptForModeration: promptOf(source),
    });
    res.status(201).json(engine.toJson(rec));
  });

  api.post('/generations/:id/audio', (req: Request, res: Response) => {
    const { id, source } = sourceRecord(engine, req);
    const spec = validateAudioRequest(req.body, id, engine.lookup);
    const rec = engine.submit({
      generationType: 'add_audio',
      family: 'ray',
      model: source.model,
      requestBody: req.body,
      plan: { kind: 'add_audio', source: sourceClip(engine, id), prompt: spec.prompt },
      facts: { ...source.facts, hasAudio: true },
      inputImages: [],
      callbackUrl: spec.callbackUrl,
      costCents: ADD_AUDIO_CENTS,
      promptForModeration: spec.prompt,
    });
    res.status(201).json(engine.toJson(rec));
  });

  api.post('/generations/video/modify', (req: Request, res: Response) => {
    const spec = validateModifyRequest(req.body);
    const rec = engine.submit({
      generationType: 'modify_video',
      family: 'ray',
      model: spec.model,
      requestBody: req.body,
      plan: { kind: 'modify', mode: spec.mode, prompt: spec.prompt, mediaUrl: spec.mediaUrl, firstFrameUrl: spec.firstFrameUrl },
      facts: { hasAudio: false }, // the rest once the input is read
      inputImages: spec.inputImages,
      callbackUrl: spec.callbackUrl,
      costCents: modifyCostCents(spec.model),
      promptForModeration: spec.prompt,
    });
    res.status(201).json(engine.toJson(rec));
  });

  api.post('/generations/video/reframe', (req: Request, res: Response) => {
    const spec = validateReframeVideoRequest(req.body);
    const rec = engine.submit({
      generationType: 'reframe_video',
      family: 'ray',
      model: spec.model,
      requestBody: req.body,
      plan: {
        kind: 'reframe_video',
        aspectRatio: spec.aspectRatio,
        prompt: spec.prompt,
        mediaUrl: spec.mediaUrl,
        firstFrameUrl: spec.firstFrameUrl,
        geometry: spec.geometry,
      },
      facts: { aspectRatio: spec.aspectRatio, hasAudio: false },
      inputImages: spec.inputImages,
      callbackUrl: spec.callbackUrl,
      costCents: reframeVideoCostCents(spec.model),
      promptForModeration: spec.prompt,
    });
    res.status(201).json(engine.toJson(rec));
  });

  api.post('/generations/image/reframe', (req: Request, res: Response) => {
    const spec = validateReframeImageRequest(req.body);
    const rec = engine.submit({
      generationType: 'reframe_image',
      family: 'photon',
      model: spec.model,
      requestBody: req.body,
      plan: {
        kind: 'reframe_image',
        aspectRatio: spec.aspectRatio,
        prompt: spec.prompt,
        mediaUrl: spec.mediaUrl,
        format: spec.format,
        geometry: spec.geometry,
      },
      facts: { aspectRatio: spec.aspectRatio, hasAudio: false },
      inputImages: spec.inputImages,
      callbackUrl: spec.callbackUrl,
      costCents: reframeImageCostCents(spec.model),
      promptForModeration: spec.prompt,
    });
    res.status(201).json(engine.toJson(rec));
  });
}
