import { STATE_MACHINE, docPaths, type Transition, type VideoRequest } from '@d2v/schema';
import type { PlanContext } from '@d2v/prompt';
import { promptBuilder } from '../prompt-builder';
import { PipelineError } from '../errors';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { isoNow, readRequest, requestPath, type RequestRef } from '../request-doc';
import { ensureNextStep } from '../steps/next-step';
import { transition } from '../transition';

/** Reads the script request a video is made from; only a ready script of this person's draft will do. */
async function readReadyScript(ports: Ports, ref: RequestRef, doc: VideoRequest): Promise<unknown> {
  const id = doc.scriptRequestId!;
  const snap = await ports.store.get<DocData>(docPaths.scriptRequest(ref.uid, id));
  if (!snap) throw new PipelineError('SCRIPT_INVALID', `Script request ${id} does not exist.`);
  const script = snap.data.script as DocData | undefined;
  if (snap.data.state !== 'ready' || !script || typeof script !== 'object') {
    const state = typeof snap.data.state === 'string' ? snap.data.state : 'pending';
    throw new PipelineError('SCRIPT_INVALID', `Script request ${id} is not ready (it is ${state}); wait for its script before making the video.`);
  }
  if (script.draftId !== doc.draftId) {
    throw new PipelineError('SCRIPT_INVALID', `Script request ${id} was made from draft ${String(script.draftId)}, not ${doc.draftId}.`);
  }
  // The person may have edited the script: planFromScript checks it again as a whole.
  return { ...script, uid: ref.uid };
}

/** The id of shot `n`'s request: a child of the script video, generated like any single-shot request. */
export function shotRequestId(parentRequestId: string, n: number): string {
  return `${parentRequestId}-shot-${n}`;
}

/**
 * "Create Script" video: every shot becomes a child request that is created already initialized (queued, or
 * keyframe_queued with images) in the same transaction as the parent's validating → dreaming, so the whole
 * single-shot pipeline makes each clip. The parent waits in `dreaming` until its shots are ready (see await-shots.ts).
 */
export async function planShots(
  ports: Ports,
  ref: RequestRef,
  doc: VideoRequest,
  draft: VideoRequest['draftSnapshot'],
  ctx: PlanContext,
  /** More fields for the parent (its content key). */
  extra: DocData = {},
): Promise<VideoRequest | null> {
  const script = await readReadyScript(ports, ref, doc);
  const plan = await promptBuilder().planFromScript(script, doc.options, ctx);
  ports.log.child({ ...ref }).info({ shots: plan.shots.length, warnings: plan.warnings.length }, logs.planBuilt);
  const at = isoNow(ports);
  const children: VideoRequest[] = plan.shots.map((shot) => {
    const state = shot.keyframe ? 'keyframe_queued' : 'queued';
    const child: VideoRequest = {
      draftId: doc.draftId,
      options: { ...doc.options, duration: shot.clipDuration, autoPost: false, loop: false },
      uid: ref.uid,
      requestId: shotRequestId(ref.requestId, shot.n),
      state,
      stateLabel: STATE_MACHINE[state].label,
      progress: 0,
      error: null,
      warnings: [],
      luma: { submitAttempts: 0, polls: 0, previousGenerationIds: [] },
      lumaRequest: shot.video as unknown as DocData,
      ...(shot.keyframe ? { keyframeRequest: shot.keyframe as unknown as DocData } : {}),
      promptParts: shot.parts as unknown as VideoRequest['promptParts'],
      parentRequestId: ref.requestId,
      shot: { n: shot.n, trimMs: shot.trim.durationMs },
      transitionCount: 1,
      createdAt: at,
      updatedAt: at,
      deadlineAt: ports.clock.now() + ports.config.requestDeadlineMs,
    };
    return child;
  });
  const moved = await transition(ports, ref, {
    from: ['validating'],
    to: 'dreaming',
    by: 'system',
    reason: `script: ${children.length} shots`,
    patch: () => ({
      ...extra,
      draftSnapshot: draft,
      warnings: plan.warnings,
      shots: plan.shots.map((shot, i) => ({ n: shot.n, requestId: children[i]!.requestId, durationMs: shot.durationMs })),
    }),
    alsoWrite: (tx) => {
      for (const child of children) {
        const childRef = { uid: ref.uid, requestId: child.requestId };
        const entry: Transition = {
          n: 0, from: null, to: child.state, at, by: 'system', reason: `shot ${child.shot!.n} of request ${ref.requestId}`,
        };
        tx.set(requestPath(childRef), child as unknown as DocData);
        tx.create(docPaths.transition(ref.uid, child.requestId, 0), entry as unknown as DocData);
      }
    },
  });
  if (!moved.applied) return await readRequest(ports, ref);
  for (const child of children) await ensureNextStep(ports, child);
  return moved.doc;
}
