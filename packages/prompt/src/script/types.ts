/**
 * "Create Script": the editable shot script and the request that asks for one.
 *
 * `ScriptSchema` validates a script the person edited before a video is made from it;
 * `ScriptRequestClientFieldsSchema` is what a client may write to `users/{uid}/scriptRequests/{id}`; `ScriptRequestSchema` is the whole document once the server has answered.
 * They live here, not in @d2v/schema, because a script's words (camera moves, moods, image limits) are the prompt
 * builder's.
 */
import * as z from 'zod';
import { IdSchema, ImageRefSchema, ISODateSchema, LUMA_DURATIONS, STYLE_PRESETS, ErrorInfoSchema } from '@d2v/schema';
import { CAMERA_MOVE_IDS } from '../camera';
import { MOODS } from '../lexicon';
import { MAX_LISTED_IMAGES } from '../limits';

export const SCRIPT_LIMITS = {
  /** Whole script. */
  minTotalMs: 1_000,
  maxTotalMs: 60_000,
  /** One shot: Luma makes 5 s or 9 s clips; a shot is cut from the start of one. */
  minSceneMs: 1_000,
  maxSceneMs: 9_000,
  maxScenes: 12,
  maxDescription: 1_000,
} as const;

/** How a shot is framed; each has its own framing words and default camera move. */
export const SHOT_TYPES = ['single', 'establishing', 'medium', 'close_up', 'detail', 'closing'] as const;
export type ShotType = (typeof SHOT_TYPES)[number];

export const SceneSchema = z
  .object({
    /** 1-based position; scenes play in this order. */
    n: z.number().int().min(1),
    durationMs: z.number().int().min(SCRIPT_LIMITS.minSceneMs).max(SCRIPT_LIMITS.maxSceneMs),
    shot: z.enum(SHOT_TYPES),
    /** What the shot shows, in the person's words — the part they edit. */
    description: z.string().trim().min(1).max(SCRIPT_LIMITS.maxDescription),
    camera: z.enum(CAMERA_MOVE_IDS),
    /** Where the description came from in the draft (explanation only). */
    from: z.string().max(300).optional(),
  })
  .strict();
export type Scene = z.infer<typeof SceneSchema>;

export const ScriptImagesSchema = z
  .object({
    referenceImages: z.array(ImageRefSchema).max(MAX_LISTED_IMAGES).default([]),
    characterImages: z.array(ImageRefSchema).max(MAX_LISTED_IMAGES).default([]),
    styleImage: ImageRefSchema.optional(),
  })
  .strict();

export const ScriptSchema = z
  .object({
    version: z.literal(1),
    uid: IdSchema,
    draftId: IdSchema,
    title: z.string().max(500).optional(),
    /** The chosen length; the scenes' durations add up to exactly this. */
    totalMs: z.number().int().min(SCRIPT_LIMITS.minTotalMs).max(SCRIPT_LIMITS.maxTotalMs),
    style: z.enum(STYLE_PRESETS).optional(),
    moods: z.array(z.enum(MOODS)).max(2).default([]),
    /** The draft's images, used for every shot's keyframe so the shots share a look and a person. */
    images: ScriptImagesSchema.default({ referenceImages: [], characterImages: [] }),
    scenes: z.array(SceneSchema).min(1).max(SCRIPT_LIMITS.maxScenes),
    /** Notes from building the script (what was left out of the draft); ignored when planning. */
    warnings: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.scenes.forEach((scene, i) => {
      if (scene.n !== i + 1) ctx.addIssue({ code: 'custom', path: ['scenes', i, 'n'], message: `scene ${i + 1} is numbered ${scene.n}; number scenes 1, 2, 3… in order` });
    });
    const sum = s.scenes.reduce((acc, scene) => acc + scene.durationMs, 0);
    if (sum !== s.totalMs) {
      ctx.addIssue({ code: 'custom', path: ['scenes'], message: `the scenes last ${sum} ms in total but the script is ${s.totalMs} ms long; their durations must add up exactly` });
    }
  });
export type Script = z.infer<typeof ScriptSchema>;
export type ScriptInput = z.input<typeof ScriptSchema>;

/** Length of a script: Luma's clip lengths or any whole/decimal number of seconds within the limits. */
export const ScriptDurationSchema = z.union([
  z.enum(LUMA_DURATIONS),
  z.number().finite().min(SCRIPT_LIMITS.minTotalMs / 1000).max(SCRIPT_LIMITS.maxTotalMs / 1000),
]);
export type ScriptDuration = z.infer<typeof ScriptDurationSchema>;

/** What a client writes to `users/{uid}/scriptRequests/{id}`. */
export const ScriptRequestClientFieldsSchema = z
  .object({
    draftId: IdSchema,
    duration: ScriptDurationSchema.default('5s'),
    shots: z.number().int().min(1).max(SCRIPT_LIMITS.maxScenes).optional(),
  })
  .strict();
export type ScriptRequestClientFields = z.infer<typeof ScriptRequestClientFieldsSchema>;

export const SCRIPT_REQUEST_STATES = ['pending', 'ready', 'failed'] as const;

/** The whole script request document (server fields added). */
export const ScriptRequestSchema = ScriptRequestClientFieldsSchema.extend({
  uid: IdSchema,
  requestId: IdSchema,
  state: z.enum(SCRIPT_REQUEST_STATES),
  script: ScriptSchema.optional(),
  error: ErrorInfoSchema.nullable().optional(),
  createdAt: ISODateSchema,
  updatedAt: ISODateSchema,
}).strip();
export type ScriptRequest = z.infer<typeof ScriptRequestSchema>;
