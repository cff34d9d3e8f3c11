import type { Draft, Transition, VideoRequestClientInput } from '@d2v/schema';
import { D2vError, messageFor } from './errors';
import { LiveFollower } from './live';
import { pageQuery, routes } from './routes';
import type {
  ActionInput,
  CreatedRequest,
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
  StatsSnapshot,
  Unsubscribe,
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

/** Status → code when an answer carries no `{error}` body (a proxy's page, a cut connection). */
function codeForStatus(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'NOT_READY';
  if (status === 410) return 'DELETED';
  if (status === 413) return 'TOO_LARGE';
  if (status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL';
}

/** The API's `{error: {code, message}}` as a D2vError, whatever the body turns out to be. */
export async function errorFromResponse(res: Response): Promise<D2vError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === 'string' ? body.error.code : codeForStatus(res.status);
    const message = typeof body.error?.message === 'string' && body.error.message ? body.error.message : messageFor(code);
    return new D2vError(code, message, res.status);
  } catch {
    const code = codeForStatus(res.status);
    return new D2vError(code, messageFor(code), res.status);
  }
}

/** The local stack's HTTP API as a D2vClient. */
export function createLocalClient(options: LocalClientOptions): D2vClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${options.token}` };

  async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let res: Response;
    try {
      res = await fetchImpl(`${base}${path}`, {
        method,
        headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new D2vError('NETWORK');
    }
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await send(method, path, body);
    try {
      return (await res.json()) as T;
    } catch {
      throw new D2vError('BAD_RESPONSE');
    }
  }

  async function media(path: string): Promise<MediaSource> {
    const res = await send('GET', path);
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    return { url, contentType: blob.type || res.headers.get('content-type') || '', bytes: blob.size, revoke: () => URL.revokeObjectURL(url) };
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
      const answer = await json<{ actionId: string }>('POST', routes.actions(requestId), body);
      // The pipeline will move the request again: a watcher that saw it settle looks again now.
      live.wake(requestId);
      return { actionId: answer.actionId };
    },
    cancel: (requestId: string) => client.requestAction(requestId, { type: 'cancel' }),

    openMedia: async (requestId: string, file: MediaFile) => media(file === 'video' ? routes.video(requestId) : routes.poster(requestId)),
    download: async (requestId: string) => (await send('GET', routes.video(requestId, true))).blob(),
    openPostMedia: async (postId: string, file: MediaFile) => media(file === 'video' ? routes.postVideo(postId) : routes.postPoster(postId)),

    async feed(page: PageOptions = {}): Promise<Page<FeedPost>> {
      const body = await json<{ items: FeedPost[]; nextCursor?: string | null }>('GET', routes.feed(pageQuery(page)));
      return { items: body.items, nextCursor: body.nextCursor ?? null };
    },
    async profileVideos(uid: string, page: PageOptions = {}): Promise<Page<ProfileGridVideo>> {
      const body = await json<{ items: ProfileGridVideo[]; nextCursor?: string | null }>('GET', routes.profileVideos(uid, pageQuery(page)));
      return { items: body.items, nextCursor: body.nextCursor ?? null };
    },

    createScript: async (input: ScriptRequestInput) => {
      const { requestId } = await json<CreatedRequest>('POST', routes.scripts(), input);
      return { requestId };
    },
    getScript: async (requestId: string) => json<ScriptRequest>('GET', routes.script(requestId)),

    stats: async (options = {}) => json<StatsSnapshot>('GET', routes.stats(options.since)),
  };
  return client;
}
