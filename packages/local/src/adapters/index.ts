/** The local stack's adapters: the core's ports on one SQLite file, files on disk and a durable queue. */
export { LocalDatabase, type LocalDatabaseOptions, type CommitChannel } from './db';
export { SqliteDocumentStore, type SqliteDocumentStoreOptions } from './document-store';
export { TransactionContentionError, READ_AFTER_WRITE_MESSAGE } from './document-transaction';
export type { DocumentTrigger, DocumentTriggerKind } from './document-triggers';
export {
  FileBlobStore,
  InvalidBlobPathError,
  MAX_SIGNED_URL_SECONDS,
  assertSafeBlobPath,
  verifySignedBlobRequest,
  type FileBlobStoreOptions,
  type BlobTrigger,
} from './blob-store';
export { OutboxDispatcher, type OutboxDispatcherOptions, type OutboxHandler } from './outbox-dispatcher';
export type {
  OutboxEvent,
  DocOutboxEvent,
  BlobOutboxEvent,
  OutboxRecord,
  OutboxStatus,
  DocChange,
  BlobChange,
} from './outbox';
export {
  SqliteTaskQueue,
  DEFAULT_TASK_QUEUE_LIMITS,
  type SqliteTaskQueueOptions,
  type TaskHandler,
  type TaskContext,
  type TaskQueueLimits,
  type TaskRecord,
  type TaskStatus,
} from './task-queue';
export { SqliteEventSink, type SqliteEventSinkOptions, type EventFilter } from './event-sink';
export { listDeliveryAttempts, type DeliveryAttempt, type DeliveryKind, type DeliveryOutcome } from './delivery-attempts';
export type { DrainOptions, DuplicateDeliveryMode } from './polling-worker';
export { UnsupportedValueError } from './json';
export { compilePathPattern, matchPathPattern, type PathPattern } from './patterns';
export { systemClock, silentLog, type AdapterLog } from './runtime';
