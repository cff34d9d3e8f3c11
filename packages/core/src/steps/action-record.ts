import { docPaths, type ActionRecord, type ActionRequest } from '@d2v/schema';
import type { DocData, Ports, Transaction } from '../ports';
import { isoNow, type RequestRef } from '../request-doc';

/** What an action ended with, before it is tied to its id. */
export interface ActionOutcome {
  ok: boolean;
  code?: string;
  message?: string;
  versionRequestId?: string;
}

/**
 * How an action's outcome is recorded, always in the same transaction as the change it makes (or, for an action
 * that changes nothing, in a transaction of its own):
 * - `patch`: the request's `lastActionId`/`lastActionResult` — what the app shows, and a cheap filter for the
 *   update trigger (an event whose `action.id` is the last one applied needs no read);
 * - `write`: the record `…/videoRequests/{id}/actions/{actionId}` — the truth about which ids were applied. It is
 *   a `create`, so a second transaction applying the same id fails instead of applying it twice, however many
 *   other actions came between (A, B, A: the second A finds its record).
 */
export interface ActionRecorder {
  patch(outcome: ActionOutcome): DocData;
  write(tx: Transaction, outcome: ActionOutcome): void;
}

export function actionRecorder(ports: Ports, ref: RequestRef, action: ActionRequest): ActionRecorder {
  const result = (outcome: ActionOutcome) => ({ id: action.id, type: action.type, ...outcome });
  return {
    patch: (outcome) => ({ lastActionId: action.id, lastActionResult: result(outcome) }),
    write: (tx, outcome) => {
      const record: ActionRecord = { id: action.id, type: action.type, at: isoNow(ports), result: result(outcome) };
      tx.create(docPaths.actionRecord(ref.uid, ref.requestId, action.id), record as unknown as DocData);
    },
  };
}

/** For work an action does on other requests (a script video's shots): nothing is recorded there. */
export const NO_RECORD: ActionRecorder = { patch: () => ({}), write: () => undefined };

/** An action's outcome, and whether it was already recorded with the change it made. */
export interface Applied {
  result: ActionOutcome;
  recorded: boolean;
}

export const changed = (result: ActionOutcome): Applied => ({ result, recorded: true });
export const unchanged = (result: ActionOutcome): Applied => ({ result, recorded: false });
