import { createServer, type Server } from 'node:http';
import { pipeline } from 'node:stream/promises';
import express, { type NextFunction, type Request, type Response } from 'express';
import { isTerminal } from '@d2v/schema';
import { MAX_SPEND_DAYS, type BlobStore, type Logger, type PipelineHandlers, type PlaybackHttp } from '@d2v/core';
import { ApiError, type ClientApi } from './client-api';
import { playbackRoutes } from './routes/playback';
import { mountWebApp } from './web-app';
import { checkBlobPath, INVALID_ID, isUndecodableParam, UNDECODABLE_PARAM_MESSAGE, validateIdParams } from './http-ids';

export interface ServerDeps {
  api: ClientApi;
  handlers: PipelineHandlers;
  blobs: BlobStore;
  /** Videos, posters, signed links, feed and profile grids (the core's playback HTTP surface). */
  playback: PlaybackHttp;
  log: Logger;
  /** Bearer token → uid (the local stand-in for Firebase Auth ID tokens). */
  authenticate(token: string): string | null;
  /** Checks a `/blobs/*` signed URL. */
  verifyBlobUrl(path: string, expires: string, sig: string): boolean;
  /** The statistics from `since` (a day or a span like `7d`; default today); throws RangeError on a bad value. */
  stats(since: string | undefined): Promise<unknown>;
  /** The caller's spend per day from the credits ledger, the last `days` days (1–90). */
  credits(uid: string, days: number): Promise<unknown>;
  /** The built web console, served at `/` (absent: not served). */
  webAppDir?: string;
}

/** How often the live view re-reads the request (SSE); Firestore clients get snapshots, this imitates them. */
const LIVE_POLL_MS = 250;

/**
 * The local stack's HTTP surface: the client API (what the iOS app does against Firestore/Storage), playback
 * (what the `videoPlayback` function does; routes/playback.ts), Luma's webhook (what the `lumaWebhook` function
 * does) and signed blob downloads (what Storage signed URLs do).
 */
