/**
 * Generation lifecycle: admission (limits, credits), then queued → inputs read → dreaming → completed | failed
 * over time, with the asset rendered for real while dreaming. Completion waits for the render when ffmpeg is slower than
 * `dreamingMs`. Every step runs under the generation's AbortController, so delete() and close() stop it cleanly.
 * Each state change is sent to the generation's callback URL (callbacks.ts). This module holds the state
 * progression and its timers; the records and the queries over them are in generation-record.ts and
 * generation-registry.ts, the render itself in generation-render.ts.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssetSigner } from './assets';
import { CallbackSender } from './callbacks';
import type { ModelFamily, ResolvedSimulatorOptions, SimLogger, TimingOptions } from './config';
import { CreditLedger } from './credits';
import { FaultInjector } from './faults';
import { GenerationFailure } from './generation-asset';
import { assetMedia, generationJson, isTerminal, type GenerationRecord, type LifecycleCounters, type Submission } from './generation-record';
import { GenerationRegistry, TerminalWaiters } from './generation-registry';
import { preflight, renderGeneration } from './generation-render';
import { fetchInputImages } from './inputs';
import { CreateLimiter, InFlightSummary } from './limits';
import { RenderAbortedError } from './render';
import { RenderReuse } from './render-reuse';
import { Semaphore } from './semaphore';
import { GENERATION_TYPES, GenerationState, GenerationType, HttpError, LumaGenerationJson } from './types';
import type { GenerationLookup } from './validation';

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

export class GenerationEngine {
  readonly counters: LifecycleCounters = {
    creates: Object.fromEntries(GENERATION_TYPES.map((t) => [t, 0])) as Record<GenerationType, number>,
    rateLimited: 0,
    insufficientCredits: 0,
    completed: 0,
    failed: 0,
    deletes: 0,
    deletesInFlight: 0,
  };
  private readonly registry = new GenerationRegistry();
  private readonly terminalWaiters = new TerminalWaiters();
  private readonly runs = new Set<Promise<void>>();
  private readonly renderSlots: Semaphore;
  private readonly renderReuse: RenderReuse | undefined;
  private timing: TimingOptions;
  private readonly log: SimLogger;
  private closed = false;

  constructor(private readonly deps: LifecycleDeps) {
    this.timing = { ...deps.options.timing };
    this.renderSlots = new Semaphore(deps.options.renderConcurrency);
    this.renderReuse = deps.options.reuseRenders ? new RenderReuse(path.join(deps.assetRoot, '.reused-renders')) : undefined;
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
    return this.registry.get(id);
  }

  /** What validation may see: deleted generations do not exist any more. */
  readonly lookup: GenerationLookup = this.registry.lookup;

  all(): GenerationRecord[] {
    return this.registry.all();
  }

  /** Newest first, deleted ones left out. */
  page(limit: number, offset: number): { items: GenerationRecord[]; hasMore: boolean } {
    return this.registry.page(limit, offset);
  }

  inFlight(family: ModelFamily): InFlightSummary {
    return this.registry.inFlight(family);
  }

  toJson(rec: GenerationRecord): LumaGenerationJson {
    return generationJson(rec);
  }

  /** Resolves when the generation is completed, failed or deleted, or after `timeoutMs`. */
  waitForTerminal(id: string, timeoutMs: number): Promise<void> {
    const rec = this.registry.get(id);
    if (!rec || rec.deleted || isTerminal(rec.state) || this.closed) return Promise.resolve();
    return this.terminalWaiters.wait(id, timeoutMs);
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
    const isImage = sub.family === 'photon';
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
      facts: { ...sub.facts },
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
    this.registry.add(rec);
    this.counters.creates[sub.generationType]++;
    this.log('info', 'luma-sim: generation created', { id: rec.id, type: rec.generationType, model: rec.model });

    const run = this.run(rec).finally(() => this.runs.delete(run));
    this.runs.add(run);
    return rec;
  }

  /** Marks deleted (GET then 404s), stops its work and removes its files. */
  delete(id: string): boolean {
    const rec = this.registry.get(id);
    if (!rec || rec.deleted) return false;
    this.counters.deletes++;
    if (!isTerminal(rec.state)) {
      this.counters.deletesInFlight++;
      rec.endedAt = Date.now();
    }
    rec.deleted = true;
    rec.abort.abort();
    this.terminalWaiters.wake(rec.id);
    void fs.promises.rm(this.generationDir(rec.id), { recursive: true, force: true }).catch(() => undefined);
    this.log('info', 'luma-sim: generation deleted', { id });
    return true;
  }

  /** Stops every timer and render and waits for the lifecycles to unwind. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const rec of this.registry.all()) rec.abort.abort();
    this.terminalWaiters.wakeAll();
    await Promise.allSettled([...this.runs]);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lifecycle

  private async run(rec: GenerationRecord): Promise<void> {
    const signal = rec.abort.signal;
    const workDir = path.join(this.generationDir(rec.id), 'work');
    try {
      const isImage = rec.family === 'photon';
      await sleep(isImage ? this.timing.imageQueuedMs : this.timing.queuedMs, undefined, { signal });

      // Luma reads input media when the job starts; an unreadable (or unusable) one fails the generation right there.
      const { followUps } = this.deps.options;
      const fetched = await fetchInputImages(rec.inputImages, {
        dir: workDir,
        timeoutMs: this.deps.options.inputFetchTimeoutMs,
        allowRemote: this.deps.options.allowRemoteInputs,
        maxVideoSeconds: followUps.maxInputVideoSeconds,
        maxVideoBytes: followUps.maxInputVideoBytes,
        signal,
      });
      if (!fetched.ok) {
        this.log('info', 'luma-sim: input unreadable', { id: rec.id, field: fetched.field, url: fetched.url, why: fetched.why });
        this.fail(rec, fetched.reason);
        return;
      }
      const refused = preflight(rec, fetched.inputs);
      if (refused !== null) {
        this.log('info', 'luma-sim: input refused', { id: rec.id, reason: refused });
        this.fail(rec, refused);
        return;
      }

      this.transition(rec, 'dreaming');
      const render =
        rec.plannedFailure === null
          ? renderGeneration(rec, fetched.inputs, {
              slots: this.renderSlots,
              generationDir: this.generationDir(rec.id),
              workDir,
              maxRenderHeight: this.deps.options.maxRenderHeight,
              reuse: this.renderReuse,
              log: this.log,
            })
          : undefined;
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
        if (err instanceof GenerationFailure) {
          this.fail(rec, err.reason);
          return;
        }
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

  private complete(rec: GenerationRecord): void {
    const asset = rec.asset!;
    const ttl = this.deps.faults.options.assetTtlMs;
    asset.expiresAt = ttl > 0 ? Date.now() + ttl : 0;
    const url = this.deps.signer.url(this.deps.origin(), rec.id, asset.file, asset.expiresAt);
    // The file outlives its URL: upscale, audio and extend of this generation read it later, as Luma keeps it.
    rec.assets = assetMedia(rec.generationType) === 'video' ? { video: url } : { image: url };
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
    if (isTerminal(state)) rec.endedAt = Date.now();
    this.log('debug', `luma-sim: ${rec.id} → ${state}`, state === 'failed' ? { reason: rec.failureReason } : undefined);
    if (rec.callbackUrl) this.deps.callbacks.send(rec.callbackUrl, this.toJson(rec));
    if (isTerminal(state)) this.terminalWaiters.wake(rec.id);
  }

  private generationDir(id: string): string {
    return path.join(this.deps.assetRoot, id);
  }
}
