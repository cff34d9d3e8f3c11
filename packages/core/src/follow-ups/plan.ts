/**
 * A follow-up request's planning (its `validating` step): instead of a draft, the original it is a version of.
 * Checked again — the original may have been deleted since the action — and turned into the Luma request of the
 * matching endpoint. No content cache: a follow-up is new by definition.
 */
import { docPaths, type VideoRequest } from '@d2v/schema';
import { errorInfo } from '../errors';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { readRequest, type RequestRef } from '../request-doc';
import { transition, type TransitionOptions, type TransitionSpec } from '../transition';
import { checkFollowUp, promptOf } from './check';

export interface PlanVia {
  spec: (spec: TransitionSpec) => TransitionSpec;
  options?: TransitionOptions;
}

export async function planFollowUp(ports: Ports, ref: RequestRef, doc: VideoRequest, via: PlanVia): Promise<VideoRequest | null> {
  const original = doc.followUpOf ? (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, doc.followUpOf)))?.data ?? null : null;
  const checked = doc.followUp ? checkFollowUp(ports.config, original, doc.followUp) : null;
  if (!checked?.ok) {
    const error = checked ? errorInfo(checked.code, checked.message) : errorInfo('FOLLOW_UP_INVALID');
    ports.log.warn({ ...ref, errorCode: error.code, reason: error.message }, logs.validationFailed);
    await transition(ports, ref, via.spec({ from: ['validating'], to: 'failed', by: 'system', reason: 'follow-up refused', error }), via.options);
    return null;
  }
  const { spec } = checked;
  const source = original!;
  const sourceGenerationId = source.luma.generationId!;
  const { model, aspectRatio, resolution } = source.options;
  let lumaRequest: DocData;
  switch (spec.type) {
    case 'extend':
      lumaRequest = {
        model, aspect_ratio: aspectRatio, resolution, duration: spec.duration ?? '5s',
        prompt: spec.prompt ?? promptOf(source) ?? 'the scene continues',
        keyframes: { frame0: { type: 'generation', id: sourceGenerationId } },
      };
      break;
    case 'upscale':
      lumaRequest = { resolution: spec.resolution! };
      break;
    case 'addAudio':
      lumaRequest = { prompt: spec.prompt! };
      break;
    case 'restyle':
      // `media.url` is Luma's own link to the source, asked for fresh right before the create (luma-call.ts).
      lumaRequest = { model, mode: spec.mode!, ...(spec.prompt ? { prompt: spec.prompt } : {}) };
      break;
    case 'reframe':
      lumaRequest = { model, aspect_ratio: spec.aspectRatio!, ...(spec.prompt ? { prompt: spec.prompt } : {}) };
      break;
  }
  const moved = await transition(ports, ref, via.spec({
    from: ['validating'],
    to: 'queued',
    by: 'system',
    reason: `follow-up (${spec.type}) of ${source.requestId}`,
    patch: (d) => ({
      followUp: spec as unknown as DocData,
      lumaRequest,
      ...(source.draftSnapshot ? { draftSnapshot: source.draftSnapshot as unknown as DocData } : {}),
      luma: { ...d.luma, sourceGenerationId },
    }),
  }), via.options);
  return moved.applied ? moved.doc : await readRequest(ports, ref);
}
