import {
  CLIENT_FIELDS,
  FollowUpSpecSchema,
  IdSchema,
  STATE_MACHINE,
  DraftSchema,
  VideoRequestClientFieldsSchema,
  docPaths,
  type Transition,
  type VideoRequest,
} from '@d2v/schema';
import type { PlanContext } from '@d2v/prompt';
import { promptBuilder } from '../prompt-builder';
import { errorInfo, PipelineError } from '../errors';
import { noteState } from '../context';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { isoNow, readRequest, requestPath, type RequestRef } from '../request-doc';
import { contentKeyOf } from '../content-cache/key';
import { reuseCachedVideo } from '../content-cache/reuse';
import { planShots } from '../multi-shot/plan-shots';
import { admitRequest } from '../quotas/admission';
import { planFollowUp } from '../follow-ups/plan';
import { notifyOutcome } from '../notifications/notify-hook';
import { publishRequestCreated, transition, type InitialRequest, type TransitionSpec } from '../transition';
import { ensureNextStep } from './next-step';

/**
 * A client created `users/{uid}/videoRequests/{requestId}` with client fields only. Give it its server
 * fields (state `pending`, transition 0), validate the draft, build the Luma request(s), and queue the first
 * Luma stage. Each step is a guarded transition, so a duplicate event finds nothing to do. A single video is
 * validated before anything is written: its initialization and its way through `validating` are one commit
 * (transitions 0–2, one request write); a script video is initialized first, its shots are planned from
 * `validating`.
 */
export async function onRequestCreated(ports: Ports, ref: RequestRef): Promise<void> {
  const raw = (await ports.store.get<DocData>(requestPath(ref)))?.data;
  if (!raw) return;
  let doc: VideoRequest | null;
  if (isInitialized(raw)) doc = raw as unknown as VideoRequest;
  else {
    const fresh = initialRequest(ports, ref, raw);
    noteState(ref.requestId, fresh.doc.state);
    doc = fresh.doc.state === 'pending' && !fresh.doc.scriptRequestId
      ? await validateAndPlan(ports, ref, fresh.doc, fresh)
      : await writeInitialRequest(ports, ref, fresh);
  }
  if (!doc) return;
  noteState(ref.requestId, doc.state);
  if (doc.state === 'pending' && doc.scriptRequestId) {
    const moved = await transition(ports, ref, START_VALIDATING);
    if (!moved.applied) return;
    doc = moved.doc;
  }
  if (doc.state === 'validating' || doc.state === 'pending') {
    doc = await validateAndPlan(ports, ref, doc);
    if (!doc) return;
  }
  // Also reached on redelivery after a crash between the transition and the enqueue; the task id dedupes.
  if (doc.state === 'queued' || doc.state === 'keyframe_queued') await ensureNextStep(ports, doc);
}

const FOLLOW_UP_FIELDS = ['followUpOf', 'followUp'] as const;

const START_VALIDATING: TransitionSpec = { from: ['pending'], to: 'validating', by: 'system', reason: 'validation started' };

/** `spec` from `validating`, or — for a request still `pending` — through `validating` in the same commit. */
function fromValidating(doc: VideoRequest, spec: TransitionSpec): TransitionSpec {
  return doc.state === 'pending' ? { ...START_VALIDATING, then: () => spec } : spec;
}

/**
 * Initialized documents have a transition log; a client-written `state` without one is not initialized
 * (rules forbid it in Firebase, the local API refuses it, and the core does not rely on either).
 */
function isInitialized(raw: DocData): boolean {
  return typeof raw.state === 'string' && typeof raw.transitionCount === 'number';
}

