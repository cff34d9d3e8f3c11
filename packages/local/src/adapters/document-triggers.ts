/**
 * Document triggers on the local store, the counterpart of `onDocumentCreated(...)` and friends: which
 * registered patterns a committed change matches, and the outbox row written for each match inside the same
 * SQLite transaction as the change (so an event exists exactly when its write does; the OutboxDispatcher
 * delivers it later). Kept apart from the store so that what produces events can be read on its own.
 */
import type { LocalDatabase } from './db';
import type { PendingChange } from './document-transaction';
import { insertOutboxRow, type DocChange } from './outbox';
import { compilePathPattern, matchPathPattern, type PathPattern } from './patterns';

export type DocumentTriggerKind = 'create' | 'update' | 'write' | 'delete';

/** Like `onDocumentCreated('users/{uid}/videoRequests/{requestId}', …)`: which writes produce outbox events. */
export interface DocumentTrigger {
  /** Handler name the OutboxDispatcher routes the event to; unique per store. */
  name: string;
  pattern: string;
  on: DocumentTriggerKind;
}

interface CompiledTrigger {
  name: string;
  on: DocumentTriggerKind;
  pattern: PathPattern;
}

/** The triggers registered on one store, compiled once. */
export class DocumentTriggers {
  private readonly triggers: CompiledTrigger[] = [];

  /** Throws on a duplicate name or an unknown kind; a bad pattern throws from compilePathPattern. */
  register(trigger: DocumentTrigger): void {
    if (this.triggers.some((existing) => existing.name === trigger.name)) {
      throw new Error(`document trigger "${trigger.name}" is already registered`);
    }
    if (!['create', 'update', 'write', 'delete'].includes(trigger.on)) {
      throw new Error(`document trigger "${trigger.name}": unknown kind "${String(trigger.on)}"`);
    }
    this.triggers.push({ name: trigger.name, on: trigger.on, pattern: compilePathPattern(trigger.pattern) });
  }

  /**
   * Writes one outbox row per trigger that `change` of `path` matches; returns how many. Must run inside the
   * commit's SQLite transaction.
   */
  record(db: LocalDatabase, path: string, change: PendingChange, now: number): number {
    const kind: DocChange = change.beforeJson === null ? 'create' : change.afterJson === null ? 'delete' : 'update';
    let written = 0;
    for (const trigger of this.triggers) {
      if (trigger.on !== 'write' && trigger.on !== kind) continue;
      const params = matchPathPattern(trigger.pattern, path);
      if (!params) continue;
      insertOutboxRow(db, {
        trigger: trigger.name,
        kind: 'doc',
        change: kind,
        path,
        params,
        payloadJson: `{"before":${change.beforeJson ?? 'null'},"after":${change.afterJson ?? 'null'}}`,
        createdAt: now,
      });
      written++;
    }
    return written;
  }
}
