/**
 * Simulator options: their defaults, how partial options are merged and which values are refused. Reading them
 * from `LUMA_SIM_*` environment variables is config-env.ts.
 */
import os from 'node:os';

/** Luma's failure reasons as reported in the wild (LUMA_API.md, "Generation object"). */
export const LUMA_FAILURE_REASONS: readonly string[] = [
  'Contains blacklisted words',
  'Failed to read user input frames',
  'Frame moderation failed',
  'Advanced prompt moderation failed',
  'Prompt processing failed',
  'Error dispatching job',
  'Job failed',
  'Error processing callback',
];

/** Ray (video) and Photon (image) have separate concurrency and rate budgets at Luma. */
export type ModelFamily = 'ray' | 'photon';
export type FamilyLimits = Record<ModelFamily, number>;

export interface TimingOptions {
  /** Time a video generation spends `queued` before it starts (ms). */
  queuedMs: number;
  /** Time a video generation spends `dreaming`; completion also waits for the real render (ms). */
  dreamingMs: number;
  /** Same for image (Photon) generations, which Luma finishes much faster than videos. */
  imageQueuedMs: number;
  imageDreamingMs: number;
}

export interface LimitOptions {
  /** Non-terminal generations allowed per family; one more create answers 429. */
  maxConcurrent: FamilyLimits;
  /** Accepted creates per family in any sliding 60 s window; one more answers 429. */
  createsPerMinute: FamilyLimits;
}

export interface FaultOptions {
  /** Probability (0..1) that an accepted generation ends `failed` with one of `failureReasons`. */
  failureRate: number;
  failureReasons: string[];
  /** Probability (0..1) that any API request answers 500/502/503 before doing any work. */
  serverErrorRate: number;
  /** Extra latency added to every API answer (ms). */
  slowMs: number;
  /** Lifetime of signed asset URLs, counted from completion (ms). 0 = never expire. */
  assetTtlMs: number;
  /** How many times each state callback is POSTed (Luma: "called multiple times for a status"). */
  duplicateCallbacks: number;
  /** Probability (0..1) that a callback delivery is silently lost (never sent), so polling must back it up. */
  callbackFailureRate: number;
  /** Prompts containing one of these words (case-insensitive) fail with "Contains blacklisted words". */
  blacklistedWords: string[];
}

/** What an extension's asset holds: the whole chain joined into one video, or only the new clip. */
export const EXTEND_OUTPUTS = ['joined', 'continuation'] as const;
export type ExtendOutput = (typeof EXTEND_OUTPUTS)[number];

/**
 * Limits of the follow-up operations (extend, modify, reframe). Luma documents some of them loosely or not at
 * all, so they are options: the defaults are our best reading (packages/luma-sim/README.md, "Assumptions").
 */
export interface FollowUpOptions {
  /** Longest video an extension chain may reach, in seconds; an extend beyond it answers 400. */
  maxExtendedSeconds: number;
  /** Longest input video modify and reframe accept, in seconds; a longer one fails the generation once read. */
  maxInputVideoSeconds: number;
  /** Largest input video modify and reframe accept, in bytes. */
  maxInputVideoBytes: number;
  /** `joined` (default): an extension's video is its source followed by the new clip; `continuation`: only the new clip. */
  extendOutput: ExtendOutput;
}