/** The server fields of a fresh client document and its transition 0 (nothing written yet). */
function initialRequest(ports: Ports, ref: RequestRef, raw: DocData): InitialRequest {
  const at = isoNow(ports);
  const parsed = VideoRequestClientFieldsSchema.safeParse({
    draftId: raw.draftId, options: raw.options, action: raw.action, scriptRequestId: raw.scriptRequestId,
  });
  // A follow-up request is created by the core (follow-ups/start.ts), with the two fields that say what it is.
  const followUp = raw.followUpOf === undefined && raw.followUp === undefined
    ? null
    : { of: IdSchema.safeParse(raw.followUpOf), spec: FollowUpSpecSchema.safeParse(raw.followUp) };
  const allowed: readonly string[] = followUp ? [...CLIENT_FIELDS, ...FOLLOW_UP_FIELDS] : CLIENT_FIELDS;
  const invalid = !parsed.success || Object.keys(raw).some((k) => !allowed.includes(k)) || (followUp !== null && (!followUp.of.success || !followUp.spec.success));
  const error = invalid
    ? errorInfo('INVALID_REQUEST', `The request is not valid: ${describeInvalid(raw, parsed.success ? undefined : parsed.error.issues)}`)
    : null;
  const state = error ? 'failed' : 'pending';
  const doc: VideoRequest = {
    ...(parsed.success ? parsed.data : { draftId: String(raw.draftId ?? ''), options: {} as VideoRequest['options'] }),
    ...(followUp?.of.success && followUp.spec.success ? { followUpOf: followUp.of.data, followUp: followUp.spec.data } : {}),
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
    stateSince: at,
    deadlineAt: ports.clock.now() + ports.config.requestDeadlineMs,
  };
  const entry: Transition = { n: 0, from: null, to: state, at, by: 'client', reason: 'request created' };
  if (error) entry.error = error;
  return { doc, entry };
}

/** Writes the initialized document as it is (invalid client fields, script videos); returns it as it stands. */
async function writeInitialRequest(ports: Ports, ref: RequestRef, fresh: InitialRequest): Promise<VideoRequest | null> {
  const written = await ports.store.runTransaction(async (tx) => {
    const raw = (await tx.get<DocData>(requestPath(ref)))?.data;
    if (!raw) return null;
    if (isInitialized(raw)) return { doc: raw as unknown as VideoRequest, byThisCall: false };
    tx.set(requestPath(ref), fresh.doc as unknown as DocData);
    tx.create(docPaths.transition(ref.uid, ref.requestId, 0), fresh.entry as unknown as DocData);
    return { doc: fresh.doc, byThisCall: true };
  });
  if (written?.byThisCall) {
    ports.log.info({ uid: ref.uid, requestId: ref.requestId, state: fresh.doc.state }, fresh.doc.error ? logs.requestInvalid : logs.requestInitialized);
    await publishRequestCreated(ports, fresh.doc);
    // Refused at its creation (no transition applied, so no hook ran): the owner is told like any failure.
    if (fresh.doc.state === 'failed') await notifyOutcome(ports, { ref, from: 'pending', to: 'failed', doc: fresh.doc });
  }
  return written?.doc ?? null;
}

