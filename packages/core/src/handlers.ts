/**
 * The pipeline's entry points: one handler per event. Both runtimes call exactly these; a trigger does
 * nothing but parse its event into one of these inputs and build the ports once per instance.
 *
 * Error policy (shared by every runtime):
 * - a handler that returns normally is done (the event/task is acknowledged);
 * - a handler that throws wants the platform to deliver again later (Firestore/Storage triggers with
 *   retry, Cloud Tasks retryConfig, the local outbox/queue); `RetryLaterError` carries a preferred delay;
 * - permanent problems never throw: they are written to the request as `failed` with an error code.
 */
import type { DocData, TaskPayload } from './ports';

export interface RequestCreatedEvent {
  uid: string;
  requestId: string;
  data: DocData;
}

export interface RequestUpdatedEvent {
  uid: string;
  requestId: string;
  before: DocData | null;
  after: DocData | null;
}

export interface ObjectFinalizedEvent {
  path: string;
  contentType: string;
  size: number;
  custom: Record<string, string>;
  generation: string;
}

export interface WebhookInput {
  uid: string;
  requestId: string;
  token: string;
  body: unknown;
}

export interface WebhookResult {
  status: number;
  body: Record<string, unknown>;
}

export interface SweepOptions {
  /** Every earlier incarnation is known dead (the local stack starting): re-kick all idle working requests now. */
  resume?: boolean;
}

export interface SweepResult {
  failed: number;
  rekicked: number;
}

/** What the runtime knows about this delivery (it lands on every log line and event of the handler). */
export interface DeliveryMeta {
  /** 1-based attempt: Cloud Tasks' retry count + 1, the outbox's delivery attempt. */
  attempt?: number;
}

export interface PipelineHandlers {
  /** Firestore onDocumentCreated(users/{uid}/videoRequests/{requestId}). */
  onRequestCreated(event: RequestCreatedEvent, meta?: DeliveryMeta): Promise<void>;
  /** Firestore onDocumentCreated(users/{uid}/scriptRequests/{requestId}): "Create Script" (no Luma call). */
  onScriptRequestCreated(event: RequestCreatedEvent, meta?: DeliveryMeta): Promise<void>;
  /** Firestore onDocumentUpdated(users/{uid}/videoRequests/{requestId}): client actions (save/post/delete/retry/cancel). */
  onRequestUpdated(event: RequestUpdatedEvent, meta?: DeliveryMeta): Promise<void>;
  /** Task queue "submit": the one billed Luma create, guarded against duplicates and crashes. */
  onSubmitTask(payload: TaskPayload, meta?: DeliveryMeta): Promise<void>;
  /** Task queue "poll": backs up the webhook; re-enqueues itself while Luma works. */
  onPollTask(payload: TaskPayload, meta?: DeliveryMeta): Promise<void>;
  /** Task queue "download": streams Luma's asset into Storage as raw.mp4. */
  onDownloadTask(payload: TaskPayload, meta?: DeliveryMeta): Promise<void>;
  /** Task queue "process": re-drives processing from a stored raw.mp4 when the Storage trigger's run was lost. */
  onProcessTask(payload: TaskPayload, meta?: DeliveryMeta): Promise<void>;
  /** HTTP onRequest: Luma's callback. Token checked in constant time; body only names a generation to re-read. */
  onLumaWebhook(input: WebhookInput): Promise<WebhookResult>;
  /** Storage onObjectFinalized: raw.mp4 → validate, compress, poster, encrypt, upload, (post). */
  onObjectFinalized(event: ObjectFinalizedEvent, meta?: DeliveryMeta): Promise<void>;
  /** Scheduled: fail requests past their deadline, re-kick ones whose next step was lost. */
  sweep(opts?: SweepOptions): Promise<SweepResult>;
  /** Graceful stop: hands back every step lease this process holds (see lease.ts). Returns how many. */
  handBackLeases(opts?: { reusableAt?: number }): Promise<number>;
}
