import {
  CLIENT_FIELDS,
  STATE_MACHINE,
  DraftSchema,
  VideoRequestClientFieldsSchema,
  docPaths,
  type Transition,
  type VideoRequest,
} from '@d2v/schema';
import { errorInfo, PipelineError } from '../errors';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { buildLumaPlan, type PlanContext } from '../prompt/plan';
import { planFromScript } from '../script/plan';
import { isoNow, readRequest, requestPath, type RequestRef } from '../request-doc';
import { transition } from '../transition';
import { ensureNextStep } from './next-step';

/**
 * A client created `users/{uid}/videoRequests/{requestId}` with client fields only. Give it its server
 * fields (state `pending`, transition 0), validate the draft, build the Luma request(s), and queue the first
 * Luma stage. Each step is a guarded transition, so a duplicate event finds nothing to do.
 */
export async function onRequestCreated(ports: Ports, ref: RequestRef): Promise<void> {
  let doc = await initializeRequest(ports, ref);
  if (!doc) return;
  if (doc.state === 'pending') {
    const moved = await transition(ports, ref, { from: ['pending'], to: 'validating', by: 'system', reason: 'validation started' });
    if (!moved.applied) return;
    doc = moved.doc;
  }
  if (doc.state === 'validating') {
    doc = await validateAndPlan(ports, ref, doc);
    if (!doc) return;
  }
  // Also reached on redelivery after a crash between the transition and the enqueue; the task id dedupes.
  if (doc.state === 'queued' || doc.state === 'keyframe_queued') await ensureNextStep(ports, doc);
}

/** Adds server-owned fields to a fresh client document; returns the document as it stands. */
async function initializeRequest(ports: Ports, ref: RequestRef): Promise<VideoRequest | null> {
  return ports.store.runTransaction(async (tx) => {
    const raw = (await tx.get<DocData>(requestPath(ref)))?.data;
    if (!raw) return null;
    // Initialized documents have a transition log; a client-written `state` without one is refused below
    // (rules forbid it in Firebase, the local API refuses it, and the core does not rely on either).
    if (typeof raw.state === 'string' && typeof raw.transitionCount === 'number') return raw as unknown as VideoRequest;
    const at = isoNow(ports);
    const parsed = VideoRequestClientFieldsSchema.safeParse({
      draftId: raw.draftId, options: raw.options, action: raw.action, scriptRequestId: raw.scriptRequestId,
    });
    const invalid = !parsed.success || Object.keys(raw).some((k) => !(CLIENT_FIELDS as readonly string[]).includes(k));
    const error = invalid
      ? errorInfo('INVALID_REQUEST', `The request is not valid: ${describeInvalid(raw, parsed.success ? undefined : parsed.error.issues)}`)
      : null;
    const state = error ? 'failed' : 'pending';
    const doc: VideoRequest = {
      ...(parsed.success ? parsed.data : { draftId: String(raw.draftId ?? ''), options: {} as VideoRequest['options'] }),
      uid: ref.uid,
      requestId: ref.requestId,
      state,
      stateLabel: STATE_MACHINE[state].label,
      progress: 0,
      error,
      warnings: [],
      luma: { submitAttempts: 0, polls: 0, previousGenerationIds: [] },
      transitionCount: 1,
      createdAt: at,
      updatedAt: at,
      deadlineAt: ports.clock.now() + ports.config.requestDeadlineMs,
    };
    const entry: Transition = { n: 0, from: null, to: state, at, by: 'client', reason: 'request created' };
    if (error) entry.error = error;
    tx.set(requestPath(ref), doc as unknown as DocData);
    tx.create(docPaths.transition(ref.uid, ref.requestId, 0), entry as unknown as DocData);
    ports.log.info({ uid: ref.uid, requestId: ref.requestId, state }, error ? logs.requestInvalid : logs.requestInitialized);
    return doc;
  });
}

function describeInvalid(raw: DocData, issues?: readonly { path: PropertyKey[]; message: string }[]): string {
  const extra = Object.keys(raw).filter((k) => !(CLIENT_FIELDS as readonly string[]).includes(k));
  if (extra.length) return `fields ${extra.join(', ')} are set by the server, not the client.`;
  return (issues ?? []).map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`).join('; ');
}

/** Reads the draft, builds the plan and moves on to the first Luma stage (or to `failed` with a code). */
async function validateAndPlan(ports: Ports, ref: RequestRef, doc: VideoRequest): Promise<VideoRequest | null> {
  const log = ports.log.child({ uid: ref.uid, requestId: ref.requestId });
  try {
    const draftSnap = await ports.store.get(docPaths.draft(ref.uid, doc.draftId));
    if (!draftSnap) throw new PipelineError('DRAFT_NOT_FOUND', `Draft ${doc.draftId} does not exist.`);
    const parsedDraft = DraftSchema.safeParse({ ...draftSnap.data, id: doc.draftId, uid: ref.uid });
    if (!parsedDraft.success) {
      const why = parsedDraft.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
      throw new PipelineError('INVALID_REQUEST', `The draft cannot be read: ${why}`);
    }
    const draft = parsedDraft.data;
    const ctx: PlanContext = {
      signBlobUrl: (path) => ports.blobs.signedUrl(path, { expiresInSeconds: ports.config.signedUrlTtlSeconds }),
      imageHostAllowList: ports.config.imageHostAllowList,
      // Content type and size come from the blob store's metadata: checked before any credit is spent.
      inspectImage: async ({ path }) => {
        const info = await ports.blobs.stat(path);
        return info && { contentType: info.contentType, bytes: info.size };
      },
    };
    if (doc.scriptRequestId) return await planShots(ports, ref, doc, draft, ctx);
    const plan = await buildLumaPlan(draft, doc.options, ctx);
    log.info({ stages: plan.keyframe ? 2 : 1, warnings: plan.warnings.length }, logs.planBuilt);
    const moved = await transition(ports, ref, {
      from: ['validating'],
      to: plan.keyframe ? 'keyframe_queued' : 'queued',
      by: 'system',
      reason: plan.keyframe ? 'draft has images: keyframe first' : 'draft is text only: straight to video',
      patch: () => ({
        draftSnapshot: draft,
        lumaRequest: plan.video as unknown as DocData,
        ...(plan.keyframe ? { keyframeRequest: plan.keyframe as unknown as DocData } : {}),
        warnings: plan.warnings,
        promptParts: plan.parts,
      }),
    });
    return moved.applied ? moved.doc : await readRequest(ports, ref);
  } catch (e) {
    if (!(e instanceof PipelineError)) throw e;
    log.warn({ errorCode: e.code, reason: e.message }, logs.validationFailed);
    await transition(ports, ref, { from: ['validating'], to: 'failed', by: 'system', reason: 'draft refused', error: e.toInfo() });
    return null;
  }
}


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
 * single-shot pipeline makes each clip. The parent waits in `dreaming` until its shots are ready (see assemble.ts).
 */
async function planShots(ports: Ports, ref: RequestRef, doc: VideoRequest, draft: VideoRequest['draftSnapshot'], ctx: PlanContext): Promise<VideoRequest | null> {
  const script = await readReadyScript(ports, ref, doc);
  const plan = await planFromScript(script, doc.options, ctx);
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
