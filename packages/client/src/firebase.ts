/**
 * The Firebase transport: the same D2vClient on the Firebase JS SDK (v12) — Auth for the uid, Firestore for
 * requests (onSnapshot of the document and its transitions; `action` written exactly as firestore.rules allow),
 * Storage for reference-image uploads and owner posters, a callable function for playback of the encrypted videos.
 *
 * Kept thin on purpose: every payload comes from firebase-writes.ts (checked against the rules' field lists in
 * tests). It cannot run end to end here — the Firestore and Storage emulators need Java 21 — so its tests mock
 * the SDK at its boundary and say so.
 */
import type { FirebaseApp } from 'firebase/app';
import { getAuth } from 'firebase/auth';
import {
  collection,
  doc,
  getDoc,
  getDocs,
  getFirestore,
  limit,
  onSnapshot,
  orderBy,
  query,
  setDoc,
  startAfter,
  updateDoc,
  where,
  type QueryConstraint,
} from 'firebase/firestore';
import { getFunctions, httpsCallable } from 'firebase/functions';
import { getDownloadURL, getStorage, ref, uploadBytesResumable } from 'firebase/storage';
import { docPaths, type Draft, type Transition, type VideoRequestClientInput } from '@d2v/schema';
import { D2vError, fromFirebaseError } from './errors';
import { actionWrite, newRequestWrite, scriptRequestWrite, uploadTarget } from './firebase-writes';
import type {
  ActionInput,
  D2vClient,
  FeedPost,
  MediaFile,
  MediaSource,
  Page,
  PageOptions,
  ProfileGridVideo,
  RequestDoc,
  RequestWatcher,
  ScriptRequest,
  ScriptRequestInput,
  UploadedImage,
} from './types';

export interface FirebaseClientOptions {
  /** An initialized app; signing in (getAuth(app)) is the app's business, this client reads the current user. */
  app: FirebaseApp;
  /** Region of the playback function (default us-central1). */
  functionsRegion?: string;
  /** Name of the callable that answers `{requestId | postId, file}` with a short-lived URL (issue 8). */
  playbackFunction?: string;
}

/** The callable's contract: owner playback by requestId, audience playback by postId. */
export interface PlaybackCall {
  requestId?: string;
  postId?: string;
  file: MediaFile;
  download?: boolean;
}
export interface PlaybackAnswer {
  url: string;
  contentType?: string;
  expiresAt?: string;
}

export interface FirebaseD2vClient extends D2vClient {
  /** Uploads a reference/character image to `users/{uid}/uploads/{name}`; `onProgress` gets 0–1. */
  uploadImage(data: Blob, name: string, onProgress?: (fraction: number) => void): Promise<UploadedImage>;
}

const DEFAULT_PAGE = 24;
const FEED_CURSOR_FIELD = 'createdAt';

