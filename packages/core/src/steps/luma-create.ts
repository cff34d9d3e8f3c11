/**
 * What the billed create sends to Luma and how an earlier create is found again. Kept apart from the submit step's
 * guards (lease, intent, cancel, 429s) so that what is created — a keyframe image, a video, and the follow-ups
 * of a finished video — can grow without touching how it is made safe.
 */
import type { Generation, ImageGenerationRequest, VideoGenerationRequest } from '@d2v/luma';
import type { VideoRequest } from '@d2v/schema';
import { callbackMarker, callbackUrl } from '../ids';
import { logs } from '../logs';
import { RetryLaterError, type Ports } from '../ports';
import type { RequestRef } from '../request-doc';
import { FOLLOW_UP_GENERATION_TYPES } from '../follow-ups/check';
import { sendFollowUpCreate } from '../follow-ups/luma-call';
import { STAGES, type Stage } from './stages';

const LOOKUP_PAGES = 3;
const LOOKUP_PAGE_SIZE = 100;

export type CreateRequest = VideoGenerationRequest | ImageGenerationRequest;

/** The stored Luma request of `stage`, with this request's callback URL (which also marks the generation as ours). */
export function buildCreateRequest(ports: Ports, doc: VideoRequest, stage: Stage): CreateRequest {
  const base = (stage === 'keyframe' ? doc.keyframeRequest : doc.lumaRequest) as unknown as VideoGenerationRequest | ImageGenerationRequest;
  const url = callbackUrl(ports.config.webhookBaseUrl, ports.config.webhookSecret, doc.uid, doc.requestId);
  return url ? { ...base, callback_url: url } : { ...base };
}

/** Looks through Luma's newest generations for one this request created in an earlier attempt. */
export async function findEarlierGeneration(ports: Ports, ref: RequestRef, doc: VideoRequest, stage: Stage): Promise<Generation | null> {
  const marker = callbackMarker(ref.uid, ref.requestId);
  const exclude = new Set(doc.luma.previousGenerationIds ?? []);
  const wantType = generationTypeOf(doc, stage);
  try {
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const list = await ports.luma.listGenerations({ limit: LOOKUP_PAGE_SIZE, offset: page * LOOKUP_PAGE_SIZE });
      const match = list.generations.find((g) => {
        const cb = g.request?.callback_url;
        const type = g.generation_type ?? g.type;
        return typeof cb === 'string' && cb.includes(marker) && !exclude.has(g.id) && (type === undefined || type === wantType);
      });
      if (match) return match;
      if (!list.has_more) break;
    }
  } catch (e) {
    // Without the list we cannot know: creating now could bill twice, so try again later instead.
    ports.log.warn({ ...ref, err: String(e) }, logs.lumaLookupFailed);
    throw new RetryLaterError('could not look up earlier Luma generations');
  }
  return null;
}


/** The type of generation `stage` creates: a follow-up's is its endpoint's (`upscale_video`, `add_audio`…). */
export function generationTypeOf(doc: VideoRequest, stage: Stage): string {
  return stage === 'video' && doc.followUp ? FOLLOW_UP_GENERATION_TYPES[doc.followUp.type] : STAGES[stage].generationType;
}

/** The one billed call: Luma's create for `stage` — for a follow-up, the endpoint of its type (issue #13). */
export function sendCreate(ports: Ports, stage: Stage, request: CreateRequest, doc?: VideoRequest): Promise<Generation> {
  if (stage === 'video' && doc?.followUp) return sendFollowUpCreate(ports, doc, request as unknown as Record<string, unknown>);
  return stage === 'keyframe' ? ports.luma.createImage(request as ImageGenerationRequest) : ports.luma.createVideo(request as VideoGenerationRequest);
}