export type SimLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type SimLogger = (level: SimLogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface SimulatorOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0 = any free port). */
  port?: number;
  /** Accepted bearer keys (default ['sim-key']). */
  apiKeys?: string[];
  timing?: Partial<TimingOptions>;
  limits?: { maxConcurrent?: Partial<FamilyLimits>; createsPerMinute?: Partial<FamilyLimits> };
  faults?: Partial<FaultOptions>;
  followUps?: Partial<FollowUpOptions>;
  /** Initial credit balance in USD cents (default 100000 = $1000). */
  credits?: number;
  /** Where rendered assets live (default: a fresh temp dir, removed by close()). A given dir is not removed. */
  assetDir?: string;
  /** Seed of the PRNG behind every fault decision, so a run with the same seed injects the same faults. */
  seed?: number | string;
  /**
   * Cap on the rendered SHORT side in pixels (default 1080): a 4k request is rendered at 1080 on its short side
   * to keep CPU sane, but the generation still reports the requested resolution.
   */
  maxRenderHeight?: number;
  /** ffmpeg renders running at once (default: CPU count, at most 4); more wait their turn. */
  renderConcurrency?: number;
  /**
   * Render each size and length of plain text video once and serve copies after (default false): for benchmarks
   * of the pipeline on the machine that also runs the simulator (render-reuse.ts).
   */
  reuseRenders?: boolean;
  /**
   * Fetch input images from hosts other than localhost/127.0.0.1/::1 (default false: such URLs fail at once
   * with "Failed to read user input frames", because this machine has no other network).
   */
  allowRemoteInputs?: boolean;
  /** Timeout of each input image fetch (default 5000 ms). */
  inputFetchTimeoutMs?: number;
  log?: SimLogger;
}

export interface ResolvedSimulatorOptions {
  host: string;
  port: number;
  apiKeys: string[];
  timing: TimingOptions;
  limits: LimitOptions;
  faults: FaultOptions;
  followUps: FollowUpOptions;
  credits: number;
  assetDir: string | undefined;
  seed: number;
  maxRenderHeight: number;
  renderConcurrency: number;
  reuseRenders: boolean;
  allowRemoteInputs: boolean;
  inputFetchTimeoutMs: number;
  log: SimLogger;
}

export const DEFAULT_TIMING: TimingOptions = { queuedMs: 1000, dreamingMs: 8000, imageQueuedMs: 500, imageDreamingMs: 3000 };
export const DEFAULT_LIMITS: LimitOptions = {
  maxConcurrent: { ray: 10, photon: 40 },
  createsPerMinute: { ray: 20, photon: 80 },
};
export const DEFAULT_FAULTS: FaultOptions = {
  failureRate: 0,
  failureReasons: [...LUMA_FAILURE_REASONS],
  serverErrorRate: 0,
  slowMs: 0,
  assetTtlMs: 10 * 60_000,
  duplicateCallbacks: 2,
  callbackFailureRate: 0,
  blacklistedWords: [],
};
export const DEFAULT_CREDITS_CENTS = 100_000;
export const DEFAULT_FOLLOW_UPS: FollowUpOptions = {
  maxExtendedSeconds: 30,
  maxInputVideoSeconds: 10,
  maxInputVideoBytes: 100 * 1024 * 1024,
  extendOutput: 'joined',
};

const noopLogger: SimLogger = () => undefined;

export function resolveOptions(opts: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const resolved: ResolvedSimulatorOptions = {
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    apiKeys: opts.apiKeys && opts.apiKeys.length > 0 ? [...opts.apiKeys] : ['sim-key'],
    timing: { ...DEFAULT_TIMING, ...definedOnly(opts.timing) },
    limits: {
      maxConcurrent: { ...DEFAULT_LIMITS.maxConcurrent, ...definedOnly(opts.limits?.maxConcurrent) },
      createsPerMinute: { ...DEFAULT_LIMITS.createsPerMinute, ...definedOnly(opts.limits?.createsPerMinute) },
    },
    faults: mergeFaults(DEFAULT_FAULTS, opts.faults),
    followUps: { ...DEFAULT_FOLLOW_UPS, ...definedOnly(opts.followUps) },
    credits: opts.credits ?? DEFAULT_CREDITS_CENTS,
    assetDir: opts.assetDir,
    seed: seedToNumber(opts.seed),
    maxRenderHeight: opts.maxRenderHeight ?? 1080,
    renderConcurrency: opts.renderConcurrency ?? Math.max(1, Math.min(4, os.availableParallelism())),
    reuseRenders: opts.reuseRenders ?? false,
    allowRemoteInputs: opts.allowRemoteInputs ?? false,
    inputFetchTimeoutMs: opts.inputFetchTimeoutMs ?? 5000,
    log: opts.log ?? noopLogger,
  };
  checkRanges(resolved);
  return resolved;
}

