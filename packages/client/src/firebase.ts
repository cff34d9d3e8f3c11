/**
 * The Firebase transport: the same D2vClient on the Firebase JS SDK (v12) — Auth for the uid and its ID token,
 * Firestore for requests (onSnapshot of the document and its transitions; `action` and script edits written
 * exactly as firestore.rules allow) and for the feed and grid (the README's queries, firebase-listing.ts),
 * Storage for reference-image uploads, and the `videoPlayback` HTTP function for every video and poster:
 * `GET …/v1/…/video|poster/link` with `Authorization: Bearer <ID token>` → a signed URL a `<video>`/`<img>`
 * loads by itself, with HTTP ranges.
 *
 * Kept thin on purpose: every payload comes from firebase-writes.ts (checked against the rules' field lists in
 * tests). Firestore cannot run end to end here — its emulator needs Java 21 — so its tests mock the SDK at its
 * boundary and say so; the playback calls run over real HTTP against the playback surface videoPlayback serves.
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
  updateDoc,
  where,
} from 'firebase/firestore';
import { getStorage, ref, uploadBytesResumable } from 'firebase/storage';
import { chargesSince, creditSpanStart, docPaths, sumCreditDays, type Draft, type VideoRequest, type Notification, type TransitionLogDoc, transitionsOfLog, type VideoRequestClientInput } from '@d2v/schema';
import { D2vError, fromFirebaseError } from './errors';
import { actionWrite, deviceWrite, newRequestWrite, scriptEditWrite, scriptRequestWrite, uploadTarget } from './firebase-writes';
import { createFirestoreListing } from './firebase-listing';
import { fetchOk, mediaFromLink, readJson } from './http';
import { routes } from './routes';
import type {
  ActionInput,
  D2vClient,
  FollowUpInput,
  VersionView,
  MediaFile,
  MediaSource,
  RequestDoc,
  RequestWatcher,
  ScriptRequest,
  ScriptRequestInput,
  UploadedImage,
} from './types';

export interface FirebaseClientOptions {
  /** An initialized app; signing in (getAuth(app)) is the app's business, this client reads the current user. */
  app: FirebaseApp;
  /** Region of the functions (default us-central1), for the default `playbackUrl`. */
  functionsRegion?: string;
  /**
   * Base URL of the `videoPlayback` function (default `https://{region}-{projectId}.cloudfunctions.net/videoPlayback`;
   * the emulator's is `http://127.0.0.1:5001/{projectId}/{region}/videoPlayback`).
   */
  playbackUrl?: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export const PLAYBACK_FUNCTION = 'videoPlayback';

export interface FirebaseD2vClient extends D2vClient {
  /** Uploads a reference/character image to `users/{uid}/uploads/{name}`; `onProgress` gets 0–1. */
  uploadImage(data: Blob, name: string, onProgress?: (fraction: number) => void): Promise<UploadedImage>;
}

