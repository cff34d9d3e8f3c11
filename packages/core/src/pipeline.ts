import type { PipelineHandlers } from './handlers';
import { settleParentOfShot } from './multi-shot/settle-hook';
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

/** Binds every handler to one set of ports (built once per process / function instance). */
export function createHandlers(ports: Ports): PipelineHandlers {
  return {
    onRequestCreated: (e) => onRequestCreated(ports, e),
    onScriptRequestCreated: (e) => onScriptRequestCreated(ports, e),
    onRequestUpdated: (e) => onRequestUpdated(ports, e),
    onSubmitTask: (p) => onSubmitTask(ports, p),
    onPollTask: (p) => onPollTask(ports, p),
    onDownloadTask: (p) => onDownloadTask(ports, p),
    onProcessTask: (p) => onProcessTask(ports, p),
    onLumaWebhook: (i) => onLumaWebhook(ports, i),
    onObjectFinalized: (e) => onObjectFinalized(ports, e),
    sweep: (opts) => sweep(ports, opts),
    handBackLeases: (opts) => handBackLeases(ports, opts),
  };
}
