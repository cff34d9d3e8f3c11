/**
 * Every Luma call the pipeline makes, measured: a decorator around the LumaApi port that times each call,
 * publishes a `luma_call` event (operation, outcome — `ok` or the error kind —, HTTP status, latency, the
 * generation, the model and, for a billed create, its credit estimate) and logs one line. Steps call
 * `ports.luma` as before; `createHandlers` hands them this wrapper, so no step can forget to report a call.
 * Which request a call serves comes from the handler's context (context.ts).
 */
import { estimateCostCents, isLumaError, type Generation, type ImageGenerationRequest, type LumaApi, type VideoGenerationRequest } from '@d2v/luma';
import type { LumaOp } from '@d2v/schema';
import { publishEvent } from './analytics';
import { logs } from './logs';
import type { Ports } from './ports';

type Deps = Pick<Ports, 'events' | 'clock' | 'log'>;

interface CallFacts {
  model?: string;
  creditsCents?: number;
}

async function measured<T>(deps: Deps, op: LumaOp, facts: CallFacts, call: () => Promise<T>): Promise<T> {
  const started = deps.clock.now();
  try {
    const result = await call();
    const generation = isGeneration(result) ? result : undefined;
    await report(deps, op, started, { ...facts, outcome: 'ok', generationId: generation?.id, lumaState: generation?.state });
    return result;
  } catch (e) {
    const outcome = isLumaError(e) ? e.kind : 'error';
    // A refused create bills nothing.
    await report(deps, op, started, { model: facts.model, outcome, httpStatus: isLumaError(e) ? e.status : undefined });
    throw e;
  }
}

async function report(
  deps: Deps,
  op: LumaOp,
  started: number,
  facts: CallFacts & { outcome: string; httpStatus?: number; generationId?: string; lumaState?: string },
): Promise<void> {
  const durationMs = Math.max(0, deps.clock.now() - started);
  deps.log.info({ lumaOp: op, outcome: facts.outcome, httpStatus: facts.httpStatus, durationMs, generationId: facts.generationId, lumaState: facts.lumaState }, logs.lumaCall);
  await publishEvent(deps, {
    type: 'luma_call',
    lumaOp: op,
    outcome: facts.outcome,
    httpStatus: facts.httpStatus ?? (facts.outcome === 'ok' ? 200 : undefined),
    durationMs,
    generationId: facts.generationId,
    model: facts.model,
    creditsCents: facts.creditsCents,
    attrs: facts.lumaState ? { lumaState: facts.lumaState } : undefined,
  });
}

function isGeneration(value: unknown): value is Generation {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && 'state' in value;
}

export function instrumentLuma(inner: LumaApi, deps: Deps): LumaApi {
  return {
    createVideo: (req: VideoGenerationRequest) =>
      measured(deps, 'create_video', { model: req.model, creditsCents: estimateCostCents(req) }, () => inner.createVideo(req)),
    createImage: (req: ImageGenerationRequest) =>
      measured(deps, 'create_image', { model: req.model, creditsCents: estimateCostCents(req) }, () => inner.createImage(req)),
    // The follow-ups (issue #13) bill too; their cost is Luma's and not estimated here.
    upscaleGeneration: (id, req) => measured(deps, 'upscale', {}, () => inner.upscaleGeneration(id, req)),
    addAudio: (id, req) => measured(deps, 'add_audio', {}, () => inner.addAudio(id, req)),
    modifyVideo: (req) => measured(deps, 'modify_video', { model: req.model }, () => inner.modifyVideo(req)),
    reframeVideo: (req) => measured(deps, 'reframe_video', { model: req.model }, () => inner.reframeVideo(req)),
    reframeImage: (req) => measured(deps, 'reframe_image', { model: req.model }, () => inner.reframeImage(req)),
    getGeneration: (id) => measured(deps, 'get', {}, () => inner.getGeneration(id)),
    listGenerations: (opts) => measured(deps, 'list', {}, () => inner.listGenerations(opts)),
    deleteGeneration: (id) => measured(deps, 'delete', {}, () => inner.deleteGeneration(id)),
    getCredits: () => measured(deps, 'credits', {}, () => inner.getCredits()),
    ping: () => measured(deps, 'ping', {}, () => inner.ping()),
  };
}

/**
 * The ports with the instrumented Luma client. A prototype copy, not a spread: the Firebase runtime's ports are
 * lazy getters (each port is built on first use), and spreading them would build every one of them at once.
 */
export function withInstrumentedLuma(ports: Ports): Ports {
  const instrumented = Object.create(ports) as Ports;
  let luma: LumaApi | undefined;
  Object.defineProperty(instrumented, 'luma', { enumerable: true, get: () => (luma ??= instrumentLuma(ports.luma, ports)) });
  return instrumented;
}
