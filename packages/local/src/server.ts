import { createServer, type Server } from 'node:http';
import { pipeline } from 'node:stream/promises';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { BlobStore, MediaPort, PipelineHandlers } from '@d2v/core';
import { ApiError, type ClientApi } from './client-api';
import { checkBlobPath, INVALID_ID, isUndecodableParam, UNDECODABLE_PARAM_MESSAGE, validateIdParams } from './http-ids';

export interface ServerDeps {
  api: ClientApi;
  handlers: PipelineHandlers;
  blobs: BlobStore;
  media: MediaPort;
  /** Bearer token → uid (the local stand-in for Firebase Auth ID tokens). */
  authenticate(token: string): string | null;
  /** Checks a `/blobs/*` signed URL. */
  verifyBlobUrl(path: string, expires: string, sig: string): boolean;
  stats(): Promise<unknown>;
}

/** How often the live view re-reads the request (SSE); Firestore clients get snapshots, this imitates them. */
const LIVE_POLL_MS = 250;

/**
 * The local stack's HTTP surface: the client API (what the iOS app does against Firestore/Storage), Luma's
 * webhook (what the `lumaWebhook` function does) and signed blob downloads (what Storage signed URLs do).
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
      if (['ready', 'posted', 'failed', 'deleted'].includes(doc.state) && doc.lease == null) break;
      await new Promise((r) => setTimeout(r, LIVE_POLL_MS));
    }
    res.end();
  }));
  /**
   * The owner's request with its outputs, checked before anything is sent: once a stream has started, a
   * missing file can only cut the connection, so a deleted (or otherwise gone) file is answered here.
   */
  async function playable(req: Request, file: 'videoPath' | 'posterPath') {
    const doc = await deps.api.getRequest(uidOf(req), String(req.params.id));
    if (doc.state === 'deleted') throw new ApiError(410, 'DELETED', 'This video was deleted.');
    if (!doc.outputs) throw new ApiError(409, 'NOT_READY', `The video is ${doc.state}, not ready yet.`);
    const info = await deps.blobs.stat(doc.outputs[file]);
    if (!info) throw new ApiError(404, 'NOT_FOUND', 'The file of this video is missing.');
    return { ...doc, outputs: doc.outputs, fileBytes: info.size };
  }
  // Playback / "download to device": decrypted on the way out, only for the owner.
  v1.get('/requests/:id/video', wrap(async (req, res) => {
    const doc = await playable(req, 'videoPath');
    res.setHeader('content-type', 'video/mp4');
    res.setHeader('content-length', String(doc.outputs.encryption.plaintextBytes));
    if (req.query.download) res.setHeader('content-disposition', `attachment; filename="${doc.requestId}.mp4"`);
    await pipeline(deps.media.decrypt(deps.blobs.download(doc.outputs.videoPath), doc.outputs.encryption), res);
  }));
  v1.get('/requests/:id/poster', wrap(async (req, res) => {
    const doc = await playable(req, 'posterPath');
    res.setHeader('content-type', 'image/jpeg');
    res.setHeader('content-length', String(doc.fileBytes));
    await pipeline(deps.blobs.download(doc.outputs.posterPath), res);
  }));
  v1.post('/scripts', wrap(async (req, res) => {
    const { requestId } = await deps.api.createScriptRequest(uidOf(req), req.body);
    res.status(201).json({ requestId, links: { self: `/v1/scripts/${requestId}` } });
  }));
  v1.get('/scripts/:id', wrap(async (req, res) => void res.json(await deps.api.getScriptRequest(uidOf(req), String(req.params.id)))));
  v1.get('/stats', wrap(async (_req, res) => void res.json(await deps.stats())));
  app.use('/v1', v1);

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