export function createFirebaseClient(options: FirebaseClientOptions): FirebaseD2vClient {
  const auth = getAuth(options.app);
  const db = getFirestore(options.app);
  const storage = getStorage(options.app);
  const functions = getFunctions(options.app, options.functionsRegion);
  const playback = httpsCallable<PlaybackCall, PlaybackAnswer>(functions, options.playbackFunction ?? 'playback');

  function me(): string {
    const uid = auth.currentUser?.uid;
    if (!uid) throw new D2vError('UNAUTHENTICATED');
    return uid;
  }
  /** Every SDK call's rejection becomes a D2vError. */
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw fromFirebaseError(e);
    }
  }
  const newId = () => doc(collection(db, '_')).id;

  async function played(call: PlaybackCall): Promise<MediaSource> {
    const answer = (await playback(call)).data;
    return { url: answer.url, contentType: answer.contentType ?? (call.file === 'video' ? 'video/mp4' : 'image/jpeg'), revoke: () => undefined };
  }

  function page<T>(snaps: { docs: { data(): unknown }[] }, size: number): Page<T> {
    const items = snaps.docs.map((d) => d.data() as T);
    const last = items[items.length - 1] as Record<string, unknown> | undefined;
    return { items, nextCursor: items.length === size && last ? String(last[FEED_CURSOR_FIELD]) : null };
  }
  function pageConstraints(opts: PageOptions): QueryConstraint[] {
    const size = opts.limit ?? DEFAULT_PAGE;
    return [orderBy(FEED_CURSOR_FIELD, 'desc'), ...(opts.cursor ? [startAfter(opts.cursor)] : []), limit(size)];
  }

  const client: FirebaseD2vClient = {
    transport: 'firebase',
    get uid() {
      return me();
    },

    listDrafts: () => guarded(async () => (await getDocs(collection(db, docPaths.drafts(me())))).docs.map((d) => ({ ...(d.data() as Draft), id: d.id }))),
    getDraft: (draftId) =>
      guarded(async () => {
        const snap = await getDoc(doc(db, docPaths.draft(me(), draftId)));
        if (!snap.exists()) throw new D2vError('DRAFT_NOT_FOUND', `Draft ${draftId} does not exist.`);
        return { ...(snap.data() as Draft), id: snap.id };
      }),

    listRequests: () =>
      guarded(async () => {
        const snaps = await getDocs(query(collection(db, docPaths.videoRequests(me())), orderBy('createdAt', 'desc'), limit(100)));
        // Shots of a multi-shot video are the pipeline's work items (README: clients skip parentRequestId).
        return snaps.docs.map((d) => d.data() as RequestDoc).filter((r) => !r.parentRequestId);
      }),
    createRequest: (input: VideoRequestClientInput) =>
      guarded(async () => {
        const write = newRequestWrite(input);
        const requestId = newId();
        await setDoc(doc(db, docPaths.videoRequest(me(), requestId)), write);
        return { requestId };
      }),
    getRequest: (requestId) =>
      guarded(async () => {
        const snap = await getDoc(doc(db, docPaths.videoRequest(me(), requestId)));
        if (!snap.exists()) throw new D2vError('NOT_FOUND', `Request ${requestId} does not exist.`);
        return snap.data() as RequestDoc;
      }),
    listTransitions: (requestId) =>
      guarded(async () => (await getDocs(query(collection(db, docPaths.transitions(me(), requestId)), orderBy('n', 'asc')))).docs.map((d) => d.data() as Transition)),
    watchRequest(requestId: string, watcher: RequestWatcher) {
      const uid = me();
      const fail = (e: unknown) => watcher.onError?.(fromFirebaseError(e));
      const stops = [
        onSnapshot(doc(db, docPaths.videoRequest(uid, requestId)), (snap) => {
          if (snap.exists()) watcher.onRequest(snap.data() as RequestDoc);
          else watcher.onError?.(new D2vError('NOT_FOUND', `Request ${requestId} does not exist.`));
        }, fail),
      ];
      if (watcher.onTransitions) {
        const onTransitions = watcher.onTransitions;
        stops.push(onSnapshot(query(collection(db, docPaths.transitions(uid, requestId)), orderBy('n', 'asc')), (snaps) => onTransitions(snaps.docs.map((d) => d.data() as Transition)), fail));
      }
      return () => stops.forEach((stop) => stop());
    },

    requestAction: (requestId: string, action: ActionInput) =>
      guarded(async () => {
        const actionId = action.id ?? newId();
        await updateDoc(doc(db, docPaths.videoRequest(me(), requestId)), actionWrite(action, actionId, new Date().toISOString()));
        return { actionId };
      }),
    cancel: (requestId) => client.requestAction(requestId, { type: 'cancel' }),

    openMedia: (requestId, file) =>
      guarded(async () => {
        if (file === 'poster') {
          const request = await client.getRequest(requestId);
          if (!request.outputs) throw new D2vError('NOT_READY', `The video is ${request.state}, not ready yet.`);
          return { url: await getDownloadURL(ref(storage, request.outputs.posterPath)), contentType: 'image/jpeg', revoke: () => undefined };
        }
        return played({ requestId, file });
      }),
    download: (requestId) =>
      guarded(async () => {
        const { url } = (await playback({ requestId, file: 'video', download: true })).data;
        const res = await fetch(url);
        if (!res.ok) throw new D2vError(res.status === 404 ? 'NOT_FOUND' : 'NETWORK');
        return res.blob();
      }),
    openPostMedia: (postId, file) => guarded(() => played({ postId, file })),

    feed: (opts = {}) =>
      guarded(async () => {
        // The rules let anyone signed in read public posts; a query must say so to be allowed.
        const snaps = await getDocs(query(collection(db, 'posts'), where('visibility', '==', 'public'), ...pageConstraints(opts)));
        return page<FeedPost>(snaps, opts.limit ?? DEFAULT_PAGE);
      }),
    profileVideos: (uid, opts = {}) =>
      guarded(async () => {
        const mine = uid === me();
        const filters = mine ? [] : [where('visibility', '==', 'public')];
        const snaps = await getDocs(query(collection(db, docPaths.profileVideos(uid)), ...filters, ...pageConstraints(opts)));
        return page<ProfileGridVideo>(snaps, opts.limit ?? DEFAULT_PAGE);
      }),

    createScript: (input: ScriptRequestInput) =>
      guarded(async () => {
        const write = scriptRequestWrite(input);
        const requestId = newId();
        await setDoc(doc(db, docPaths.scriptRequest(me(), requestId)), write);
        return { requestId };
      }),
    getScript: (requestId) =>
      guarded(async () => {
        const snap = await getDoc(doc(db, docPaths.scriptRequest(me(), requestId)));
        if (!snap.exists()) throw new D2vError('NOT_FOUND', `Script request ${requestId} does not exist.`);
        return snap.data() as ScriptRequest;
      }),

    stats: async () => {
      throw new D2vError('UNSUPPORTED', 'Stats live in Firestore stats/{day}, which only operators read (admin credentials); use the ops console of the local stack or the Cloud console.');
    },

    uploadImage: (data, name, onProgress) =>
      guarded(async () => {
        const target = uploadTarget(me(), name, data.type, data.size);
        const task = uploadBytesResumable(ref(storage, target.path), data, target.metadata);
        task.on('state_changed', (s) => onProgress?.(s.totalBytes ? s.bytesTransferred / s.totalBytes : 0));
        const done = await task;
        return { path: target.path, bytes: done.metadata.size, contentType: target.metadata.contentType };
      }),
  };
  return client;
}
