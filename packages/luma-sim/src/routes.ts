/**
 * The HTTP surface: Luma's routes under `/dream-machine/v1` and the signed asset route, with Luma's cross-cutting
 * behaviour applied in this order — latency (slowMs), injected 5xx (before any work, so a 5xx create never
 * creates), bearer auth, body parsing, then the route. The follow-up routes (upscale, audio, modify, reframe) are
 * in routes-follow-up.ts; extending is a video create with a generation keyframe, here.
 */
import express, { NextFunction, Request, Response, Router } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { ASSET_ROUTE_PREFIX, AssetSigner } from './assets';
import type { FollowUpOptions, SimLogger } from './config';
import { CreditLedger, imageCostCents, videoCostCents } from './credits';
import { FaultInjector } from './faults';
import type { FreshVideoPlan } from './generation-record';
import { GenerationEngine } from './lifecycle';
import { registerFollowUpRoutes, sourceClip } from './routes-follow-up';
import { GenerationListJson, HttpError, notFound, unprocessable } from './types';
import { CONCEPT_KEYS, validateImageRequest, validateListQuery, validateVideoRequest } from './validation';

export const API_PREFIX = '/dream-machine/v1';
const MAX_BODY = '2mb';

export interface HttpCounters {
  requests: number;
  serverErrors: number;
}

export interface AppContext {
  engine: GenerationEngine;
  faults: FaultInjector;
  ledger: CreditLedger;
  signer: AssetSigner;
  followUps: Readonly<FollowUpOptions>;
  apiKeys: () => readonly string[];
  counters: HttpCounters;
  /** Aborted by close(), so that slowMs sleeps do not hold shutdown. */
  closing: AbortSignal;
  log: SimLogger;
}

export function buildApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(API_PREFIX, buildApiRouter(ctx));
  app.get(`${ASSET_ROUTE_PREFIX}/:id/:file`, serveAsset(ctx));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ detail: 'Not Found' });
  });
  app.use(errorHandler(ctx));
  return app;
}

