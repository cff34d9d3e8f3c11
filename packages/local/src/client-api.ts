import { randomUUID } from 'node:crypto';
import {
  ActionRequestSchema,
  VideoRequestClientFieldsSchema,
  docPaths,
  type Device,
  type FollowUpType,
  type Notification,
  type Transition,
  type VideoRequest,
  type VideoRequestClientInput,
} from '@d2v/schema';
import { AlreadyExistsError, isValidDeviceToken, listNotifications, markNotificationsRead, readTransitionLog, registerDevice, type DocData, type DocumentStore } from '@d2v/core';
import * as z from 'zod';
import { ScriptRequestClientFieldsSchema, checkScript, describeIssues } from '@d2v/prompt';

/** A refusal with a code and a sentence, answered as `{error:{code,message}}` with `status`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a client of the pipeline can do, exactly as it would against Firestore: create a request document
 * with client fields only, write an action, read its request and transitions. The HTTP server and the CLI
 * both go through here; the pipeline reacts to the resulting document events, not to these calls.
 */
export class ClientApi {
  constructor(private readonly store: DocumentStore) {}

  async createRequest(uid: string, input: unknown, requestId: string = randomUUID()): Promise<{ requestId: string }> {
    const parsed = VideoRequestClientFieldsSchema.safeParse(input);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');
      throw new ApiError(400, 'INVALID_REQUEST', `The request is not valid: ${why}`);
    }
    const draft = await this.store.get(docPaths.draft(uid, parsed.data.draftId));
    if (!draft) throw new ApiError(404, 'DRAFT_NOT_FOUND', `Draft ${parsed.data.draftId} does not exist.`);
    try {
      await this.store.runTransaction(async (tx) => {
        tx.create(docPaths.videoRequest(uid, requestId), stripUndefined(parsed.data) as DocData);
      });
    } catch (e) {
      if (e instanceof AlreadyExistsError) throw new ApiError(409, 'ALREADY_EXISTS', `Request ${requestId} already exists.`);
      throw e;
    }
    return { requestId };
  }

  /** "Create Script": the pipeline answers by filling `state` and `script` (or `error`) on the document. */
  async createScriptRequest(uid: string, input: unknown, requestId: string = randomUUID()): Promise<{ requestId: string }> {
    const parsed = ScriptRequestClientFieldsSchema.safeParse(input);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');
      throw new ApiError(400, 'INVALID_REQUEST', `The script request is not valid: ${why}`);
    }
    if (!(await this.store.get(docPaths.draft(uid, parsed.data.draftId)))) {
      throw new ApiError(404, 'DRAFT_NOT_FOUND', `Draft ${parsed.data.draftId} does not exist.`);
    }
    await this.store.runTransaction(async (tx) => tx.create(docPaths.scriptRequest(uid, requestId), stripUndefined(parsed.data) as DocData));
    return { requestId };
  }

  async getScriptRequest(uid: string, requestId: string): Promise<DocData> {
    const snap = await this.store.get(docPaths.scriptRequest(uid, requestId));
    if (!snap) throw new ApiError(404, 'NOT_FOUND', `Script request ${requestId} does not exist.`);
    return snap.data;
  }

  /**
   * The owner's edit of a ready script (`PUT /v1/scripts/{id}` with `{script}`), what the app writes on Firebase:
   * an update of `script` alone, which firestore.rules allow on the owner's ready script request. Checked with
   * the script's own parser (the one a video from the script is planned with); it keeps its owner and draft.
   */
  async updateScript(uid: string, requestId: string, input: unknown): Promise<DocData> {
    const body = ScriptUpdateSchema.safeParse(input);
    if (!body.success) throw new ApiError(400, 'INVALID_REQUEST', 'The body is not valid: send {"script": {...}} and nothing else.');
    const checked = checkScript(body.data.script);
    if (!checked.ok) throw new ApiError(400, 'INVALID_REQUEST', `The script is not valid: ${describeIssues(checked.issues)}`);
    const script = checked.script;
    const path = docPaths.scriptRequest(uid, requestId);
    return this.store.runTransaction(async (tx) => {
      const snap = await tx.get(path);
      if (!snap) throw new ApiError(404, 'NOT_FOUND', `Script request ${requestId} does not exist.`);
      const state = typeof snap.data.state === 'string' ? snap.data.state : 'pending';
      if (state !== 'ready') throw new ApiError(409, 'NOT_READY', `Script request ${requestId} is ${state}: only a ready script can be edited.`);
      if (script.uid !== uid || script.draftId !== snap.data.draftId) {
        throw new ApiError(400, 'INVALID_REQUEST', `The script is not valid: a script keeps its owner and its draft (uid ${uid}, draftId ${String(snap.data.draftId)}).`);
      }
      const update = { script: stripUndefined(script) as unknown as DocData };
      tx.update(path, update);
      return { ...snap.data, ...update };
    });
  }

  async requestAction(uid: string, requestId: string, input: unknown): Promise<{ actionId: string }> {
    const body = { id: randomUUID(), ...(typeof input === 'object' && input ? input : {}) };
    const parsed = ActionRequestSchema.safeParse(body);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');
      throw new ApiError(400, 'INVALID_ACTION', `The action is not valid: ${why}`);
    }
    const path = docPaths.videoRequest(uid, requestId);
    const ok = await this.store.runTransaction(async (tx) => {
      if (!(await tx.get(path))) return false;
      tx.update(path, { action: stripUndefined(parsed.data) as DocData });
      return true;
    });
    if (!ok) throw new ApiError(404, 'NOT_FOUND', `Request ${requestId} does not exist.`);
    return { actionId: parsed.data.id };
  }

  async getRequest(uid: string, requestId: string): Promise<VideoRequest> {
    const snap = await this.store.get<VideoRequest>(docPaths.videoRequest(uid, requestId));
    if (!snap) throw new ApiError(404, 'NOT_FOUND', `Request ${requestId} does not exist.`);
    return snap.data;
  }

  /**
   * The versions of a video (issue #13): the original first, then each follow-up as it stands now (state,
   * outputs, error), in the order they were asked for; `inPost` marks the one the post shows.
   */
  async listVersions(uid: string, requestId: string): Promise<{ requestId: string; versions: VersionView[] }> {
    const original = await this.getRequest(uid, requestId);
    const shown = original.state === 'posted' ? (original.postVersionRequestId ?? original.requestId) : null;
    const view = (doc: VideoRequest, type: VersionView['type']): VersionView => ({
      requestId: doc.requestId, type, state: doc.state, outputs: doc.outputs ?? null, error: doc.error ?? null, inPost: shown === doc.requestId, createdAt: doc.createdAt,
    });
    const versions: VersionView[] = [view(original, 'original')];
    for (const entry of original.versions ?? []) {
      const doc = (await this.store.get<VideoRequest>(docPaths.videoRequest(uid, entry.requestId)))?.data;
      versions.push(doc ? view(doc, entry.type) : { requestId: entry.requestId, type: entry.type, state: 'pending', outputs: null, error: null, inPost: false, createdAt: entry.createdAt });
    }
    return { requestId, versions };
  }

  /** The owner's notifications, newest first, and how many are unread (issue #13). */
  listNotifications(uid: string): Promise<{ notifications: Notification[]; unread: number }> {
    return listNotifications(this.store, uid);
  }

  /** Body `{ids?: string[]}`: those notifications (or all) marked read. */
  async markNotificationsRead(uid: string, input: unknown): Promise<{ marked: number }> {
    const body = ReadBodySchema.safeParse(input ?? {});
    if (!body.success) throw new ApiError(400, 'INVALID_REQUEST', 'The body is not valid: send {} or {"ids": ["<notification id>", …]} (at most 100).');
    return { marked: await markNotificationsRead(this.store, uid, body.data.ids) };
  }

  /** Body `{token, platform?}`: an FCM registration token of one of the owner's devices. */
  async registerDevice(uid: string, input: unknown): Promise<Device> {
    const body = DeviceBodySchema.safeParse(input);
    if (!body.success || !isValidDeviceToken(body.data.token)) {
      throw new ApiError(400, 'INVALID_REQUEST', 'The body is not valid: send {"token": "<FCM registration token>", "platform"?: "ios" | "android" | "web"}.');
    }
    return registerDevice(this.store, uid, body.data.token, body.data.platform, new Date().toISOString());
  }

  async listTransitions(uid: string, requestId: string): Promise<Transition[]> {
    // Like the other reads: someone else's (or a missing) request is "not found", not an empty log.
    await this.getRequest(uid, requestId);
    return readTransitionLog(this.store, { uid, requestId });
  }

  async listRequests(uid: string): Promise<VideoRequest[]> {
    const snaps = await this.store.query<VideoRequest>({
      collection: docPaths.videoRequests(uid),
      orderBy: { field: 'createdAt', direction: 'desc' },
      limit: 100,
    });
    // Shots of a multi-shot video are the pipeline's own work items, not videos of their own.
    return snaps.map((s) => s.data).filter((r) => !r.parentRequestId);
  }

  async listDrafts(uid: string): Promise<DocData[]> {
    return (await this.store.query({ collection: docPaths.drafts(uid) })).map((s) => s.data);
  }
}

/** One entry of `GET /v1/requests/:id/versions`. */
export interface VersionView {
  requestId: string;
  type: 'original' | FollowUpType;
  state: VideoRequest['state'];
  outputs: VideoRequest['outputs'] | null;
  error: VideoRequest['error'] | null;
  /** The video the post shows (only on a posted original's versions). */
  inPost: boolean;
  createdAt: string;
}

const ReadBodySchema = z.object({ ids: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,200}$/)).max(100).optional() }).strict();
const DeviceBodySchema = z.object({ token: z.string(), platform: z.enum(['ios', 'android', 'web']).optional() }).strict();

/** The one field an edit may carry (firestore.rules: `affectedKeys().hasOnly(['script'])`). */
const ScriptUpdateSchema = z.object({ script: z.unknown() }).strict();

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export type { VideoRequestClientInput };
