/**
 * The typed HTTP client for Luma Dream Machine. Every answer is validated with zod; every failure becomes a
 * LumaError (see error-mapping.ts). Idempotent calls (GET/DELETE) retry retryable failures; creates never do.
 */
import type { AxiosInstance, AxiosResponse, AxiosStatic } from 'axios';
import * as z from 'zod';
import { LumaError } from './errors';
import { lumaErrorFromHttpAnswer, lumaErrorFromTransportFailure, type RequestLabel } from './error-mapping';
import { parseBody } from './response-parsing';
import { DEFAULT_RETRY_DELAYS, retryDelayMs, sleep, type RetryDelays } from './retry';
import {
  CreditsSchema,
  GenerationListSchema,
  GenerationSchema,
  type Credits,
  type AddAudioRequest,
  type Generation,
  type GenerationList,
  type ImageGenerationRequest,
  type LumaApi,
  type LumaFollowUpApi,
  type ModifyVideoRequest,
  type ReframeImageRequest,
  type ReframeVideoRequest,
  type UpscaleRequest,
  type VideoGenerationRequest,
} from './types';

/**
 * axios, required by the first client rather than when this module loads: the package is imported for its
 * errors and cost table by code that never calls Luma (the pipeline core, in every Cloud Function), and
 * loading axios (form-data, follow-redirects, the proxy agents, and Node's fetch, which it probes for) is a
 * large part of a function's first event. See docs/DECISIONS.md, "Cold start".
 */
let axiosModule: AxiosStatic | undefined;
function loadAxios(): AxiosStatic {
  axiosModule ??= require('axios') as AxiosStatic;
  return axiosModule;
}

export const DEFAULT_LUMA_BASE_URL = 'https://api.lumalabs.ai/dream-machine/v1';
export const DEFAULT_LUMA_TIMEOUT_MS = 30_000;
export const DEFAULT_LUMA_MAX_RETRIES = 2;
const DEFAULT_USER_AGENT = 'draft2video-luma/0.1';

/** Slack on top of Luma's own `sync_timeout` for a synchronous image create (upload + our network time). */
const SYNC_IMAGE_SLACK_MS = 15_000;
/** Luma's documented default `sync_timeout`, in seconds. */
const DEFAULT_SYNC_TIMEOUT_S = 60;
/** A guard against a runaway body; real Luma answers are a few kB. */
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

/** Structurally compatible with pino and with @d2v/core's Logger. */
export interface LumaLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface LumaClientOptions {
  apiKey: string;
  /** Default https://api.lumalabs.ai/dream-machine/v1 */
  baseUrl?: string;
  /** Per attempt, whole request. Default 30 000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for idempotent calls only. Default 2. */
  maxRetries?: number;
  userAgent?: string;
  logger?: LumaLogger;
  /** Backoff tuning; defaults 500 ms doubling to 8 s, Retry-After honoured up to 30 s. */
  retryDelays?: Partial<RetryDelays>;
}

export interface ListGenerationsOptions {
  limit?: number;
  offset?: number;
}

const PingSchema = z.object({ message: z.string() }).passthrough();
/** Concept keys; older answers may wrap them as `{key}` objects, which we unwrap. */
const ConceptListSchema = z.array(z.union([z.string(), z.object({ key: z.string() }).transform((c) => c.key)]));

type HttpMethod = 'GET' | 'POST' | 'DELETE';

interface CallSpec<S extends z.ZodType | undefined> {
  method: HttpMethod;
  path: string;
  query?: Record<string, number>;
  body?: unknown;
  /** Undefined: the body is ignored (DELETE answers 204). */
  schema: S;
  /** 0 for creates, which must never be repeated behind the caller's back. */
  maxRetries: number;
  timeoutMs: number;
}

type CallResult<S extends z.ZodType | undefined> = S extends z.ZodType ? z.output<S> : void;

export class LumaClient implements LumaApi, LumaFollowUpApi {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  // Private (#) so the key never shows up in util.inspect / JSON of the client; it is added per request.
  readonly #apiKey: string;
  readonly #http: AxiosInstance;
  readonly #logger: LumaLogger | undefined;
  readonly #retryDelays: RetryDelays;

