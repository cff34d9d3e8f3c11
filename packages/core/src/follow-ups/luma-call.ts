/**
 * The billed create of a follow-up: the Luma endpoint its type names, with the original's generation. Called by
 * the submit step exactly where a video's create is (steps/luma-create.ts), so the same guards apply.
 */
import type { Generation, Resolution, VideoModel, AspectRatio, ModifyMode } from '@d2v/luma';
import type { VideoRequest } from '@d2v/schema';
import { RetryLaterError, type Ports } from '../ports';

type Stored = { model?: VideoModel; prompt?: string; resolution?: Resolution; aspect_ratio?: AspectRatio; mode?: ModifyMode; callback_url?: string };

export async function sendFollowUpCreate(ports: Ports, doc: VideoRequest, request: Record<string, unknown>): Promise<Generation> {
  const source = doc.luma.sourceGenerationId!;
  const r = request as Stored & Record<string, unknown>;
  const callback = r.callback_url ? { callback_url: r.callback_url } : {};
  switch (doc.followUp!.type) {
    case 'extend':
      return ports.luma.createVideo(request as never);
    case 'upscale':
      return ports.luma.upscaleGeneration(source, { resolution: r.resolution!, ...callback });
    case 'addAudio':
      return ports.luma.addAudio(source, { prompt: r.prompt!, ...callback });
    case 'restyle':
      return ports.luma.modifyVideo({ model: r.model!, mode: r.mode!, media: { url: await sourceVideoUrl(ports, source) }, ...(r.prompt ? { prompt: r.prompt } : {}), ...callback });
    case 'reframe':
      return ports.luma.reframeVideo({ model: r.model!, aspect_ratio: r.aspect_ratio!, media: { url: await sourceVideoUrl(ports, source) }, ...(r.prompt ? { prompt: r.prompt } : {}), ...callback });
  }
}

/**
 * Luma's own link to the source video, fresh. Modify and reframe take media by URL; our stored copy is encrypted,
 * and Luma keeps the generations it made (the download step re-reads them the same way).
 */
async function sourceVideoUrl(ports: Ports, id: string): Promise<string> {
  const url = (await ports.luma.getGeneration(id)).assets?.video;
  if (!url) throw new RetryLaterError(`Luma has no video link for generation ${id} right now`);
  return url;
}
