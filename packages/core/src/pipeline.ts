import { parseRawVideoPath } from '@d2v/schema';
import { runInContext, type RequestContext } from './context';
import { isUnexpectedError, reportUnexpectedError } from './error-report';
import type { DeliveryMeta, PipelineHandlers } from './handlers';
import { withInstrumentedLuma } from './luma-instrumented';
import { logs } from './logs';
import { notifyOutcome } from './notifications/notify-hook';
import { settleParentOfShot } from './multi-shot/settle-hook';
import { wakeOnSlotRelease } from './luma-capacity/wake';
import type { Ports } from './ports';
import { onRequestUpdated } from './steps/actions';
import { onRequestCreated } from './steps/create';
import { onScriptRequestCreated } from './steps/script-request';
import { onDownloadTask } from './steps/download';
import { onLumaWebhook, onPollTask } from './steps/generation';
import { onObjectFinalized, onProcessTask } from './steps/process';
import { handBackLeases } from './lease';
import { onSubmitTask } from './steps/submit';
import { sweep } from './steps/sweep';
import { onTransitionApplied } from './transition';

// The guarded transition is generic: a "Create Script" video hears of its shots settling through this hook.
onTransitionApplied(settleParentOfShot);
// The owner hears of each outcome once (issue #13): a notification document, and a push where devices are known.
onTransitionApplied(notifyOutcome);
// Admission control (issue #10): a generation leaving Luma frees its slot, and the oldest waiter is woken for it.
onTransitionApplied(wakeOnSlotRelease);

/**
 * Binds every handler to one set of ports (built once per process / function instance). Each handler runs in
 * its request context (every log line and event carries request, owner, step, attempt and state), with the
 * Luma port measured (one `luma_call` event per call), and an unexpected error escaping it is reported in Error
 * Reporting's shape before the runtime sees it and retries.
 */
export function createHandlers(ports: Ports): PipelineHandlers {
  const p = withInstrumentedLuma(ports);
  const run = <T>(context: RequestContext, meta: DeliveryMeta | undefined, fn: () => Promise<T>): Promise<T> =>
    runInContext({ ...context, attempt: meta?.attempt }, async () => {
      try {
        return await fn();
      } catch (e) {
        if (isUnexpectedError(e)) await reportUnexpectedError(p, { error: e });
        throw e;
      }
    });
  const of = (ref: { uid: string; requestId: string }) => ({ uid: ref.uid, requestId: ref.requestId });
  return {
    onRequestCreated: (e, m) => run({ step: 'create', ...of(e) }, m, () => onRequestCreated(p, e)),
    onScriptRequestCreated: (e, m) => run({ step: 'script', ...of(e) }, m, () => onScriptRequestCreated(p, e)),
    onRequestUpdated: (e, m) => run({ step: 'action', ...of(e) }, m, () => onRequestUpdated(p, e)),
    onSubmitTask: (t, m) => run({ step: 'submit', ...of(t) }, m, () => onSubmitTask(p, t)),
    onPollTask: (t, m) => run({ step: 'poll', ...of(t) }, m, () => onPollTask(p, t)),
    onDownloadTask: (t, m) => run({ step: 'download', ...of(t) }, m, () => onDownloadTask(p, t)),
    onProcessTask: (t, m) => run({ step: 'process', ...of(t) }, m, () => onProcessTask(p, t)),
    onLumaWebhook: (i) =>
      run({ step: 'webhook', ...of(i) }, undefined, async () => {
        const result = await onLumaWebhook(p, i);
        p.log.info({ httpStatus: result.status, answer: result.body }, logs.webhookAnswered);
        return result;
      }),
    onObjectFinalized: (e, m) => run({ step: 'process', ...(parseRawVideoPath(e.path) ?? {}) }, m, () => onObjectFinalized(p, e)),
    sweep: (opts) => run({ step: 'sweep' }, undefined, () => sweep(p, opts)),
    handBackLeases: (opts) => run({ step: 'hand-back' }, undefined, () => handBackLeases(p, opts)),
  };
}