function describeInvalid(raw: DocData, issues?: readonly { path: PropertyKey[]; message: string }[]): string {
  const extra = Object.keys(raw).filter((k) => !(CLIENT_FIELDS as readonly string[]).includes(k));
  if (extra.length) return `fields ${extra.join(', ')} are set by the server, not the client.`;
  return (issues ?? []).map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`).join('; ');
}

/**
 * The per-person quotas (quotas/admission.ts), after the draft is known to be usable and before anything reaches
 * Luma; refused → `failed` with the quota's code and when to try again. The shots of a script video are covered by
 * their script's admission (one request of the person's, however many shots).
 */
async function admitted(ports: Ports, ref: RequestRef, doc: VideoRequest, initialize?: InitialRequest, planned?: () => DocData): Promise<boolean> {
  if (doc.parentRequestId) return true;
  const admission = await admitRequest(ports, ref, doc.options?.model);
  if (admission.admitted) return true;
  const refused: TransitionSpec = { from: ['validating'], to: 'failed', by: 'system', reason: 'refused by a per-person quota', error: admission.error, ...(planned ? { patch: planned } : {}) };
  await transition(ports, ref, fromValidating(doc, refused), { initialize });
  return false;
}

/** Reads the draft, builds the plan and moves on to the first Luma stage (or to `failed` with a code). */
async function validateAndPlan(ports: Ports, ref: RequestRef, doc: VideoRequest, initialize?: InitialRequest): Promise<VideoRequest | null> {
  const log = ports.log.child({ uid: ref.uid, requestId: ref.requestId });
  // A follow-up (issue #13) is planned from its original, not from the draft (follow-ups/plan.ts).
  // It bills Luma like any request, so the per-person quotas admit it first.
  if (doc.followUpOf) {
    if (!(await admitted(ports, ref, doc, initialize))) return null;
    return planFollowUp(ports, ref, doc, { spec: (spec) => fromValidating(doc, spec), options: { initialize } });
  }
  try {
    const draftSnap = await ports.store.get(docPaths.draft(ref.uid, doc.draftId));
    if (!draftSnap) throw new PipelineError('DRAFT_NOT_FOUND', `Draft ${doc.draftId} does not exist.`);
    const parsedDraft = DraftSchema.safeParse({ ...draftSnap.data, id: doc.draftId, uid: ref.uid });
    if (!parsedDraft.success) {
      const why = parsedDraft.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
      throw new PipelineError('INVALID_REQUEST', `The draft cannot be read: ${why}`);
    }
    const draft = parsedDraft.data;
    // Content cache (issue #9): an identical earlier video of this person is reused — no Luma call at all.
    const contentKey = await contentKeyOf(ports, ref.uid, draft, doc);
    if (contentKey && !doc.options.fresh) {
      const hit = await reuseCachedVideo(ports, ref, draft, contentKey, { spec: (spec) => fromValidating(doc, spec), options: { initialize } });
      if (hit) return hit.doc;
    }
    const keyed = contentKey ? { contentKey } : {};
    const ctx: PlanContext = {
      signBlobUrl: (path) => ports.blobs.signedUrl(path, { expiresInSeconds: ports.config.signedUrlTtlSeconds }),
      imageHostAllowList: ports.config.imageHostAllowList,
      // Content type and size come from the blob store's metadata: checked before any credit is spent.
      inspectImage: async ({ path }) => {
        const info = await ports.blobs.stat(path);
        return info && { contentType: info.contentType, bytes: info.size };
      },
    };
    if (doc.scriptRequestId) {
      if (!(await admitted(ports, ref, doc, initialize))) return null;
      return await planShots(ports, ref, doc, draft, ctx, keyed);
    }
    const plan = await promptBuilder().buildLumaPlan(draft, doc.options, ctx);
    log.info({ stages: plan.keyframe ? 2 : 1, warnings: plan.warnings.length }, logs.planBuilt);
    const planned = (): DocData => ({
      ...keyed,
      draftSnapshot: draft,
      lumaRequest: plan.video as unknown as DocData,
      ...(plan.keyframe ? { keyframeRequest: plan.keyframe as unknown as DocData } : {}),
      warnings: plan.warnings,
      promptParts: plan.parts,
    });
    // A request refused by a quota keeps its plan, so that its retry (re-admitted then) starts from `queued`.
    if (!(await admitted(ports, ref, doc, initialize, planned))) return null;
    const moved = await transition(ports, ref, fromValidating(doc, {
      from: ['validating'],
      to: plan.keyframe ? 'keyframe_queued' : 'queued',
      by: 'system',
      reason: plan.keyframe ? 'draft has images: keyframe first' : 'draft is text only: straight to video',
      patch: planned,
    }), { initialize });
    return moved.applied ? moved.doc : await readRequest(ports, ref);
  } catch (e) {
    if (!(e instanceof PipelineError)) throw e;
    log.warn({ errorCode: e.code, reason: e.message }, logs.validationFailed);
    await transition(ports, ref, fromValidating(doc, { from: ['validating'], to: 'failed', by: 'system', reason: 'draft refused', error: e.toInfo() }), { initialize });
    return null;
  }
}
