/**
 * Exactly what the Firebase transport writes, as pure functions, so each payload can be checked against the
 * field lists and enums of firestore.rules / storage.rules without a Firestore emulator. A payload the rules
 * would refuse is refused here first, with a catalog code and a sentence (the rules only say "permission denied").
 */
import {
  CLIENT_FIELDS,
  IdSchema,
  VISIBILITIES,
  VideoRequestClientFieldsSchema,
  ACTION_TYPES,
  ActionRequestSchema,
  type VideoRequestClientInput,
} from '@d2v/schema';
import { D2vError } from './errors';
import type { ActionInput, ClientActionType, Script, ScriptRequestInput } from './types';

/** The keys a client may write, per document (firestore.rules `hasOnly` lists). */
export const CLIENT_WRITABLE = {
  newVideoRequest: CLIENT_FIELDS,
  videoRequestUpdate: ['action'] as const,
  action: ['id', 'type', 'visibility', 'caption', 'requestedAt', 'resolution', 'aspectRatio', 'duration', 'prompt', 'mode', 'versionRequestId'] as const,
  device: ['token', 'platform', 'registeredAt'] as const,
  notificationUpdate: ['read'] as const,
  newScriptRequest: ['draftId', 'duration', 'shots'] as const,
  scriptRequestUpdate: ['script'] as const,
};

/** storage.rules: the owner's uploads, images only, at most 10 MB. */
export const UPLOAD_LIMITS = {
  maxBytes: 10 * 1024 * 1024,
  contentTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/heic'] as const,
};

const MAX_CAPTION = 2200;

function invalid(code: string, why: string): D2vError {
  return new D2vError(code, why);
}

function checkId(value: unknown, what: string, code = 'INVALID_REQUEST'): string {
  const parsed = IdSchema.safeParse(value);
  if (!parsed.success) throw invalid(code, `${what} must be 1–128 letters, digits, "_" or "-".`);
  return parsed.data;
}

/** A new `users/{uid}/videoRequests/{id}`: client fields only, options filled with their defaults. */
export function newRequestWrite(input: VideoRequestClientInput): Record<string, unknown> {
  const parsed = VideoRequestClientFieldsSchema.safeParse(input);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');
    throw invalid('INVALID_REQUEST', `The request is not valid: ${why}`);
  }
  // JSON round trip: Firestore refuses `undefined` values.
  return JSON.parse(JSON.stringify(parsed.data)) as Record<string, unknown>;
}

const ACTIONS: readonly ClientActionType[] = ACTION_TYPES;

/** The update an owner may make afterwards: `{action}` and nothing else. */
export function actionWrite(input: ActionInput, id: string, requestedAt: string): { action: Record<string, unknown> } {
  if (!ACTIONS.includes(input.type)) throw invalid('INVALID_ACTION', `The action is not valid: type must be one of ${ACTIONS.join(', ')}.`);
  const action: Record<string, unknown> = { id: checkId(id, 'The action id', 'INVALID_ACTION'), type: input.type, requestedAt };
  if (input.visibility !== undefined) {
    if (!VISIBILITIES.includes(input.visibility)) throw invalid('INVALID_ACTION', `The action is not valid: visibility must be one of ${VISIBILITIES.join(', ')}.`);
    action.visibility = input.visibility;
  }
  if (input.caption !== undefined) {
    if (typeof input.caption !== 'string' || input.caption.length > MAX_CAPTION) throw invalid('INVALID_ACTION', `The action is not valid: a caption is text of at most ${MAX_CAPTION} characters.`);
    action.caption = input.caption;
  }
  // Follow-ups and useVersion (issue #13): checked with the schema the pipeline reads them with.
  for (const key of FOLLOW_UP_KEYS) if (input[key] !== undefined) action[key] = input[key];
  const parsed = ActionRequestSchema.safeParse(action);
  if (!parsed.success) {
    throw invalid('INVALID_ACTION', `The action is not valid: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'action'}: ${i.message}`).join('; ')}`);
  }
  return { action };
}

const FOLLOW_UP_KEYS = ['resolution', 'aspectRatio', 'duration', 'prompt', 'mode', 'versionRequestId'] as const;

/** `users/{uid}/devices/{token}`: a device's FCM registration token (firestore.rules `match /devices/{token}`). */
export function deviceWrite(token: string, platform: 'ios' | 'android' | 'web' | undefined, registeredAt: string): Record<string, unknown> {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_:.-]{16,4096}$/.test(token)) throw invalid('INVALID_REQUEST', 'A device token is an FCM registration token (16 or more letters, digits, ":", "_", "-" or ".").');
  return { token, registeredAt, ...(platform ? { platform } : {}) };
}

/** A new `users/{uid}/scriptRequests/{id}` ("Create Script"). */
export function scriptRequestWrite(input: ScriptRequestInput): Record<string, unknown> {
  const write: Record<string, unknown> = { draftId: checkId(input.draftId, 'draftId') };
  if (input.duration !== undefined) {
    const d = input.duration;
    const ok = d === '5s' || d === '9s' || (typeof d === 'number' && Number.isFinite(d) && d >= 1 && d <= 60);
    if (!ok) throw invalid('INVALID_REQUEST', 'The script request is not valid: duration is "5s", "9s" or 1–60 seconds.');
    write.duration = d;
  }
  if (input.shots !== undefined) {
    if (!Number.isInteger(input.shots) || input.shots < 1 || input.shots > 12) throw invalid('INVALID_REQUEST', 'The script request is not valid: shots is a whole number from 1 to 12.');
    write.shots = input.shots;
  }
  return write;
}

/**
 * The owner's edit of a ready script: `{script}` and nothing else (firestore.rules `validScriptEdit`). The rules
 * check its shape; its contents are parsed again by the pipeline before a video is made from it.
 */
export function scriptEditWrite(uid: string, script: Script): { script: Record<string, unknown> } {
  if (!script || typeof script !== 'object' || script.version !== 1 || script.uid !== uid) {
    throw invalid('INVALID_REQUEST', 'The script is not valid: it must be a version 1 script of the signed-in user.');
  }
  if (!Array.isArray(script.scenes) || script.scenes.length < 1 || script.scenes.length > 12) {
    throw invalid('INVALID_REQUEST', 'The script is not valid: it has 1 to 12 scenes.');
  }
  return { script: JSON.parse(JSON.stringify(script)) as Record<string, unknown> };
}

/** Where a reference/character image goes: `users/{uid}/uploads/{name}`, checked like storage.rules does. */
export function uploadTarget(uid: string, name: string, contentType: string, bytes: number): { path: string; metadata: { contentType: string } } {
  checkId(uid, 'The uid');
  if (!/^[A-Za-z0-9_-]{1,100}(\.[A-Za-z0-9]{1,8})?$/.test(name)) {
    throw invalid('IMAGE_INVALID', 'An image name is letters, digits, "_" or "-", with an optional extension.');
  }
  if (!(UPLOAD_LIMITS.contentTypes as readonly string[]).includes(contentType)) {
    throw invalid('IMAGE_INVALID', `Only ${UPLOAD_LIMITS.contentTypes.join(', ')} images can be uploaded.`);
  }
  if (bytes > UPLOAD_LIMITS.maxBytes) throw invalid('IMAGE_TOO_LARGE', 'An image may be at most 10 MB.');
  return { path: `users/${uid}/uploads/${name}`, metadata: { contentType } };
}