export function mergeFaults(base: FaultOptions, partial: Partial<FaultOptions> | undefined): FaultOptions {
  const merged = { ...base, ...definedOnly(partial) };
  merged.failureReasons = merged.failureReasons.length > 0 ? [...merged.failureReasons] : [...LUMA_FAILURE_REASONS];
  merged.blacklistedWords = [...merged.blacklistedWords];
  return merged;
}

/** Options that would make the sim misbehave silently are refused at start-up instead. */
export function checkRanges(o: Pick<ResolvedSimulatorOptions, 'timing' | 'limits' | 'faults'> & Partial<ResolvedSimulatorOptions>): void {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(o.timing)) if (!(Number.isFinite(v) && v >= 0)) problems.push(`timing.${k} must be >= 0`);
  for (const group of ['maxConcurrent', 'createsPerMinute'] as const) {
    for (const [k, v] of Object.entries(o.limits[group])) {
      if (!(Number.isInteger(v) && v >= 1)) problems.push(`limits.${group}.${k} must be an integer >= 1`);
    }
  }
  for (const k of ['failureRate', 'serverErrorRate', 'callbackFailureRate'] as const) {
    const v = o.faults[k];
    if (!(Number.isFinite(v) && v >= 0 && v <= 1)) problems.push(`faults.${k} must be within [0, 1]`);
  }
  for (const k of ['slowMs', 'assetTtlMs'] as const) {
    if (!(Number.isFinite(o.faults[k]) && o.faults[k] >= 0)) problems.push(`faults.${k} must be >= 0`);
  }
  if (!(Number.isInteger(o.faults.duplicateCallbacks) && o.faults.duplicateCallbacks >= 1)) {
    problems.push('faults.duplicateCallbacks must be an integer >= 1');
  }
  if (o.maxRenderHeight !== undefined && !(Number.isInteger(o.maxRenderHeight) && o.maxRenderHeight >= 64)) {
    problems.push('maxRenderHeight must be an integer >= 64');
  }
  if (o.renderConcurrency !== undefined && !(Number.isInteger(o.renderConcurrency) && o.renderConcurrency >= 1)) {
    problems.push('renderConcurrency must be an integer >= 1');
  }
  if (o.credits !== undefined && !Number.isFinite(o.credits)) problems.push('credits must be a number');
  if (o.followUps !== undefined) problems.push(...followUpProblems(o.followUps));
  if (problems.length > 0) throw new Error(`Invalid Luma simulator options: ${problems.join('; ')}`);
}

function followUpProblems(f: FollowUpOptions): string[] {
  const problems: string[] = [];
  for (const k of ['maxExtendedSeconds', 'maxInputVideoSeconds', 'maxInputVideoBytes'] as const) {
    if (!(Number.isFinite(f[k]) && f[k] > 0)) problems.push(`followUps.${k} must be > 0`);
  }
  if (!EXTEND_OUTPUTS.includes(f.extendOutput)) problems.push(`followUps.extendOutput must be one of ${EXTEND_OUTPUTS.join(', ')}`);
  return problems;
}

/** Strings hash to a 32-bit seed (FNV-1a); no seed at all picks a random one, reported by `seed`. */
export function seedToNumber(seed: number | string | undefined): number {
  if (seed === undefined) return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
  if (typeof seed === 'number' && Number.isFinite(seed)) return Math.trunc(seed) >>> 0;
  let h = 0x811c9dc5;
  for (const ch of String(seed)) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function definedOnly<T extends object>(partial: Partial<T> | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!partial) return out;
  for (const [k, v] of Object.entries(partial)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