function buildApiRouter(ctx: AppContext): Router {
  const api = Router();
  const { engine } = ctx;

  api.use(async (_req, res, next) => {
    ctx.counters.requests++;
    const slowMs = ctx.faults.options.slowMs;
    if (slowMs > 0) {
      try {
        await sleep(slowMs, undefined, { signal: ctx.closing });
      } catch {
        return; // shutting down: the connection is about to be closed anyway
      }
    }
    const injected = ctx.faults.serverError();
    if (injected !== null) {
      ctx.counters.serverErrors++;
      res.status(injected).json({ detail: 'Internal server error' });
      return;
    }
    next();
  });

  api.use((req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match || !ctx.apiKeys().includes(match[1].trim())) {
      throw new HttpError(401, { detail: 'Invalid API key is provided' });
    }
    next();
  });

  // Raw text first so that malformed JSON can be answered FastAPI-style (422 json_invalid), not with HTML.
  api.use(express.text({ type: () => true, limit: MAX_BODY }));
  api.use((req, _res, next) => {
    req.body = parseJsonBody(req.body);
    next();
  });

  api.get('/ping', (_req, res) => {
    res.json({ message: 'pong' });
  });

  api.get('/credits', (_req, res) => {
    res.json({ credit_balance: ctx.ledger.balance });
  });

  api.get('/generations/concepts/list', (_req, res) => {
    res.json([...CONCEPT_KEYS]);
  });

  const createVideo = (req: Request, res: Response) => {
    const spec = validateVideoRequest(req.body, engine.lookup, ctx.followUps.maxExtendedSeconds);
    const imageKeyframe = [spec.frame0, spec.frame1].find((k) => k?.type === 'image');
    // A generation as frame0 extends it forwards, as frame1 backwards (the new clip leads into it).
    const before = spec.frame0?.type === 'generation' ? sourceClip(engine, spec.frame0.id) : undefined;
    const after = spec.frame1?.type === 'generation' ? sourceClip(engine, spec.frame1.id) : undefined;
    const extendOutput = ctx.followUps.extendOutput;
    const notes = [before && `(extends ${before.id})`, after && `(leads into ${after.id})`].filter(Boolean);
    const plan: FreshVideoPlan = {
      kind: 'video',
      prompt: spec.prompt ?? '',
      aspectRatio: spec.aspectRatio,
      resolution: spec.resolution,
      duration: spec.duration,
      backgroundUrl: imageKeyframe?.type === 'image' ? imageKeyframe.url : undefined,
      note: notes.length > 0 ? notes.join(' ') : undefined,
      extend: before || after ? { before, after, output: extendOutput } : undefined,
    };
    const clipSeconds = Number.parseInt(spec.duration, 10);
    const rec = engine.submit({
      generationType: 'video',
      family: 'ray',
      model: spec.model,
      requestBody: req.body,
      plan,
      facts: {
        resolution: spec.resolution,
        aspectRatio: spec.aspectRatio,
        durationSeconds: plan.extend && extendOutput === 'joined' ? spec.chainSeconds : clipSeconds,
        chainSeconds: spec.chainSeconds,
        hasAudio: false,
      },
      inputImages: spec.inputImages,
      callbackUrl: spec.callbackUrl,
      costCents: videoCostCents(spec.model, spec.resolution, spec.duration),
      promptForModeration: spec.prompt,
    });
    res.status(201).json(engine.toJson(rec));
  };
  api.post('/generations/video', createVideo);
  api.post('/generations', createVideo); // older docs' path; the official SDK still uses it

  api.post('/generations/image', async (req, res) => {
    const spec = validateImageRequest(req.body);
    const rec = engine.submit({
      generationType: 'image',
      family: 'photon',
      model: spec.model,
      requestBody: req.body,
      plan: { kind: 'image', prompt: spec.prompt, aspectRatio: spec.aspectRatio, format: spec.format, backgroundUrl: spec.backgroundUrl },
      facts: { aspectRatio: spec.aspectRatio, hasAudio: false },
      inputImages: spec.inputImages,
      callbackUrl: spec.callbackUrl,
      costCents: imageCostCents(spec.model),
      promptForModeration: spec.prompt,
    });
    // sync=true: Luma holds the answer until the image is done or sync_timeout passes.
    if (spec.sync) await engine.waitForTerminal(rec.id, spec.syncTimeoutSeconds * 1000);
    res.status(201).json(engine.toJson(rec));
  });

  api.get('/generations', (req, res) => {
    const { limit, offset } = validateListQuery(req.query as Record<string, unknown>);
    const page = engine.page(limit, offset);
    const body: GenerationListJson = {
      generations: page.items.map((r) => engine.toJson(r)),
      count: page.items.length,
      has_more: page.hasMore,
      limit,
      offset,
    };
    res.json(body);
  });

  api.get('/generations/:id', (req, res) => {
    const rec = engine.get(String(req.params.id));
    if (!rec || rec.deleted) throw notFound();
    res.json(engine.toJson(rec));
  });

  api.delete('/generations/:id', (req, res) => {
    if (!engine.delete(String(req.params.id))) throw notFound();
    res.status(204).end();
  });

  registerFollowUpRoutes(api, ctx);

  api.use((_req: Request, res: Response) => {
    res.status(404).json({ detail: 'Not Found' });
  });
  return api;
}

/** The JSON body, `undefined` when there is none, or a FastAPI-style 422 for malformed JSON. */
function parseJsonBody(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    const position = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? 0);
    throw unprocessable([
      { type: 'json_invalid', loc: ['body', position], msg: 'JSON decode error', input: {}, ctx: { error: (err as Error).message } },
    ]);
  }
}

function serveAsset(ctx: AppContext) {
  return (req: Request, res: Response) => {
    const id = String(req.params.id);
    const file = String(req.params.file);
    const check = ctx.signer.check(id, file, req.query.exp, req.query.sig);
    if (check === 'expired') throw new HttpError(403, { detail: 'Asset URL expired' });
    if (check !== 'ok') throw new HttpError(403, { detail: 'Forbidden' });
    const rec = ctx.engine.get(id);
    if (!rec || rec.deleted || !rec.asset || rec.asset.file !== file || rec.state !== 'completed') {
      throw new HttpError(404, { detail: 'Not Found' });
    }
    res.sendFile(rec.asset.path, { headers: { 'Content-Type': rec.asset.contentType, 'Cache-Control': 'private, no-transform' } }, (err) => {
      if (err && !res.headersSent) res.status(404).json({ detail: 'Not Found' });
    });
  };
}

function errorHandler(ctx: AppContext) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof HttpError) {
      res.status(err.status).set(err.headers).json(err.body);
      return;
    }
    // body-parser errors (413 too large, 400 bad encoding) carry their own status.
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ detail: (err as Error).message });
      return;
    }
    ctx.log('error', 'luma-sim: unexpected error', { error: err instanceof Error ? err.stack : String(err) });
    res.status(500).json({ detail: 'Internal server error' });
  };
}
