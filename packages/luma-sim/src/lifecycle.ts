/**
 * Generation lifecycle: admission (limits, credits), then queued → dreaming → completed | failed over time,
 * with the asset rendered for real while dreaming. Completion waits for the render when ffmpeg is slower than
 * `dreamingMs`. Every step runs under the generation's AbortController, so delete() and close() stop it cleanly.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssetSigner } from './assets';
import { CallbackSender } from './callbacks';
import type { ModelFamily, ResolvedSimulatorOptions, SimLogger, TimingOptions } from './config';
import { CreditLedger } from './credits';
import { SHORT_SIDE_PX, Size, imageSize, videoSize } from './dimensions';
import { FaultInjector } from './faults';
import { fetchInputImages, FetchedInput, INPUT_FRAMES_FAILURE } from './inputs';
import { CreateLimiter, InFlightSummary } from './limits';
import { RenderAbortedError, renderImage, renderVideo, RenderText } from './render';
import { Semaphore } from './semaphore';
import {
  AspectRatio,
  Duration,
  GenerationState,
  GenerationType,
  HttpError,
  ImageFormat,
  LumaGenerationJson,
  Resolution,
} from './types';
import type { ExistingGeneration, InputImage } from './validation';

/** What to render, fixed at admission. */
export type RenderPlan =
  | {
      kind: 'video';
      prompt: string;
      aspectRatio: AspectRatio;
      resolution: Resolution;
      duration: Duration;
      withAudio: boolean;
      /** URL of the input image painted as background (an image keyframe), if any. */
      backgroundUrl?: string;
      note?: string;
    }
  | { kind: 'image'; prompt: string; aspectRatio: AspectRatio; format: ImageFormat; backgroundUrl?: string };

export interface GenerationRecord {
  id: string;
  generationType: GenerationType;
  family: ModelFamily;
  model: string;
  createdAt: number;
  state: GenerationState;
  failureReason: string | null;
  /** The body exactly as received. */
  requestBody: unknown;
  /** What `request` shows on the wire. */
  requestEcho: Record<string, unknown>;
  plan: RenderPlan;
  inputImages: InputImage[];
  /** Decided at admission so that fault injection is reproducible per seed. */
  plannedFailure: string | null;
  callbackUrl?: string;
  chargedCents: number;
  refunded: boolean;
  deleted: boolean;
  /** When the generation should finish if nothing is slow (for Retry-After). */
  expectedEndMs: number;
  assets: { video?: string; image?: string } | null;
  asset?: { path: string; file: string; contentType: string; expiresAt: number };
  renderedSize?: Size;
  abort: AbortController;
}

export interface Submission {
  generationType: GenerationType;
  family: ModelFamily;
  model: string;
  requestBody: unknown;
  plan: RenderPlan;
  inputImages: InputImage[];
  callbackUrl?: string;
  costCents: number;
  /** Text that blacklisted-word checks look at. */
  promptForModeration?: string;
}

export interface LifecycleCounters {
  creates: Record<GenerationType, number>;
  rateLimited: number;
  insufficientCredits: number;
  completed: number;
  failed: number;
}

export interface LifecycleDeps {
  options: ResolvedSimulatorOptions;
  faults: FaultInjector;
  limiter: CreateLimiter;
  ledger: CreditLedger;
  callbacks: CallbackSender;
  signer: AssetSigner;
  /** Root under which each generation gets `<id>/`. */
  assetRoot: string;
  /** Origin for asset URLs (known only once the server listens). */
  origin: () => string;
}

const CONTENT_TYPES: Record<string, string> = { mp4: 'video/mp4', jpg: 'image/jpeg', png: 'image/png' };

export class GenerationEngine {
  readonly counters: LifecycleCounters = {
    creates: { video: 0, image: 0, upscale_video: 0, add_audio: 0 },
    rateLimited: 0,
    insufficientCredits: 0,
    completed: 0,
    failed: 0,
  };
  private readonly records = new Map<string, GenerationRecord>();
  /** Creation order; the list endpoint walks it backwards (newest first). */
  private readonly order: GenerationRecord[] = [];
  private readonly runs = new Set<Promise<void>>();
  private readonly expiryTimers = new Set<NodeJS.Timeout>();
  private readonly terminalWaiters = new Map<string, Set<() => void>>();
  private readonly renderSlots: Semaphore;
  private timing: TimingOptions;
  private readonly log: SimLogger;
  private closed = false;

