/**
 * The one interface every draft2video client uses, whatever carries it (the local stack's HTTP API or the
 * Firebase JS SDK). Documents are typed from @d2v/schema; every failure is a `D2vError` with `{code, message}`.
 */
import type {
  ActionType,
  CreditSpend,
  Draft,
  ErrorInfo,
  FeedItem,
  FollowUpSpec,
  FollowUpType,
  Notification,
  ImageRef,
  Post,
  ProfileVideo,
  StatsReport,
  ProfileGridItem,
  StylePreset,
  Transition,
  VideoRequest,
  VideoRequestClientInput,
  Visibility,
} from '@d2v/schema';
import type { D2vError } from './errors';

export type TransportName = 'local' | 'firebase';

/** Actions a person may ask for (the schema's ACTION_TYPES: save, post, delete, retry, cancel). */
export type ClientActionType = ActionType;

export interface ActionInput {
  type: ClientActionType;
  /** For `post`: who sees it. */
  visibility?: Visibility;
  /** For `post`: the caption under it. */
  caption?: string;
  /** Client-chosen id (a double tap is one action); generated when missing. */
  id?: string;
  /** Follow-ups (issue #13): upscale's target resolution, reframe's aspect ratio, extend's new clip length. */
  resolution?: FollowUpSpec['resolution'];
  aspectRatio?: FollowUpSpec['aspectRatio'];
  duration?: FollowUpSpec['duration'];
  /** extend, restyle, reframe: what to show; addAudio: what it should sound like. */
  prompt?: string;
  /** restyle: adhere_1…3, flex_1…3, reimagine_1…3. */
  mode?: FollowUpSpec['mode'];
  /** useVersion: the follow-up whose video the post shows (the original's own id: back to the original). */
  versionRequestId?: string;
}

/** A follow-up of a ready video: what `followUp` sends (`type` and its fields). */
export type FollowUpInput = Omit<FollowUpSpec, 'type'> & { type: FollowUpType; id?: string };

/** One entry of a video's versions: the original first, then its follow-ups. */
export interface VersionView {
  requestId: string;
  type: 'original' | FollowUpType;
  state: VideoRequest['state'];
  outputs: VideoRequest['outputs'] | null;
  error: ErrorInfo | null;
  /** The video the post shows. */
  inPost: boolean;
  createdAt: string;
}

/** What the pipeline recorded for an action (`lastActionResult` on the request). */
export type ActionResult = NonNullable<VideoRequest['lastActionResult']>;

/** A document the client sees before the pipeline has initialized it carries only the client fields. */
export type RequestDoc = VideoRequest;

// ---------------------------------------------------------------------------------------------------------------
// Create Script (the shapes the core writes to users/{uid}/scriptRequests/{id}; their schema is @d2v/prompt's
// ScriptSchema, which the server parses every script with — an edited one too)

export type ScriptDurationInput = '5s' | '9s' | number;

export interface ScriptRequestInput {
  draftId: string;
  /** '5s', '9s' or 1–60 seconds. */
  duration?: ScriptDurationInput;
  /** 1–12 shots; the core chooses when missing. */
  shots?: number;
}

export interface ScriptScene {
  n: number;
  durationMs: number;
  shot: 'single' | 'establishing' | 'medium' | 'close_up' | 'detail' | 'closing';
  /** What the shot shows: the prompt of its clip. */
  description: string;
  /** A camera move id (`CAMERA_MOVE_IDS`, packages/prompt/src/camera.ts). */
  camera: string;
  from?: string;
}

export interface Script {
  version: 1;
  uid: string;
  draftId: string;
  title?: string;
  totalMs: number;
  style?: StylePreset;
  moods: string[];
  images: { referenceImages: ImageRef[]; characterImages: ImageRef[]; styleImage?: ImageRef };
  scenes: ScriptScene[];
  warnings?: string[];
}

export interface ScriptRequest {
  uid: string;
  requestId: string;
  draftId: string;
  duration: ScriptDurationInput;
  shots?: number;
  state: 'pending' | 'ready' | 'failed';
  script?: Script;
  error?: ErrorInfo | null;
  createdAt: string;
  updatedAt: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Feed, profile grid, playback

/** A page of a newest-first list; pass `nextCursor` back as `cursor` for the next page (null: no more). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageOptions {
  limit?: number;
  cursor?: string | null;
}

/** Feed posts and grid entries as a viewer gets them (no storage paths or keys), with their playback routes. */
export type { FeedItem, MediaLinks, ProfileGridItem } from '@d2v/schema';

export type MediaFile = 'video' | 'poster';

/**
 * Something a `<video>`/`<img>` can load: a signed playback link (`…/video/link` → `{url, expiresAt}`) that
 * opens one file for one viewer for an hour, with no `Authorization` header — the element fetches ranges itself
 * as it plays and seeks. Ask again once it has expired.
 */
export interface MediaSource {
  url: string;
  contentType: string;
  /** When the link stops working (ISO time). */
  expiresAt: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Ops

/** `GET /v1/stats?since=…`: per-day summaries and their total (the type the core computes, from @d2v/schema). */
export type StatsSnapshot = StatsReport;

/** `GET /v1/credits?days=…`: the caller's spend per UTC day from the credits ledger (USD cents), and its total. */
export type CreditsSnapshot = CreditSpend;

export interface CreditsOptions {
  /** How many UTC days back, today included (1–90; default 30). */
  days?: number;
}

/** A day (`2025-06-01`) or a span back from today (`7d`, `24h`, `90m`); default today. */
export interface StatsOptions {
  since?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Live views

export interface RequestWatcher {
  /** Every new version of the request document, in order, deduplicated. */
  onRequest(doc: RequestDoc): void;
  /** The whole transition log whenever it grew (omit to not fetch it). */
  onTransitions?(transitions: Transition[]): void;
  /** The watch stopped because of this error (not found, signed out…). */
  onError?(error: D2vError): void;
}

export type Unsubscribe = () => void;

export interface CreatedRequest {
  requestId: string;
}

export interface UploadedImage {
  /** The Storage path to put into a draft's `referenceImages`/`characterImages`. */
  path: string;
  bytes: number;
  contentType: string;
}

/**
 * The client SDK. `cancel` asks for an action the pipeline is adding (issue 9); until then it is refused
 * (INVALID_ACTION locally, FORBIDDEN by Firestore's rules).
 */
export interface D2vClient {
  readonly transport: TransportName;
  /** The signed-in uid. */
  readonly uid: string;

