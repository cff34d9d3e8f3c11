/**
 * The outbox: trigger events written in the same SQLite transaction as the change that caused them.
 *
 * Firestore's onDocumentCreated/Updated and Storage's onObjectFinalized never lose an event once the write
 * is durable, and may deliver it more than once. Writing the event row atomically with the write, then
 * delivering rows at least once (outbox-dispatcher.ts), gives the local stack the same guarantees.
 */
import type { BlobInfo, DocData } from '@d2v/core';
import { randomUUID } from 'node:crypto';
import type { LocalDatabase } from './db';

export type DocChange = 'create' | 'update' | 'delete';
export type BlobChange = 'finalize' | 'delete';
export type OutboxStatus = 'pending' | 'inflight' | 'done' | 'dead';

interface OutboxEventBase {
  /** Unique per event (a uuid); the same across redeliveries, so handlers may dedupe on it. */
  id: string;
  /** The registered trigger's name. */
  trigger: string;
  /** Document or object path that changed. */
  path: string;
  /** Wildcard values from the trigger pattern, e.g. `{ uid, requestId }`. */
  params: Record<string, string>;
  /** When the change committed (ISO 8601). */
  createdAt: string;
  /** 1-based delivery attempt (duplicate deliveries of one attempt share the number). */
  attempt: number;
}

/** A document trigger event (Firestore onDocumentCreated/Updated/Deleted/Written). */
export interface DocOutboxEvent extends OutboxEventBase {
  kind: 'doc';
  change: DocChange;
  before: DocData | null;
  after: DocData | null;
}

/** A Storage trigger event (onObjectFinalized / onObjectDeleted). */
export interface BlobOutboxEvent extends OutboxEventBase {
  kind: 'blob';
  change: BlobChange;
  blob: BlobInfo;
}

export type OutboxEvent = DocOutboxEvent | BlobOutboxEvent;

/** What `OutboxDispatcher.list()` shows about a row (for tests, the CLI and operators). */
export interface OutboxRecord {
  id: string;
  trigger: string;
  kind: 'doc' | 'blob';
  change: DocChange | BlobChange;
  path: string;
  params: Record<string, string>;
  status: OutboxStatus;
  attempts: number;
  /** Next try for pending rows, lease expiry for in-flight ones (epoch ms). */
  dueAt: number;
  createdAt: number;
  finishedAt: number | null;
  lastError: string | null;
}

export interface NewOutboxRow {
  trigger: string;
  kind: 'doc' | 'blob';
  change: DocChange | BlobChange;
  path: string;
  params: Record<string, string>;
  /** Already-serialized JSON: `{"before":…,"after":…}` or `{"blob":…}`. */
  payloadJson: string;
  createdAt: number;
}

/**
 * Inserts one event row. Must run inside the writer's SQLite transaction — that is the whole point — and the
 * writer calls `db.notifyCommitted('outbox')` after its commit.
 */
export function insertOutboxRow(db: LocalDatabase, row: NewOutboxRow): string {
  const id = randomUUID();
  db
    .statement(
      `INSERT INTO outbox (id, trigger, kind, change, path, params, payload, created_at, status, attempts, due_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)`,
    )
    .run(id, row.trigger, row.kind, row.change, row.path, JSON.stringify(row.params), row.payloadJson, row.createdAt, row.createdAt);
  return id;
}
