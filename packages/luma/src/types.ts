import * as z from 'zod';

/** Luma's generation object. Tolerant where Luma's own docs disagree (`type` vs `generation_type`). */
export const GenerationSchema = z
  .object({
    id: z.string(),
    generation_type: z.enum(['video', 'image', 'upscale_video', 'add_audio']).optional(),
    type: z.string().optional(),
    state: z.enum(['queued', 'dreaming', 'completed', 'failed']),
    failure_reason: z.string().nullable().optional(),
    created_at: z.string().optional(),
    model: z.string().optional(),
    version: z.string().optional(),
    assets: z
      .object({
        video: z.string().nullable().optional(),
        image: z.string().nullable().optional(),
        progress_video: z.string().nullable().optional(),
      })
      .partial()
      .nullable()
      .optional(),
    request: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();
export type Generation = z.infer<typeof GenerationSchema>;

export const GenerationListSchema = z.object({
  generations: z.array(GenerationSchema),
  count: z.number().optional(),
  has_more: z.boolean().optional(),
  limit: z.number().optional(),
  offset: z.number().optional(),
});
export type GenerationList = z.infer<typeof GenerationListSchema>;

export const CreditsSchema = z.object({ credit_balance: z.number() });
export type Credits = z.infer<typeof CreditsSchema>;

export type Keyframe = { type: 'image'; url: string } | { type: 'generation'; id: string };

export interface VideoGenerationRequest {
  model: 'ray-2' | 'ray-flash-2';
  prompt?: string;
  aspect_ratio?: '1:1' | '16:9' | '9:16' | '4:3' | '3:4' | '21:9' | '9:21';
  resolution?: '540p' | '720p' | '1080p' | '4k';
  duration?: '5s' | '9s';
  loop?: boolean;
  keyframes?: { frame0?: Keyframe; frame1?: Keyframe };
  callback_url?: string;
  concepts?: { key: string }[];
  generation_type?: 'video';
}

export interface WeightedImage {
  url: string;
  weight: number;
}

export interface ImageGenerationRequest {
  model: 'photon-1' | 'photon-flash-1';
  prompt: string;
  aspect_ratio?: VideoGenerationRequest['aspect_ratio'];
  format?: 'jpg' | 'png';
  image_ref?: WeightedImage[];
  style_ref?: WeightedImage[];
  character_ref?: { identity0: { images: string[] } };
  modify_image_ref?: WeightedImage;
  callback_url?: string;
  sync?: boolean;
  sync_timeout?: number;
  generation_type?: 'image';
}

/** What the pipeline needs from Luma. The HTTP client implements it; nothing else should. */
export interface LumaApi {
  createVideo(req: VideoGenerationRequest): Promise<Generation>;
  createImage(req: ImageGenerationRequest): Promise<Generation>;
  getGeneration(id: string): Promise<Generation>;
  listGenerations(opts?: { limit?: number; offset?: number }): Promise<GenerationList>;
  deleteGeneration(id: string): Promise<void>;
  getCredits(): Promise<Credits>;
  ping(): Promise<boolean>;
}