  constructor(options: LumaClientOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw new Error('LumaClient needs a non-empty apiKey');
    }
    this.#apiKey = options.apiKey.trim();
    this.baseUrl = (options.baseUrl ?? DEFAULT_LUMA_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LUMA_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_LUMA_MAX_RETRIES;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new RangeError(`LumaClient timeoutMs must be a positive number, got ${this.timeoutMs}`);
    }
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) {
      throw new RangeError(`LumaClient maxRetries must be a non-negative integer, got ${this.maxRetries}`);
    }
    this.#logger = options.logger;
    this.#retryDelays = { ...DEFAULT_RETRY_DELAYS, ...options.retryDelays };
    this.#http = loadAxios().create({
      baseURL: this.baseUrl,
      // Paths are ours, but make sure nothing can ever send the key to another host.
      allowAbsoluteUrls: false,
      headers: { Accept: 'application/json', 'User-Agent': options.userAgent ?? DEFAULT_USER_AGENT },
      // We map every status ourselves and want the raw text, so non-JSON error pages survive intact.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: MAX_RESPONSE_BYTES,
    });
  }

  /**
   * POST /generations/video. Never retried automatically: Luma takes no idempotency key and bills at submit, so
   * a blind retry after a timeout or 5xx could create (and pay for) a second video. The caller decides, e.g. by
   * listing recent generations first.
   */
  async createVideo(req: VideoGenerationRequest): Promise<Generation> {
    return this.call({
      method: 'POST',
      path: '/generations/video',
      body: req,
      schema: GenerationSchema,
      maxRetries: 0,
      timeoutMs: this.timeoutMs,
    });
  }

  /** POST /generations/image. Never retried automatically, for the same billing reason as createVideo. */
  async createImage(req: ImageGenerationRequest): Promise<Generation> {
    // A synchronous create holds the connection until Luma is done (up to sync_timeout), so wait longer.
    const timeoutMs = req.sync
      ? Math.max(this.timeoutMs, (req.sync_timeout ?? DEFAULT_SYNC_TIMEOUT_S) * 1000 + SYNC_IMAGE_SLACK_MS)
      : this.timeoutMs;
    return this.call({
      method: 'POST',
      path: '/generations/image',
      body: req,
      schema: GenerationSchema,
      maxRetries: 0,
      timeoutMs,
    });
  }

  // Follow-ups. Each creates (and bills) a new generation, so, like the creates above, none is retried here.
  // `generation_type` is filled in: the SDK requires it on modify and reframe, and it is harmless elsewhere.

  /** POST /generations/{id}/upscale: a new `upscale_video` generation of the completed video `id`. */
  async upscaleGeneration(id: string, req: UpscaleRequest): Promise<Generation> {
    return this.create(`${generationPath(id)}/upscale`, { ...req, generation_type: 'upscale_video' });
  }

  /** POST /generations/{id}/audio: a new `add_audio` generation, the video `id` with a generated soundtrack. */
  async addAudio(id: string, req: AddAudioRequest): Promise<Generation> {
    return this.create(`${generationPath(id)}/audio`, { ...req, generation_type: 'add_audio' });
  }

  /** POST /generations/video/modify: a new `modify_video` generation, the video at `media.url` restyled. */
  async modifyVideo(req: ModifyVideoRequest): Promise<Generation> {
    return this.create('/generations/video/modify', { ...req, generation_type: 'modify_video' });
  }

  /** POST /generations/video/reframe: a new `reframe_video` generation at another aspect ratio. */
  async reframeVideo(req: ReframeVideoRequest): Promise<Generation> {
    return this.create('/generations/video/reframe', { ...req, generation_type: 'reframe_video' });
  }

  /** POST /generations/image/reframe: a new `reframe_image` generation at another aspect ratio. */
  async reframeImage(req: ReframeImageRequest): Promise<Generation> {
    return this.create('/generations/image/reframe', { ...req, generation_type: 'reframe_image' });
  }

  async getGeneration(id: string): Promise<Generation> {
    return this.call({
      method: 'GET',
      path: generationPath(id),
      schema: GenerationSchema,
      maxRetries: this.maxRetries,
      timeoutMs: this.timeoutMs,
    });
  }

  /** GET /generations, newest first. Only the given paging fields are sent; Luma's defaults apply otherwise. */
  async listGenerations(opts: ListGenerationsOptions = {}): Promise<GenerationList> {
    const query: Record<string, number> = {};
    if (opts.limit !== undefined) query.limit = nonNegativeInteger('limit', opts.limit);
    if (opts.offset !== undefined) query.offset = nonNegativeInteger('offset', opts.offset);
    return this.call({
      method: 'GET',
      path: '/generations',
      query,
      schema: GenerationListSchema,
      maxRetries: this.maxRetries,
      timeoutMs: this.timeoutMs,
    });
  }

  /** DELETE /generations/{id} (204). Deleting twice answers 404, which the caller may treat as done. */
  async deleteGeneration(id: string): Promise<void> {
    return this.call({
      method: 'DELETE',
      path: generationPath(id),
      schema: undefined,
      maxRetries: this.maxRetries,
      timeoutMs: this.timeoutMs,
    });
  }

  /** GET /credits: `credit_balance` in USD cents. */
  async getCredits(): Promise<Credits> {
    return this.call({
      method: 'GET',
      path: '/credits',
      schema: CreditsSchema,
      maxRetries: this.maxRetries,
      timeoutMs: this.timeoutMs,
    });
  }

  /**
   * GET /ping → true. Throws a LumaError when Luma is unreachable or refuses us, so a health check can show why.
   * Not retried: a health probe should report the state now, not after backoff.
   */
  async ping(): Promise<boolean> {
    await this.call({ method: 'GET', path: '/ping', schema: PingSchema, maxRetries: 0, timeoutMs: this.timeoutMs });
    return true;
  }

  /** GET /generations/concepts/list: camera-motion concept keys such as `dolly_zoom`. */
  async listConcepts(): Promise<string[]> {
    return this.call({
      method: 'GET',
      path: '/generations/concepts/list',
      schema: ConceptListSchema,
      maxRetries: this.maxRetries,
      timeoutMs: this.timeoutMs,
    });
  }

  /** A billed create: one attempt only (see createVideo). */
  private create(path: string, body: unknown): Promise<Generation> {
    return this.call({ method: 'POST', path, body, schema: GenerationSchema, maxRetries: 0, timeoutMs: this.timeoutMs });
  }

  // Public methods are `async` so that argument errors (RangeError) arrive as rejections, like every other failure.
  private async call<S extends z.ZodType | undefined>(spec: CallSpec<S>): Promise<CallResult<S>> {
    const label: RequestLabel = { method: spec.method, path: spec.path };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(spec, label, attempt);
      } catch (error) {
        if (!(error instanceof LumaError) || !error.retryable || attempt >= spec.maxRetries) throw error;
        const delayMs = retryDelayMs(attempt, error, this.#retryDelays);
        this.#logger?.warn(
          { method: spec.method, path: spec.path, attempt, kind: error.kind, status: error.status, delayMs },
          `Luma call failed, retrying in ${delayMs} ms: ${error.message}`,
        );
        await sleep(delayMs);
      }
    }
  }

  private async attempt<S extends z.ZodType | undefined>(
    spec: CallSpec<S>,
    label: RequestLabel,
    attempt: number,
  ): Promise<CallResult<S>> {
    const startedAt = Date.now();
    // axios' own `timeout` is a socket-idle timer; the signal is a hard deadline for the whole exchange.
    const deadline = AbortSignal.timeout(spec.timeoutMs);
    let response: AxiosResponse<string>;
    try {
      response = await this.#http.request<string>({
        method: spec.method,
        url: spec.path,
        params: spec.query,
        data: spec.body,
        timeout: spec.timeoutMs,
        signal: deadline,
        headers: { Authorization: `Bearer ${this.#apiKey}` },
      });
    } catch (error) {
      throw this.transportError(error, deadline.aborted, spec, label);
    }

    const status = response.status;
    const bodyText = this.redact(typeof response.data === 'string' ? response.data : '');
    this.#logger?.debug(
      { method: spec.method, path: spec.path, status, attempt, durationMs: Date.now() - startedAt },
      'Luma call answered',
    );
    if (status < 200 || status >= 300) {
      throw lumaErrorFromHttpAnswer({ status, bodyText, headers: { ...response.headers } }, label);
    }
    if (spec.schema === undefined) return undefined as CallResult<S>;
    return parseBody(spec.schema, bodyText, label, status) as CallResult<S>;
  }

  private transportError(
    error: unknown,
    deadlinePassed: boolean,
    spec: CallSpec<z.ZodType | undefined>,
    label: RequestLabel,
  ): unknown {
    // Anything that is not an axios error is a bug on our side: let it surface untouched.
    if (!loadAxios().isAxiosError(error)) return error;
    const code = error.code;
    const timedOut =
      deadlinePassed || code === 'ETIMEDOUT' || (code === 'ECONNABORTED' && /timeout/i.test(error.message));
    const message = this.redact(error.message || String(code ?? 'unknown error'));
    // The raw AxiosError carries the request config, Authorization header included: never attach it.
    const cause = Object.assign(new Error(message), { code });
    return lumaErrorFromTransportFailure(
      { code, message, timedOut, timeoutMs: spec.timeoutMs, billedCall: spec.method === 'POST', cause },
      label,
      this.baseUrl,
    );
  }

  /** Belt and braces: should Luma or a proxy ever echo the key back, it does not reach our messages or logs. */
  private redact(text: string): string {
    return text.split(this.#apiKey).join('[redacted]');
  }
}

function generationPath(id: string): string {
  // An empty id would silently turn GET /generations/{id} into the list endpoint.
  if (typeof id !== 'string' || id.trim() === '') throw new RangeError('A Luma generation id must be a non-empty string');
  return `/generations/${encodeURIComponent(id)}`;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
