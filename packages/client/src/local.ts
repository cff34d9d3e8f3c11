import type { Draft, Notification, Transition, VideoRequestClientInput } from '@d2v/schema';
import { D2vError } from './errors';
import { fetchOk, mediaFromLink, readJson } from './http';
import { LiveFollower } from './live';
import { pageQuery, routes } from './routes';
import type {
  ActionInput,
  CreatedRequest,
  D2vClient,
  FeedItem,
  FollowUpInput,
  MediaFile,
  MediaSource,
  Page,
  PageOptions,
  ProfileGridItem,
  RequestDoc,
  RequestWatcher,
  ScriptRequest,
  ScriptRequestInput,
  Script,
  StatsSnapshot,
  CreditsSnapshot,
  Unsubscribe,
  VersionView,
} from './types';

export interface LocalClientOptions {
  /** Where the local stack listens, e.g. `http://127.0.0.1:8787`; '' in a page the stack itself serves. */
  baseUrl: string;
  /** A bearer token from emulator-data/users.json (the local stand-in for a Firebase ID token). */
  token: string;
  /** The uid that token signs in as. */
  uid: string;
  /** Defaults to the global fetch (browsers, Node 18+). */
  fetch?: typeof fetch;
}

/** The local stack's HTTP API as a D2vClient. */
export function createLocalClient(options: LocalClientOptions): D2vClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${options.token}` };

  function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    return fetchOk(fetchImpl, `${base}${path}`, {
      method,
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return readJson<T>(await send(method, path, body));
  }

  /** A signed link to a playback route (the bearer header stays here; the media element gets only the link). */
  async function media(path: string, file: MediaFile): Promise<MediaSource> {
    return mediaFromLink(await json<{ url?: unknown; expiresAt?: unknown }>('GET', `${path}/link`), file);
  }

  const listTransitions = async (requestId: string) => (await json<{ transitions: Transition[] }>('GET', routes.transitions(requestId))).transitions;
  const live = new LiveFollower({ open: (id, signal) => send('GET', routes.live(id), undefined, signal), listTransitions });

  const client: D2vClient = {
    transport: 'local',
    uid: options.uid,

    listDrafts: async () => (await json<{ drafts: Draft[] }>('GET', routes.drafts())).drafts,
    async getDraft(draftId: string) {
      const draft = (await client.listDrafts()).find((d) => d.id === draftId);
      if (!draft) throw new D2vError('DRAFT_NOT_FOUND', `Draft ${draftId} does not exist.`, 404);
      return draft;
    },

    listRequests: async () => (await json<{ requests: RequestDoc[] }>('GET', routes.requests())).requests,
    createRequest: async (input: VideoRequestClientInput) => {
      const { requestId } = await json<CreatedRequest>('POST', routes.requests(), input);
      return { requestId };
    },
    getRequest: async (requestId: string) => json<RequestDoc>('GET', routes.request(requestId)),
    listTransitions,
    watchRequest: (requestId: string, watcher: RequestWatcher): Unsubscribe => live.follow(requestId, watcher),

    async requestAction(requestId: string, action: ActionInput) {
      const body: Record<string, unknown> = { type: action.type };
      if (action.id) body.id = action.id;
      if (action.visibility) body.visibility = action.visibility;
      if (action.caption !== undefined) body.caption = action.caption;
      for (const key of ['resolution', 'aspectRatio', 'duration', 'prompt', 'mode', 'versionRequestId'] as const) if (action[key] !== undefined) body[key] = action[key];
      const answer = await json<{ actionId: string }>('POST', routes.actions(requestId), body);
      // The pipeline will move the request again: a watcher that saw it settle looks again now.
      live.wake(requestId);
      return { actionId: answer.actionId };
    },
    cancel: (requestId: string) => client.requestAction(requestId, { type: 'cancel' }),

    openMedia: async (requestId: string, file: MediaFile) => media(file === 'video' ? routes.video(requestId) : routes.poster(requestId), file),
    download: async (requestId: string) => (await send('GET', routes.video(requestId, true))).blob(),
    openPostMedia: async (postId: string, file: MediaFile) => media(file === 'video' ? routes.postVideo(postId) : routes.postPoster(postId), file),

    async feed(page: PageOptions = {}): Promise<Page<FeedItem>> {
      const body = await json<{ items: FeedItem[]; nextCursor?: string | null }>('GET', routes.feed(pageQuery(page)));
      return { items: body.items, nextCursor: body.nextCursor ?? null };
    },
    async profileVideos(uid: string, page: PageOptions = {}): Promise<Page<ProfileGridItem>> {
      const body = await json<{ items: ProfileGridItem[]; nextCursor?: string | null }>('GET', routes.profileVideos(uid, pageQuery(page)));
      return { items: body.items, nextCursor: body.nextCursor ?? null };
    },

    createScript: async (input: ScriptRequestInput) => {
      const { requestId } = await json<CreatedRequest>('POST', routes.scripts(), input);
      return { requestId };
    },
    getScript: async (requestId: string) => json<ScriptRequest>('GET', routes.script(requestId)),
    updateScript: async (requestId: string, script: Script) => json<ScriptRequest>('PUT', routes.script(requestId), { script }),

    stats: async (options = {}) => json<StatsSnapshot>('GET', routes.stats(options.since)),
    credits: async (options = {}) => json<CreditsSnapshot>('GET', routes.credits(options.days)),

    followUp: (requestId: string, input: FollowUpInput) => client.requestAction(requestId, input),
    useVersion: (requestId: string, versionRequestId: string) => client.requestAction(requestId, { type: 'useVersion', versionRequestId }),
    listVersions: async (requestId: string) => (await json<{ versions: VersionView[] }>('GET', routes.versions(requestId))).versions,
    listNotifications: async () => json<{ notifications: Notification[]; unread: number }>('GET', routes.notifications()),
    markNotificationsRead: async (ids?: string[]) => void (await json('POST', routes.notificationsRead(), ids ? { ids } : {})),
    registerDevice: async (token: string, platform?: 'ios' | 'android' | 'web') => void (await json('POST', routes.devices(), platform ? { token, platform } : { token })),
  };
  return client;
}