export function createFirebaseClient(options: FirebaseClientOptions): FirebaseD2vClient {
  const auth = getAuth(options.app);
  const db = getFirestore(options.app);
  const storage = getStorage(options.app);
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const playbackBase = (options.playbackUrl ?? `https://${options.functionsRegion ?? 'us-central1'}-${options.app.options.projectId}.cloudfunctions.net/${PLAYBACK_FUNCTION}`).replace(/\/+$/, '');

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

  /** `videoPlayback` with the signed-in user's ID token: a signed link to one playback route. */
  async function link(path: string, file: MediaFile, download = false): Promise<MediaSource> {
    const user = auth.currentUser;
    if (!user) throw new D2vError('UNAUTHENTICATED');
    const token = await user.getIdToken();
    const res = await fetchOk(fetchImpl, `${playbackBase}${path}/link${download ? '?download=1' : ''}`, { headers: { authorization: `Bearer ${token}` } });
    return mediaFromLink(await readJson(res), file);
  }
  const listing = createFirestoreListing(db, me);

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
      guarded(async () => transitionsOfLog((await getDocs(query(collection(db, docPaths.transitions(me(), requestId)), orderBy('n', 'asc')))).docs.map((d) => d.data() as TransitionLogDoc))),
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
        stops.push(onSnapshot(query(collection(db, docPaths.transitions(uid, requestId)), orderBy('n', 'asc')), (snaps) => onTransitions(transitionsOfLog(snaps.docs.map((d) => d.data() as TransitionLogDoc))), fail));
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
    followUp: (requestId: string, input: FollowUpInput) => client.requestAction(requestId, input),
    useVersion: (requestId: string, versionRequestId: string) => client.requestAction(requestId, { type: 'useVersion', versionRequestId }),
    // The same view the local API answers (GET /v1/requests/:id/versions), from the owner's own documents.
    listVersions: (requestId: string) =>
      guarded(async () => {
        const original = await client.getRequest(requestId);
        const shown = original.state === 'posted' ? (original.postVersionRequestId ?? original.requestId) : null;
        const view = (d: RequestDoc, type: VersionView['type']): VersionView => ({ requestId: d.requestId, type, state: d.state, outputs: d.outputs ?? null, error: d.error ?? null, inPost: shown === d.requestId, createdAt: d.createdAt });
        const versions: VersionView[] = [view(original, 'original')];
        for (const entry of original.versions ?? []) {
          const snap = await getDoc(doc(db, docPaths.videoRequest(me(), entry.requestId)));
          versions.push(snap.exists() ? view(snap.data() as RequestDoc, entry.type) : { requestId: entry.requestId, type: entry.type, state: 'pending', outputs: null, error: null, inPost: false, createdAt: entry.createdAt });
        }
        return versions;
      }),
    listNotifications: () =>
      guarded(async () => {
        const snaps = await getDocs(query(collection(db, docPaths.notifications(me())), orderBy('createdAt', 'desc'), limit(50)));
        const notifications = snaps.docs.map((d) => d.data() as Notification);
        return { notifications, unread: notifications.filter((n) => !n.read).length };
      }),
    markNotificationsRead: (ids?: string[]) =>
      guarded(async () => {
        const targets = ids ?? (await client.listNotifications()).notifications.filter((n) => !n.read).map((n) => n.id);
        // firestore.rules: the owner may change `read` alone, and only to true.
        for (const id of targets) await updateDoc(doc(db, docPaths.notification(me(), id)), { read: true });
      }),
    registerDevice: (token: string, platform?: 'ios' | 'android' | 'web') =>
      guarded(async () => {
        await setDoc(doc(db, docPaths.device(me(), token)), deviceWrite(token, platform, new Date().toISOString()));
      }),

    openMedia: (requestId, file) => guarded(() => link(file === 'video' ? routes.video(requestId) : routes.poster(requestId), file)),
    download: (requestId) =>
      guarded(async () => {
        const { url } = await link(routes.video(requestId), 'video', true);
        return (await fetchOk(fetchImpl, url)).blob();
      }),
    openPostMedia: (postId, file) => guarded(() => link(file === 'video' ? routes.postVideo(postId) : routes.postPoster(postId), file)),

    feed: (opts = {}) => guarded(() => listing.feed(opts)),
    profileVideos: (uid, opts = {}) => guarded(() => listing.profileVideos(uid, opts)),

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

    updateScript: (requestId, script) =>
      guarded(async () => {
        await updateDoc(doc(db, docPaths.scriptRequest(me(), requestId)), scriptEditWrite(me(), script));
        return client.getScript(requestId);
      }),

    stats: async () => {
      throw new D2vError('UNSUPPORTED', 'Stats live in Firestore stats/{day}, which only operators read (admin credentials); use the ops console of the local stack or the Cloud console.');
    },

    // The ledger entries on the person's own requests (firestore.rules: owner read), summed like the local API sums them.
    credits: (options = {}) =>
      guarded(async () => {
        const since = creditSpanStart(Date.now(), Math.min(90, options.days ?? 30));
        const snaps = await getDocs(query(collection(db, docPaths.videoRequests(me())), where('lastChargedDay', '>=', since)));
        return sumCreditDays(me(), chargesSince(snaps.docs.map((d) => d.data() as Pick<VideoRequest, 'charges'>), since));
      }),

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
