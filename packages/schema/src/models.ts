import * as z from 'zod';
import { CreditEntrySchema, RequestCostSchema } from './credits';
import { ID_CHARS_RE, ID_MAX_LENGTH } from './paths';
import { VIDEO_STATES } from './states';

/** Firestore-safe id: what the app uses for uids, draft ids and request ids (the rule is data in paths.ts). */
export const IdSchema = z
  .string()
  .min(1)
  .max(ID_MAX_LENGTH)
  .regex(ID_CHARS_RE, 'ids may only contain letters, digits, "_" and "-"');

export const ISODateSchema = z.string().datetime({ offset: true });

// ---------------------------------------------------------------------------------------------------------------
// Drafts (owned by the app; the pipeline only reads them)

/** An image the draft points at: a Storage path under the owner's folder, or a URL on the allow-list. */
export const ImageRefSchema = z
  .object({
    path: z.string().min(1).optional(),
    url: z.string().url().optional(),
    weight: z.number().optional(),
  })
  .refine((v) => Boolean(v.path) !== Boolean(v.url), { message: 'an image needs exactly one of "path" or "url"' });
export type ImageRef = z.infer<typeof ImageRefSchema>;

export const STYLE_PRESETS = ['cinematic', 'anime', 'documentary', 'vintage', 'dreamy', 'noir', 'vibrant', 'none'] as const;
export type StylePreset = (typeof STYLE_PRESETS)[number];

export const DraftSchema = z.object({
  id: IdSchema,
  uid: IdSchema,
  title: z.string().max(500).optional(),
  text: z.string().max(100_000).default(''),
  style: z.enum(STYLE_PRESETS).optional(),
  referenceImages: z.array(ImageRefSchema).default([]),
  characterImages: z.array(ImageRefSchema).default([]),
  styleImage: ImageRefSchema.optional(),
  createdAt: ISODateSchema.optional(),
  updatedAt: ISODateSchema.optional(),
});
export type Draft = z.infer<typeof DraftSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Video requests: the client writes only `draftId`, `options` and `action`; everything else is server-owned.

