import { DraftSchema, docPaths, type ErrorInfo } from '@d2v/schema';
import type { ScriptRequest } from '@d2v/prompt';
import { promptBuilder } from '../prompt-builder';
import { publishEvent } from '../analytics';
import { errorInfo, PipelineError } from '../errors';
import { logs } from '../logs';
import type { DocData, Ports } from '../ports';
import { isoNow, type RequestRef } from '../request-doc';

/**
 * "Create Script": a client created `users/{uid}/scriptRequests/{id}` with `draftId`, `duration` and maybe
 * `shots`. The script is built from the draft (no Luma call, nothing billed) and written back as `ready`, or the
 * request becomes `failed` with a code. Only a `pending`-less fresh document is answered, so duplicates are no-ops.
 */
export async function onScriptRequestCreated(ports: Ports, ref: RequestRef): Promise<void> {
  const path = docPaths.scriptRequest(ref.uid, ref.requestId);
  const snap = await ports.store.get<DocData>(path);
  if (!snap || typeof snap.data.state === 'string') return;

  let answer: Pick<ScriptRequest, 'state' | 'script' | 'error'>;
  const parsed = promptBuilder().ScriptRequestClientFieldsSchema.safeParse(snap.data);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`).join('; ');
    answer = { state: 'failed', error: errorInfo('INVALID_REQUEST', `The script request is not valid: ${why}`) };
  } else {
    answer = await scriptFor(ports, ref, parsed.data);
  }

  const written = await ports.store.runTransaction(async (tx) => {
    const current = await tx.get<DocData>(path);
    if (!current || typeof current.data.state === 'string') return false;
    const at = isoNow(ports);
    tx.set(path, { ...current.data, ...answer, uid: ref.uid, requestId: ref.requestId, createdAt: at, updatedAt: at } as DocData);
    return true;
  });
  if (!written) return;
  ports.log.info({ ...ref, state: answer.state, errorCode: answer.error?.code }, logs.scriptAnswered);
  await publishEvent(ports, { type: 'action', uid: ref.uid, requestId: ref.requestId, action: 'create_script', ok: !answer.error, errorCode: answer.error?.code });
}

async function scriptFor(
  ports: Ports,
  ref: RequestRef,
  fields: { draftId: string; duration: ScriptRequest['duration']; shots?: number },
): Promise<Pick<ScriptRequest, 'state' | 'script' | 'error'>> {
  try {
    const draftSnap = await ports.store.get(docPaths.draft(ref.uid, fields.draftId));
    if (!draftSnap) throw new PipelineError('DRAFT_NOT_FOUND', `Draft ${fields.draftId} does not exist.`);
    const draft = DraftSchema.safeParse({ ...draftSnap.data, id: fields.draftId, uid: ref.uid });
    if (!draft.success) throw new PipelineError('INVALID_REQUEST', 'The draft cannot be read.');
    const script = promptBuilder().buildScript(draft.data, {
      duration: fields.duration,
      shots: fields.shots,
      imageHostAllowList: ports.config.imageHostAllowList,
    });
    return { state: 'ready', script, error: null };
  } catch (e) {
    if (!(e instanceof PipelineError)) throw e;
    const error: ErrorInfo = e.toInfo();
    return { state: 'failed', error };
  }
}