  constructor(private readonly deps: LifecycleDeps) {
    this.timing = { ...deps.options.timing };
    this.renderSlots = new Semaphore(deps.options.renderConcurrency);
    this.log = deps.options.log;
  }

  setTiming(partial: Partial<TimingOptions>): void {
    const next = { ...this.timing };
    for (const [k, v] of Object.entries(partial) as [keyof TimingOptions, number | undefined][]) {
      if (v === undefined) continue;
      if (!(Number.isFinite(v) && v >= 0)) throw new Error(`timing.${k} must be >= 0`);
      next[k] = v;
    }
    this.timing = next;
  }

  get timingOptions(): Readonly<TimingOptions> {
    return this.timing;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Queries

  /** Any record, deleted or not. */
  get(id: string): GenerationRecord | undefined {
    return this.records.get(id);
  }

  /** What validation may see: deleted generations do not exist any more. */
  lookup = (id: string): ExistingGeneration | undefined => {
    const rec = this.records.get(id);
    if (!rec || rec.deleted) return undefined;
    return {
      generationType: rec.generationType,
      state: rec.state,
      resolution: rec.plan.kind === 'video' ? rec.plan.resolution : undefined,
    };
  };

  all(): GenerationRecord[] {
    return [...this.order];
  }

  /** Newest first, deleted ones left out. */
  page(limit: number, offset: number): { items: GenerationRecord[]; hasMore: boolean } {
    const visible = this.order.filter((r) => !r.deleted).reverse();
    return { items: visible.slice(offset, offset + limit), hasMore: offset + limit < visible.length };
  }

  inFlight(family: ModelFamily): InFlightSummary {
    let count = 0;
    let earliest: number | undefined;
    for (const r of this.order) {
      if (r.family !== family || r.deleted || isTerminal(r.state)) continue;
      count++;
      earliest = earliest === undefined ? r.expectedEndMs : Math.min(earliest, r.expectedEndMs);
    }
    return { count, earliestExpectedEndMs: earliest };
  }

  toJson(rec: GenerationRecord): LumaGenerationJson {
    return {
      id: rec.id,
      generation_type: rec.generationType,
      state: rec.state,
      failure_reason: rec.failureReason,
      created_at: new Date(rec.createdAt).toISOString(),
      model: rec.model,
      assets: rec.assets ? { ...rec.assets } : null,
      request: structuredClone(rec.requestEcho),
    };
  }

  /** Resolves when the generation is completed, failed or deleted, or after `timeoutMs`. */
  waitForTerminal(id: string, timeoutMs: number): Promise<void> {
    const rec = this.records.get(id);
    if (!rec || rec.deleted || isTerminal(rec.state) || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.terminalWaiters.get(id) ?? new Set();
      this.terminalWaiters.set(id, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Commands

  /**
   * Admits a validated request: 429 over the family's limits, 402 without credits, else charges, records and
   * starts the generation. Checks run in that order so that a refused request costs nothing.
   */
  submit(sub: Submission): GenerationRecord {
    if (this.closed) throw new HttpError(503, { detail: 'Internal server error' });
    const decision = this.deps.limiter.check(sub.family, this.inFlight(sub.family));
    if (!decision.allowed) {
      this.counters.rateLimited++;
      this.log('info', `luma-sim: 429 (${decision.reason})`, { family: sub.family, retryAfter: decision.retryAfterSeconds });
      throw new HttpError(429, { detail: 'Too many requests' }, { 'Retry-After': String(decision.retryAfterSeconds) });
    }
    if (!this.deps.ledger.tryCharge(sub.costCents)) {
      this.counters.insufficientCredits++;
      throw new HttpError(402, { detail: 'Insufficient credits' });
    }
    this.deps.limiter.recordAccepted(sub.family);

    const now = Date.now();
    const isImage = sub.plan.kind === 'image';
    const rec: GenerationRecord = {
      id: randomUUID(),
      generationType: sub.generationType,
      family: sub.family,
      model: sub.model,
      createdAt: now,
      state: 'queued',
      failureReason: null,
      requestBody: structuredClone(sub.requestBody),
      requestEcho: { ...(sub.requestBody as Record<string, unknown>), generation_type: sub.generationType },
      plan: sub.plan,
      inputImages: sub.inputImages,
      plannedFailure: this.deps.faults.plannedFailure(sub.promptForModeration),
      callbackUrl: sub.callbackUrl,
      chargedCents: sub.costCents,
      refunded: false,
      deleted: false,
      expectedEndMs:
        now + (isImage ? this.timing.imageQueuedMs + this.timing.imageDreamingMs : this.timing.queuedMs + this.timing.dreamingMs),
      assets: null,
      abort: new AbortController(),
    };
    this.records.set(rec.id, rec);
    this.order.push(rec);
    this.counters.creates[sub.generationType]++;
    this.log('info', 'luma-sim: generation created', { id: rec.id, type: rec.generationType, model: rec.model });

    const run = this.run(rec).finally(() => this.runs.delete(run));
    this.runs.add(run);
    return rec;
  }

  /** Marks deleted (GET then 404s), stops its work and removes its files. */
  delete(id: string): boolean {
    const rec = this.records.get(id);
    if (!rec || rec.deleted) return false;
    rec.deleted = true;
    rec.abort.abort();
    this.wakeWaiters(rec.id);
    void fs.promises.rm(this.generationDir(rec.id), { recursive: true, force: true }).catch(() => undefined);
    this.log('info', 'luma-sim: generation deleted', { id });
    return true;
  }

  /** Stops every timer and render and waits for the lifecycles to unwind. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const rec of this.order) rec.abort.abort();
    for (const t of this.expiryTimers) clearTimeout(t);
    this.expiryTimers.clear();
    for (const id of [...this.terminalWaiters.keys()]) this.wakeWaiters(id);
    await Promise.allSettled([...this.runs]);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lifecycle

  private async run(rec: GenerationRecord): Promise<void> {
    const signal = rec.abort.signal;
    const workDir = path.join(this.generationDir(rec.id), 'work');
    try {
      const isImage = rec.plan.kind === 'image';
      await sleep(isImage ? this.timing.imageQueuedMs : this.timing.queuedMs, undefined, { signal });

      // Luma reads input images when the job starts; an unreadable one fails the generation right there.
      const fetched = await fetchInputImages(rec.inputImages, {
        dir: workDir,
        timeoutMs: this.deps.options.inputFetchTimeoutMs,
        allowRemote: this.deps.options.allowRemoteInputs,
        signal,
      });
      if (!fetched.ok) {
        this.log('info', 'luma-sim: input image unreadable', { id: rec.id, field: fetched.field, url: fetched.url, why: fetched.why });
        this.fail(rec, INPUT_FRAMES_FAILURE);
        return;
      }

      this.transition(rec, 'dreaming');
      const render = rec.plannedFailure === null ? this.render(rec, fetched.inputs, workDir) : undefined;
      // Observed later; without this an early render error would be an unhandled rejection while we sleep.
      render?.catch(() => undefined);
      await sleep(isImage ? this.timing.imageDreamingMs : this.timing.dreamingMs, undefined, { signal });

      if (rec.plannedFailure !== null) {
        this.fail(rec, rec.plannedFailure);
        return;
      }
      try {
        await render;
      } catch (err) {
        if (signal.aborted) return;
        this.log('error', 'luma-sim: render failed', { id: rec.id, error: (err as Error).message });
        this.fail(rec, 'Job failed');
        return;
      }
      this.complete(rec);
    } catch (err) {
      if (signal.aborted || err instanceof RenderAbortedError) return;
      this.log('error', 'luma-sim: lifecycle error', { id: rec.id, error: (err as Error).message });
      this.fail(rec, 'Job failed');
    } finally {
      await fs.promises.rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async render(rec: GenerationRecord, inputs: FetchedInput[], workDir: string): Promise<void> {
    const signal = rec.abort.signal;
    const release = await this.renderSlots.acquire(signal);
    try {
      await fs.promises.mkdir(workDir, { recursive: true });
      const plan = rec.plan;
      const background = plan.backgroundUrl ? inputs.find((i) => i.url === plan.backgroundUrl)?.file : undefined;
      if (plan.kind === 'video') {
        const size = videoSize(plan.resolution, plan.aspectRatio, this.deps.options.maxRenderHeight);
        const file = 'video.mp4';
        const outPath = path.join(this.generationDir(rec.id), file);
        const rendered = Math.min(size.width, size.height);
        const capped = rendered < SHORT_SIDE_PX[plan.resolution] ? ` (rendered at ${rendered}p)` : '';
        const text: RenderText = {
          title: `${rec.model} · ${plan.resolution}${capped} · ${plan.aspectRatio} · ${plan.duration} · ${rec.id.slice(0, 8)}`,
          prompt: plan.note ? `${plan.prompt}\n${plan.note}` : plan.prompt,
        };
        await renderVideo({
          outPath,
          workDir,
          size,
          durationSeconds: Number.parseInt(plan.duration, 10),
          text,
          backgroundImage: background,
          withAudio: plan.withAudio,
          signal,
          log: this.log,
        });
        rec.asset = { path: outPath, file, contentType: CONTENT_TYPES.mp4, expiresAt: 0 };
        rec.renderedSize = size;
      } else {
        const size = imageSize(plan.aspectRatio);
        const file = `image.${plan.format}`;
        const outPath = path.join(this.generationDir(rec.id), file);
        await renderImage({
          outPath,
          workDir,
          size,
          format: plan.format,
          text: { title: `${rec.model} · ${plan.aspectRatio} · ${rec.id.slice(0, 8)}`, prompt: plan.prompt },
          backgroundImage: background,
          signal,
          log: this.log,
        });
        rec.asset = { path: outPath, file, contentType: CONTENT_TYPES[plan.format], expiresAt: 0 };
        rec.renderedSize = size;
      }
    } finally {
      release();
    }
  }

  private complete(rec: GenerationRecord): void {
    const asset = rec.asset!;
    const ttl = this.deps.faults.options.assetTtlMs;
    asset.expiresAt = ttl > 0 ? Date.now() + ttl : 0;
    const url = this.deps.signer.url(this.deps.origin(), rec.id, asset.file, asset.expiresAt);
    rec.assets = rec.plan.kind === 'video' ? { video: url } : { image: url };
    if (ttl > 0) {
      // Expired files are useless (their URL answers 403), so free the disk.
      const timer = setTimeout(() => {
        this.expiryTimers.delete(timer);
        void fs.promises.rm(asset.path, { force: true }).catch(() => undefined);
      }, ttl + 1000);
      timer.unref();
      this.expiryTimers.add(timer);
    }
    this.counters.completed++;
    this.transition(rec, 'completed');
  }

  private fail(rec: GenerationRecord, reason: string): void {
    if (rec.deleted || isTerminal(rec.state)) return;
    rec.failureReason = reason;
    if (rec.chargedCents > 0 && !rec.refunded) {
      this.deps.ledger.refund(rec.chargedCents);
      rec.refunded = true;
    }
    this.counters.failed++;
    this.transition(rec, 'failed');
  }

  private transition(rec: GenerationRecord, state: GenerationState): void {
    if (rec.deleted) return;
    rec.state = state;
    this.log('debug', `luma-sim: ${rec.id} → ${state}`, state === 'failed' ? { reason: rec.failureReason } : undefined);
    if (rec.callbackUrl) this.deps.callbacks.send(rec.callbackUrl, this.toJson(rec));
    if (isTerminal(state)) this.wakeWaiters(rec.id);
  }

  private wakeWaiters(id: string): void {
    const waiters = this.terminalWaiters.get(id);
    if (!waiters) return;
    this.terminalWaiters.delete(id);
    for (const wake of [...waiters]) wake();
  }

  private generationDir(id: string): string {
    return path.join(this.deps.assetRoot, id);
  }
}

export function isTerminal(state: GenerationState): boolean {
  return state === 'completed' || state === 'failed';
}
