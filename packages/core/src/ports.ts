/**
 * The ports the pipeline core is written against. The Firebase runtime (functions/) implements them with
 * firebase-admin; the local stack (packages/local) with SQLite, files and an embedded queue. Both must pass the
 * same contract tests. Nothing here may name Firebase.
 */
import type { Readable } from 'node:stream';
import type { AnalyticsEvent, ByteRange, MediaPort, VideoState } from '@d2v/schema';
import type { LumaApi } from '@d2v/luma';
import type { CoreConfig } from './config';

// ---------------------------------------------------------------------------------------------------------------
// Documents

export type DocData = Record<string, unknown>;

export interface DocSnapshot<T = DocData> {
  /** Full path, e.g. `users/u1/videoRequests/r1`. */
  path: string;
  id: string;
  data: T;
  /** Monotonic per document; changes on every write (Firestore's updateTime, a version counter locally). */
  version: string;
}

export type WhereOp = '==' | '<' | '<=' | '>' | '>=' | 'in';
export interface QueryFilter {
  field: string;
  op: WhereOp;
  value: unknown;
}
export interface Query {
  /** A collection path (`users/u1/videoRequests`) or, with `group: true`, a collection id (`videoRequests`). */
  collection: string;
  group?: boolean;
  where?: QueryFilter[];
  orderBy?: { field: string; direction?: 'asc' | 'desc' };
  limit?: number;
}

/**
 * A transaction with Firestore's rules: every read happens before the first write; the whole function may
 * run again when another writer got there first, so it must have no side effects outside `tx`.
 */
export interface Transaction {
  get<T = DocData>(path: string): Promise<DocSnapshot<T> | null>;
  /** Fails the transaction with `AlreadyExistsError` if the document exists. */
  create(path: string, data: DocData): void;
  /** Replaces the whole document. */
  set(path: string, data: DocData): void;
  /** Shallow-merges top-level fields into an existing document (fails if it does not exist). */
  update(path: string, patch: DocData): void;
  delete(path: string): void;
}

export interface DocumentStore {
  get<T = DocData>(path: string): Promise<DocSnapshot<T> | null>;
  query<T = DocData>(q: Query): Promise<DocSnapshot<T>[]>;
  /**
   * How many documents `q` matches (its `orderBy`/`limit` ignored), without reading them: Firestore's count()
   * aggregation, billed as one read per 1000 index entries. Admission control counts with it (luma-capacity/).
   */
  count(q: Query): Promise<number>;
  runTransaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
}

