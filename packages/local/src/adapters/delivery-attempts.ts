/**
 * Every dispatch of a task and every delivery of a trigger event, one row each, with how it ended: the history
 * `d2v inspect` prints (a task row only keeps its latest attempt and error). Written by the task queue and the
 * outbox dispatcher around each handler call; read by request id.
 */
import type { LocalDatabase } from './db';

export type DeliveryKind = 'task' | 'event';
export type DeliveryOutcome = 'done' | 'retry' | 'dead';

export interface DeliveryAttempt {
  kind: DeliveryKind;
  /** The task queue, or the trigger of an event. */
  name: string;
  /** Task id or outbox event id. */
  id: string;
  requestId: string | null;
  attempt: number;
  startedAt: number;
  finishedAt: number | null;
  /** null while it runs (or when the process died during it). */
  outcome: DeliveryOutcome | null;
  error: string | null;
}

export function startDeliveryAttempt(
  db: LocalDatabase,
  attempt: { kind: DeliveryKind; name: string; id: string; requestId?: string | null; attempt: number; at: number },
): number {
  const result = db
    .statement(`INSERT INTO delivery_attempts (kind, name, id, request_id, attempt, started_at) VALUES (?, ?, ?, ?, ?, ?)`)
    .run(attempt.kind, attempt.name, attempt.id, attempt.requestId ?? null, attempt.attempt, attempt.at);
  return Number(result.lastInsertRowid);
}

export function finishDeliveryAttempt(db: LocalDatabase, seq: number, end: { outcome: DeliveryOutcome; at: number; error?: string }): void {
  db.statement(`UPDATE delivery_attempts SET finished_at = ?, outcome = ?, error = ? WHERE seq = ?`).run(end.at, end.outcome, end.error ?? null, seq);
}

interface AttemptRow {
  kind: DeliveryKind;
  name: string;
  id: string;
  request_id: string | null;
  attempt: number;
  started_at: number;
  finished_at: number | null;
  outcome: DeliveryOutcome | null;
  error: string | null;
}

/** A request's attempts, in the order they started. */
export function listDeliveryAttempts(db: LocalDatabase, filter: { requestId: string }): DeliveryAttempt[] {
  const rows = db
    .statement(
      `SELECT kind, name, id, request_id, attempt, started_at, finished_at, outcome, error FROM delivery_attempts
       WHERE request_id = ? ORDER BY seq`,
    )
    .all(filter.requestId) as AttemptRow[];
  return rows.map((r) => ({
    kind: r.kind,
    name: r.name,
    id: r.id,
    requestId: r.request_id,
    attempt: r.attempt,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
    error: r.error,
  }));
}