  listDrafts(): Promise<Draft[]>;
  getDraft(draftId: string): Promise<Draft>;

  /** Newest first, without the shots of multi-shot videos. */
  listRequests(): Promise<RequestDoc[]>;
  /** "Create AI Video": only client fields are sent (draftId, options, scriptRequestId). */
  createRequest(input: VideoRequestClientInput): Promise<CreatedRequest>;
  getRequest(requestId: string): Promise<RequestDoc>;
  listTransitions(requestId: string): Promise<Transition[]>;
  /** Follows the request like Firestore's onSnapshot: every change until unsubscribed. */
  watchRequest(requestId: string, watcher: RequestWatcher): Unsubscribe;

  /** save | post | delete | retry | cancel; resolves with the action id once it is recorded (not applied). */
  requestAction(requestId: string, action: ActionInput): Promise<{ actionId: string }>;
  /**
   * Shorthand for requestAction(id, {type: 'cancel'}): stops a video still being made (the request ends
   * `cancelled`; Luma's generation is deleted). A finished video answers ACTION_NOT_ALLOWED: delete it instead.
   */
  cancel(requestId: string): Promise<{ actionId: string }>;

  /** The owner's video or poster (decrypted on the way out), from `ready` on, as a signed link. */
  openMedia(requestId: string, file: MediaFile): Promise<MediaSource>;
  /** The video as a file to save (`Content-Disposition: attachment`). */
  download(requestId: string): Promise<Blob>;
  /** A post's video or poster for anyone in its audience, as a signed link (NOT_FOUND for everyone else). */
  openPostMedia(postId: string, file: MediaFile): Promise<MediaSource>;

  /** The posts the signed-in user may see (public, their own, followers-only of those they follow), newest first. */
  feed(options?: PageOptions): Promise<Page<FeedItem>>;
  /** A person's profile grid as the signed-in user may see it (all of it for its owner), newest first. */
  profileVideos(uid: string, options?: PageOptions): Promise<Page<ProfileGridItem>>;

  /** "Create Script": the server answers on the document (state ready with `script`, or failed). */
  createScript(input: ScriptRequestInput): Promise<CreatedRequest>;
  getScript(requestId: string): Promise<ScriptRequest>;
  /**
   * Saves the owner's edit of a ready script (scenes, durations, prompts, camera); the server checks it with the
   * script's parser (INVALID_REQUEST naming the problem) and answers the script request as stored.
   */
  updateScript(requestId: string, script: Script): Promise<ScriptRequest>;

  /** Success/failure rates, transitions, errors, credits (operators). */
  stats(options?: StatsOptions): Promise<StatsSnapshot>;

  /** What the signed-in person's videos cost, per day (charges, Luma's refunds, net). */
  credits(options?: CreditsOptions): Promise<CreditsSnapshot>;
  /**
   * Issue #13: extend, upscale, addAudio, restyle or reframe a ready/posted video. A new request makes the new
   * version (`lastActionResult.versionRequestId` on the original); an impossible one answers FOLLOW_UP_* there.
   */
  followUp(requestId: string, input: FollowUpInput): Promise<{ actionId: string }>;
  /** The post of `requestId` shows `versionRequestId`'s video (the original's own id: back to the original). */
  useVersion(requestId: string, versionRequestId: string): Promise<{ actionId: string }>;
  /** The original first, then each follow-up as it stands. */
  listVersions(requestId: string): Promise<VersionView[]>;
  /** What the owner was told (a video ready or failed), newest first, with the unread count. */
  listNotifications(): Promise<{ notifications: Notification[]; unread: number }>;
  /** Marks these notifications (or all) read. */
  markNotificationsRead(ids?: string[]): Promise<void>;
  /** Registers this device's FCM registration token for pushes. */
  registerDevice(token: string, platform?: 'ios' | 'android' | 'web'): Promise<void>;
}