export class AlreadyExistsError extends Error {
  override readonly name = 'AlreadyExistsError';
  constructor(readonly path: string) {
    super(`document already exists: ${path}`);
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly path: string) {
    super(`document not found: ${path}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Blobs (Cloud Storage objects / files on disk)

export interface BlobMetadata {
  contentType: string;
  /** Custom metadata; the Storage trigger's loop guard reads `d2vGenerated` from here. */
  custom?: Record<string, string>;
}

export interface BlobInfo extends BlobMetadata {
  path: string;
  size: number;
  updatedAt: string;
  /** Changes on every overwrite (Storage's generation number). */
  generation: string;
  /**
   * Base64 MD5 of the bytes, as Cloud Storage reports `md5Hash` (absent for composite objects, and for objects
   * stored before the local store kept it). The content cache keys on it: no hash, no caching.
   */
  md5Hash?: string;
}

export interface BlobStore {
  /** Streams `source` into the object; resolves once it is durable (and, like Storage, announces it). */
  upload(path: string, source: Readable, meta: BlobMetadata): Promise<BlobInfo>;
  /** Copies a local file into the store (what ffmpeg output goes through). */
  uploadFile(path: string, localFile: string, meta: BlobMetadata): Promise<BlobInfo>;
  /**
   * Streams the object, or only bytes `range.start`…`range.end` (inclusive, inside the object: callers derive
   * ranges from `stat().size`). A missing object makes the stream fail.
   */
  download(path: string, range?: ByteRange): Readable;
  downloadToFile(path: string, localFile: string): Promise<void>;
  stat(path: string): Promise<BlobInfo | null>;
  delete(path: string): Promise<void>;
  /** A URL anyone holding it may GET until it expires (v4 signed URL / HMAC-signed local URL). */
  signedUrl(path: string, opts: { expiresInSeconds: number }): Promise<string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Tasks (Cloud Tasks queues / the local durable queue)

/** `process` re-drives processing when the Storage trigger's run was lost (the sweeper, a crash): raw.mp4 → outputs. */
export const TASK_QUEUES = ['submit', 'poll', 'download', 'process'] as const;
export type TaskQueueName = (typeof TASK_QUEUES)[number];

export interface TaskPayload {
  uid: string;
  requestId: string;
  /** Which Luma stage the task is about (keyframe image or the video). */
  stage?: 'keyframe' | 'video';
  attempt?: number;
  /** A poll chain started by a re-kick carries its bucket, so its task ids never collide with an older chain's. */
  chain?: string;
}

export interface EnqueueOptions {
  /** Dedupe key: a second enqueue with the same id is dropped (Cloud Tasks named tasks). */
  id?: string;
  delaySeconds?: number;
}

export interface TaskQueue {
  enqueue(queue: TaskQueueName, payload: TaskPayload, opts?: EnqueueOptions): Promise<void>;
}

/** Thrown by a task handler to ask the queue to try again later (the platform's retry policy applies). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Analytics events (Pub/Sub topic / local event table)

export interface EventSink {
  publish(event: AnalyticsEvent): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Media (ffmpeg/ffprobe + encryption; @d2v/media implements it for both runtimes)

export type { MediaProbe, EncryptResult, WrappedKeyInfo, MediaPort, ByteRange, CiphertextSource, DecryptStats, EncryptedVideo } from '@d2v/schema';

// ---------------------------------------------------------------------------------------------------------------
// Clock and log

export interface Clock {
  now(): number;
}

export type LogFields = Record<string, unknown>;
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(fields: LogFields): Logger;
}

// ---------------------------------------------------------------------------------------------------------------
// Liveness (which lease owners are known dead before their lease runs out)

/**
 * This process (or function instance) as lease owner. Every lease owner id the core makes starts with the
 * incarnation id (`<incarnation>.<random>`). A runtime that knows more than "a lease lapses when nobody renews it"
 * says so through `isDead`: the local stack runs one process per data dir, so any other incarnation is dead.
 * `track` hears of every lease this process holds, so a graceful stop can hand back the ones still held.
 * The core's `Incarnation` class implements it for both runtimes.
 */
export interface Liveness {
  readonly incarnation: string;
  isDead(owner: string): boolean;
  track(held: HeldLease): () => void;
  /** Leases this process holds right now (for a graceful stop). */
  held(): HeldLease[];
}

/** A step lease this worker holds on a request (what it renews, releases or hands back). */
export interface HeldLease {
  uid: string;
  requestId: string;
  owner: string;
  step: string;
  /** The states in which the lease means something (renewal and release are guarded by them). */
  states: readonly VideoState[];
}

// ---------------------------------------------------------------------------------------------------------------

export interface Ports {
  store: DocumentStore;
  blobs: BlobStore;
  tasks: TaskQueue;
  events: EventSink;
  luma: LumaApi;
  media: MediaPort;
  clock: Clock;
  log: Logger;
  config: CoreConfig;
  /** Scratch directory for ffmpeg's seekable files; handlers clean up what they create. */
  tmpDir: string;
  /** Who owns leases here and which owners are known dead; absent: every lease lives until it lapses. */
  liveness?: Liveness;
  /**
   * Sends a notification to the owner's devices (FCM on Firebase). Absent: the notification documents are the
   * only channel (the local stack's outbox, which its API and console show).
   */
  push?: Notifier;
}

/** A push to the owner's devices; called once per notification document this process created. */
export interface PushMessage {
  uid: string;
  notificationId: string;
  requestId: string;
  title: string;
  body: string;
  data: Record<string, string>;
}

export interface Notifier {
  /** Best effort: a failure is logged by the caller; the notification document stays either way. */
  send(message: PushMessage): Promise<{ sent: number; removedTokens: number }>;
}