export const LUMA_VIDEO_MODELS = ['ray-2', 'ray-flash-2'] as const;
export const LUMA_ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '21:9', '9:21'] as const;
export const LUMA_RESOLUTIONS = ['540p', '720p', '1080p', '4k'] as const;
export const LUMA_DURATIONS = ['5s', '9s'] as const;
export const VISIBILITIES = ['public', 'followers', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const VideoOptionsSchema = z
  .object({
    model: z.enum(LUMA_VIDEO_MODELS).default('ray-2'),
    aspectRatio: z.enum(LUMA_ASPECT_RATIOS).default('9:16'),
    resolution: z.enum(LUMA_RESOLUTIONS).default('1080p'),
    duration: z.enum(LUMA_DURATIONS).default('5s'),
    loop: z.boolean().default(false),
    autoPost: z.boolean().default(false),
    visibility: z.enum(VISIBILITIES).default('public'),
    caption: z.string().max(2200).optional(),
    /** Make a new Luma generation even when an identical earlier video of this person exists (no content cache). */
    fresh: z.boolean().optional(),
  })
  .strict();
export type VideoOptions = z.infer<typeof VideoOptionsSchema>;

/** The options that change the video itself (the content cache's key); visibility, caption, autoPost do not. */
export const VIDEO_SHAPING_OPTIONS = ['model', 'aspectRatio', 'resolution', 'duration', 'loop'] as const satisfies readonly (keyof VideoOptions)[];
export type VideoOptionsInput = z.input<typeof VideoOptionsSchema>;

/** Follow-ups (issue #13): each makes a new version of a ready video as a request of its own (`followUpOf`). */
export const FOLLOW_UP_TYPES = ['extend', 'upscale', 'addAudio', 'restyle', 'reframe'] as const;
export type FollowUpType = (typeof FOLLOW_UP_TYPES)[number];
/** Luma's modify modes (adhere keeps closest to the source, reimagine strays furthest). */
export const RESTYLE_MODES = ['adhere_1', 'adhere_2', 'adhere_3', 'flex_1', 'flex_2', 'flex_3', 'reimagine_1', 'reimagine_2', 'reimagine_3'] as const;

export const ACTION_TYPES = ['save', 'post', 'delete', 'retry', 'cancel', ...FOLLOW_UP_TYPES, 'useVersion'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** What a follow-up asks for; which fields matter depends on `type` (checked by the core, with FOLLOW_UP_* codes). */
export const FollowUpSpecSchema = z
  .object({
    type: z.enum(FOLLOW_UP_TYPES),
    /** upscale: the target resolution (above the original's, 4k at most). */
    resolution: z.enum(LUMA_RESOLUTIONS).optional(),
    /** reframe: the new aspect ratio (not the original's). */
    aspectRatio: z.enum(LUMA_ASPECT_RATIOS).optional(),
    /** extend: the new clip's length. */
    duration: z.enum(LUMA_DURATIONS).optional(),
    /** extend, restyle, reframe: what to show; addAudio: what it should sound like. */
    prompt: z.string().min(3).max(5000).optional(),
    /** restyle: how far from the original. */
    mode: z.enum(RESTYLE_MODES).optional(),
  })
  .strict();
export type FollowUpSpec = z.infer<typeof FollowUpSpecSchema>;

/** One version of a video, listed on the original (`versions`): the follow-up request that makes it. */
export const VersionEntrySchema = z.object({
  requestId: IdSchema,
  type: z.enum(FOLLOW_UP_TYPES),
  actionId: z.string(),
  createdAt: ISODateSchema,
});
export type VersionEntry = z.infer<typeof VersionEntrySchema>;

export const ActionRequestSchema = z
  .object({
    /** Client-chosen id so a double tap is one action. */
    id: IdSchema,
    type: z.enum(ACTION_TYPES),
    visibility: z.enum(VISIBILITIES).optional(),
    caption: z.string().max(2200).optional(),
    requestedAt: ISODateSchema.optional(),
    // Follow-ups (see FollowUpSpecSchema) and useVersion.
    resolution: z.enum(LUMA_RESOLUTIONS).optional(),
    aspectRatio: z.enum(LUMA_ASPECT_RATIOS).optional(),
    duration: z.enum(LUMA_DURATIONS).optional(),
    prompt: z.string().min(3).max(5000).optional(),
    mode: z.enum(RESTYLE_MODES).optional(),
    /** useVersion: the follow-up request whose video the post shows from now on. */
    versionRequestId: IdSchema.optional(),
  })
  .strict();
export type ActionRequest = z.infer<typeof ActionRequestSchema>;

/** What an action ended with (`lastActionResult` on the request, `result` of its record). */
export const ActionResultSchema = z.object({
  id: z.string(),
  type: z.string(),
  ok: z.boolean(),
  code: z.string().optional(),
  message: z.string().optional(),
  /** A follow-up: the request that makes the new version. */
  versionRequestId: z.string().optional(),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

/**
 * `users/{uid}/videoRequests/{id}/actions/{actionId}`: created in the same transaction as the change an action
 * makes (or with its refusal), so an action id is applied once whatever came between (A, B, A applies A once).
 */
export const ActionRecordSchema = z.object({
  id: z.string(),
  type: z.string(),
  at: ISODateSchema,
  result: ActionResultSchema,
});
export type ActionRecord = z.infer<typeof ActionRecordSchema>;

/** Exactly what a client may write when it creates a request document. */
export const VideoRequestClientFieldsSchema = z
  .object({
    draftId: IdSchema,
    options: VideoOptionsSchema.default(VideoOptionsSchema.parse({})),
    action: ActionRequestSchema.optional(),
    /** "Create Script": make the video from this ready script request (one Luma clip per shot, joined). */
    scriptRequestId: IdSchema.optional(),
  })
  .strict();
export type VideoRequestClientFields = z.infer<typeof VideoRequestClientFieldsSchema>;
export type VideoRequestClientInput = z.input<typeof VideoRequestClientFieldsSchema>;
export const CLIENT_FIELDS = ['draftId', 'options', 'action', 'scriptRequestId'] as const;

export const ErrorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  detail: z.string().optional(),
  /** When trying again can succeed (ISO time): set by the quotas, whose message says the same in words. */
  retryAfter: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

export const EncryptionInfoSchema = z.object({
  scheme: z.string(),
  keyId: z.string(),
  wrappedKey: z.string(),
  segmentSize: z.number().int().positive(),
  plaintextBytes: z.number().int().nonnegative(),
});
export type EncryptionInfo = z.infer<typeof EncryptionInfoSchema>;

export const VideoOutputsSchema = z.object({
  videoPath: z.string(),
  posterPath: z.string(),
  rawPath: z.string().optional(),
  bytes: z.number().int().nonnegative(),
  rawBytes: z.number().int().nonnegative().optional(),
  durationMs: z.number().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  encryption: EncryptionInfoSchema,
});
export type VideoOutputs = z.infer<typeof VideoOutputsSchema>;

export const LeaseSchema = z.object({ step: z.string(), owner: z.string(), until: z.number() });
export type Lease = z.infer<typeof LeaseSchema>;

export const LumaTrackingSchema = z.object({
  generationId: z.string().optional(),
  keyframeGenerationId: z.string().optional(),
  /** Set before the billed create call, so a crash can be told from "never sent". */
  submitIntentAt: z.number().optional(),
  keyframeIntentAt: z.number().optional(),
  submitAttempts: z.number().int().nonnegative().default(0),
  /** Generations of earlier attempts (before a retry), never adopted again. */
  previousGenerationIds: z.array(z.string()).default([]),
  lumaState: z.string().optional(),
  lastCheckedAt: z.number().optional(),
  polls: z.number().int().nonnegative().default(0),
  /** Download tries whose fresh asset link from Luma answered 403/404/410 (three: the video is taken as gone). */
  unavailableAssetTries: z.number().int().nonnegative().optional(),
  /** A follow-up: the original's generation it is made from (extend's frame0, upscale's and audio's source). */
  sourceGenerationId: z.string().optional(),
  /** Times the keyframe was planned again because Luma could not fetch the draft's images. */
  inputResubmits: z.number().int().nonnegative().optional(),
});
export type LumaTracking = z.infer<typeof LumaTrackingSchema>;

export const VideoRequestSchema = VideoRequestClientFieldsSchema.extend({
  uid: IdSchema,
  requestId: IdSchema,
  state: z.enum(VIDEO_STATES),
  /** 0–1, never decreasing while the request works. */
  progress: z.number().min(0).max(1),
  /**
   * While Luma works (dreaming): where the bar is expected to be (`to`) at `at`. Luma reports no percentage, so the
   * bar there is an estimate from the elapsed time; a client moves it itself from `progress` at `stateSince` towards
   * `to` at `at` (and no further than 95 % of the way: `shownProgress` in @d2v/client) instead of the pipeline writing
   * the request every few seconds. Cleared by the next state change.
   */
  progressPlan: z.object({ to: z.number().min(0).max(1), at: ISODateSchema }).optional(),
  stateLabel: z.string().optional(),
  error: ErrorInfoSchema.nullable().optional(),
  warnings: z.array(z.string()).default([]),
  luma: LumaTrackingSchema.default({ submitAttempts: 0, polls: 0, previousGenerationIds: [] }),
  /** The Luma request(s) the pipeline built, kept so a result can be reproduced. */
  lumaRequest: z.record(z.string(), z.unknown()).optional(),
  keyframeRequest: z.record(z.string(), z.unknown()).optional(),
  draftSnapshot: DraftSchema.optional(),
  outputs: VideoOutputsSchema.optional(),
  /** Which part of the draft became which part of the prompt (`source`, `role`, `stage`, `text`…). */
  promptParts: z.array(z.object({ source: z.string(), text: z.string() }).passthrough()).optional(),
  downloadAttempts: z.number().int().nonnegative().optional(),
  processAttempts: z.number().int().nonnegative().optional(),
  postId: z.string().optional(),
  profileVideoId: z.string().optional(),
  /** The last action applied (a cheap filter for the update trigger; `actions/{id}` records are the truth). */
  lastActionId: z.string().optional(),
  lastActionResult: ActionResultSchema.optional(),
  /**
   * The person asked to cancel while a billed Luma create may be in flight or Luma works: whoever holds the work
   * (the submitter, the poller, the webhook, the sweeper) finishes the cancel — Luma's DELETE, then `cancelled`.
   */
  cancelRequested: z.object({ at: ISODateSchema, actionId: z.string().optional() }).optional(),
  /** How a cancelled request ended: what was billed at Luma before it was stopped (for the credits ledger). */
  cancellation: z
    .object({
      at: ISODateSchema,
      /** The state the cancel stopped. */
      fromState: z.enum(VIDEO_STATES),
      /** True when Luma had accepted (and so billed) a generation of this attempt. */
      billed: z.boolean(),
      /** The billed generations (deleted at Luma by the cancel). */
      generationIds: z.array(z.string()),
      /** Their estimated cost, USD cents (estimateCostCents of each billed create). */
      estimatedCents: z.number().nonnegative(),
    })
    .optional(),
  /** What the request cost at Luma so far, net of refunds (issue #9; `charges` has each charge). */
  cost: RequestCostSchema.optional(),
  /**
   * Why a queued request is not being submitted yet, while it waits (cleared when its create starts). `credits`: the
   * budget guard holds it (issue #9) until the balance or the day's budget allows the create; `slot` / `rate`:
   * admission control (issue #10) holds it until Luma has a generation slot free / room in its per-minute create
   * window, with its place in line (`position`, 1 = next) and an estimated start (`etaAt`).
   */
  queue: z
    .object({
      waitingFor: z.enum(['credits', 'slot', 'rate']),
      position: z.number().int().min(1).optional(),
      etaAt: ISODateSchema.optional(),
      /** Shown to the person: "paused: credits low", "paused: daily budget reached". */
      status: z.string(),
      message: z.string().optional(),
      since: ISODateSchema,
    })
    .optional(),
  /** The credits ledger (issue #9): each billed Luma generation of this request, by generation id, recorded once. */
  charges: z.record(z.string(), CreditEntrySchema).optional(),
  /** The newest UTC day in `charges` (`2026-12-02`): a person's spend is the query `lastChargedDay >= since`. */
  lastChargedDay: z.string().optional(),
  /** sha256 of the draft content and the video-shaping options (the content cache's key); unset when uncacheable. */
  contentKey: z.string().optional(),
  /** A content-cache hit: the request whose stored video this one reuses (no Luma generation of its own). */
  cachedFrom: IdSchema.optional(),
  lease: LeaseSchema.nullable().optional(),
  /** A follow-up (issue #13): the ready request it makes a new version of, and what it asks for. */
  followUpOf: IdSchema.optional(),
  followUp: FollowUpSpecSchema.optional(),
  /** On an original: its follow-ups, oldest first (each a request of its own). */
  versions: z.array(VersionEntrySchema).optional(),
  /** On an original whose post shows a follow-up's video (useVersion): that follow-up. */
  postVersionRequestId: IdSchema.nullable().optional(),
  /** A multi-shot (script) request: its shot requests, joined in this order once all are ready. */
  shots: z.array(z.object({ n: z.number().int().min(1), requestId: IdSchema, durationMs: z.number().int().positive() })).optional(),
  /** A shot request: the script request it belongs to (never posted itself) and how much of its clip is kept. */
  parentRequestId: IdSchema.optional(),
  shot: z.object({ n: z.number().int().min(1), trimMs: z.number().int().positive() }).optional(),
  transitionCount: z.number().int().nonnegative(),
  createdAt: ISODateSchema,
  updatedAt: ISODateSchema,
  /** When the request entered its current state (stage latencies are measured from here). */
  stateSince: ISODateSchema.optional(),
  /** Epoch ms after which the sweeper fails a request that is still working. */
  deadlineAt: z.number(),
}).strip();
export type VideoRequest = z.infer<typeof VideoRequestSchema>;

export const TRANSITION_ACTORS = ['client', 'system', 'luma', 'sweeper'] as const;
export const TransitionSchema = z.object({
  n: z.number().int().nonnegative(),
  from: z.enum(VIDEO_STATES).nullable(),
  to: z.enum(VIDEO_STATES),
  at: ISODateSchema,
  by: z.enum(TRANSITION_ACTORS),
  reason: z.string(),
  error: ErrorInfoSchema.optional(),
});
export type Transition = z.infer<typeof TransitionSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Feed posts and the profile grid (existing app schema plus the AI fields)

export const PostSchema = z.object({
  postId: z.string(),
  uid: IdSchema,
  type: z.literal('video'),
  caption: z.string(),
  visibility: z.enum(VISIBILITIES),
  videoPath: z.string(),
  posterPath: z.string(),
  durationMs: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  encryption: EncryptionInfoSchema,
  aiGenerated: z.literal(true),
  source: z.literal('luma'),
  requestId: IdSchema,
  createdAt: ISODateSchema,
});
export type Post = z.infer<typeof PostSchema>;

export const ProfileVideoSchema = z.object({
  id: z.string(),
  uid: IdSchema,
  requestId: IdSchema,
  postId: z.string().nullable(),
  posterPath: z.string(),
  videoPath: z.string(),
  durationMs: z.number(),
  visibility: z.enum(VISIBILITIES),
  /** Drives the "AI" badge in the profile grid. */
  aiGenerated: z.literal(true),
  createdAt: ISODateSchema,
});
export type ProfileVideo = z.infer<typeof ProfileVideoSchema>;