export function createApp(deps: ServerDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Not strict: any JSON value parses, and a body that is JSON but not an object is refused by the schema
  // (INVALID_REQUEST) rather than called "not JSON".
  app.use(express.json({ limit: '1mb', strict: false }));

  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  // Every id in a URL is checked before a handler sees it (http-ids.ts): 400 INVALID_ID, never a store path.
  validateIdParams(app);

  // Luma's callback: token in the URL, body only names the generation.
  app.post('/luma/webhook/:uid/:requestId', wrap(async (req, res) => {
    const result = await deps.handlers.onLumaWebhook({
      uid: String(req.params.uid),
      requestId: String(req.params.requestId),
      token: String(req.query.token ?? ''),
      body: req.body,
    });
    res.status(result.status).json(result.body);
  }));

  app.get('/blobs/*path', wrap(async (req, res) => {
    const path = checkBlobPath(req.params.path);
    if (!deps.verifyBlobUrl(path, String(req.query.expires ?? ''), String(req.query.sig ?? ''))) {
      throw new ApiError(403, 'FORBIDDEN', 'This link is invalid or has expired.');
    }
    const info = await deps.blobs.stat(path);
    if (!info) throw new ApiError(404, 'NOT_FOUND', 'No such object.');
    res.setHeader('content-type', info.contentType);
    res.setHeader('content-length', String(info.size));
    await pipeline(deps.blobs.download(path), res);
  }));

  app.use(playbackRoutes(deps.playback, deps.log));

  const v1 = express.Router();
  validateIdParams(v1);
  v1.use((req, _res, next) => {
    const token = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    const uid = token ? deps.authenticate(token) : null;
    if (!uid) return next(new ApiError(401, 'UNAUTHENTICATED', 'Sign in first: send "Authorization: Bearer <token>".'));
    (req as AuthedRequest)[UID] = uid;
    next();
  });
  v1.get('/drafts', wrap(async (req, res) => void res.json({ drafts: await deps.api.listDrafts(uidOf(req)) })));
  v1.get('/requests', wrap(async (req, res) => void res.json({ requests: await deps.api.listRequests(uidOf(req)) })));
  v1.post('/requests', wrap(async (req, res) => {
    const { requestId } = await deps.api.createRequest(uidOf(req), req.body);
    res.status(201).json({ requestId, links: { self: `/v1/requests/${requestId}`, live: `/v1/requests/${requestId}/live` } });
  }));
  v1.get('/requests/:id', wrap(async (req, res) => void res.json(await deps.api.getRequest(uidOf(req), String(req.params.id)))));
  v1.get('/requests/:id/transitions', wrap(async (req, res) => {
    res.json({ transitions: await deps.api.listTransitions(uidOf(req), String(req.params.id)) });
  }));
  v1.get('/requests/:id/versions', wrap(async (req, res) => void res.json(await deps.api.listVersions(uidOf(req), String(req.params.id)))));
  v1.post('/requests/:id/actions', wrap(async (req, res) => {
    res.status(202).json(await deps.api.requestAction(uidOf(req), String(req.params.id), req.body));
  }));
  // Server-sent events: one `request` event per change, closed when the request is terminal.
  v1.get('/requests/:id/live', wrap(async (req, res) => {
    const uid = uidOf(req);
    const id = String(req.params.id);
    await deps.api.getRequest(uid, id);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let last = '';
    let open = true;
    req.on('close', () => (open = false));
    while (open) {
      const doc = await deps.api.getRequest(uid, id);
      const body = JSON.stringify(doc);
      if (body !== last) {
        res.write(`event: request\ndata: ${body}\n\n`);
        last = body;
      }
      if (isTerminal(doc.state) && doc.lease == null) break;
      await new Promise((r) => setTimeout(r, LIVE_POLL_MS));
    }
    res.end();
  }));
  v1.post('/scripts', wrap(async (req, res) => {
    const { requestId } = await deps.api.createScriptRequest(uidOf(req), req.body);
    res.status(201).json({ requestId, links: { self: `/v1/scripts/${requestId}` } });
  }));
  v1.get('/scripts/:id', wrap(async (req, res) => void res.json(await deps.api.getScriptRequest(uidOf(req), String(req.params.id)))));
  // The owner's edit of a ready script: body {script}, answered with the whole script request.
  v1.put('/scripts/:id', wrap(async (req, res) => void res.json(await deps.api.updateScript(uidOf(req), String(req.params.id), req.body))));
  // Notifications (issue #13): the local outbox of what the owner was told, and device tokens for pushes.
  v1.get('/notifications', wrap(async (req, res) => void res.json(await deps.api.listNotifications(uidOf(req)))));
  v1.post('/notifications/read', wrap(async (req, res) => void res.json(await deps.api.markNotificationsRead(uidOf(req), req.body))));
  v1.post('/devices', wrap(async (req, res) => void res.status(201).json(await deps.api.registerDevice(uidOf(req), req.body))));
  v1.get('/stats', wrap(async (req, res) => {
    const since = req.query.since;
    if (since !== undefined && typeof since !== 'string') throw new ApiError(400, 'INVALID_REQUEST', '"since" must be given once.');
    try {
      res.json(await deps.stats(since));
    } catch (e) {
      if (e instanceof RangeError) throw new ApiError(400, 'INVALID_REQUEST', e.message);
      throw e;
    }
  }));
  // The caller's spend per UTC day from the credits ledger (issue #9): `?days=1..90`, default 30.
  v1.get('/credits', wrap(async (req, res) => {
    const raw = req.query.days;
    const days = raw === undefined ? 30 : typeof raw === 'string' && /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
    if (!(days >= 1 && days <= MAX_SPEND_DAYS)) throw new ApiError(400, 'INVALID_REQUEST', `"days" must be a whole number from 1 to ${MAX_SPEND_DAYS}.`);
    res.json(await deps.credits(uidOf(req), days));
  }));
  app.use('/v1', v1);
  if (deps.webAppDir) mountWebApp(app, deps.webAppDir);

  app.use((_req: Request, _res: Response, next: NextFunction) => next(new ApiError(404, 'NOT_FOUND', 'No such route.')));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return void res.end();
    if (err instanceof ApiError) return void res.status(err.status).json({ error: { code: err.code, message: err.message } });
    if (isUndecodableParam(err)) return void res.status(400).json({ error: { code: INVALID_ID, message: UNDECODABLE_PARAM_MESSAGE } });
    // body-parser's errors carry a status and a type; they are the client's fault, so answer them as such.
    const { status, type } = err as { status?: number; type?: string };
    if (type === 'entity.parse.failed') return void res.status(400).json({ error: { code: 'BAD_JSON', message: 'The body is not valid JSON.' } });
    if (type === 'entity.too.large') return void res.status(413).json({ error: { code: 'TOO_LARGE', message: 'The body is too large (1 MB at most).' } });
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return void res.status(status).json({ error: { code: 'BAD_REQUEST', message: 'The request body could not be read.' } });
    }
    res.status(500).json({ error: { code: 'INTERNAL', message: 'Something went wrong on our side.' } });
  });
  return app;
}

/** The authenticated uid travels on the request object, set by the auth middleware. */
const UID = Symbol('uid');
type AuthedRequest = Request & { [UID]?: string };

function uidOf(req: Request): string {
  return (req as AuthedRequest)[UID]!;
}

function wrap(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}

/** Listens before the app exists: the webhook URL the core needs contains the port. */
export function listenEmpty(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
