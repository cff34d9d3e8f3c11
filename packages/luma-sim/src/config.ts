/**
 * Simulator options: their defaults, how partial options are merged, and how they are read from `LUMA_SIM_*`
 * environment variables (so `npm start` and the local stack can tune the sim without code).
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
  credits: number;
  assetDir: string | undefined;
  seed: number;
  maxRenderHeight: number;
  renderConcurrency: number;
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
    credits: opts.credits ?? DEFAULT_CREDITS_CENTS,
    assetDir: opts.assetDir,
    seed: seedToNumber(opts.seed),
    maxRenderHeight: opts.maxRenderHeight ?? 1080,
    renderConcurrency: opts.renderConcurrency ?? Math.max(1, Math.min(4, os.availableParallelism())),
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
  if (problems.length > 0) throw new Error(`Invalid Luma simulator options: ${problems.join('; ')}`);
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

// ---------------------------------------------------------------------------------------------------------------
// Environment

/** Every variable `simulatorOptionsFromEnv` reads, with what it means (also printed by the standalone main). */
export const SIMULATOR_ENV_VARS: Readonly<Record<string, string>> = {
  LUMA_SIM_HOST: 'interface to listen on (default 127.0.0.1)',
  LUMA_SIM_PORT: 'port (default 0 = any free port)',
  LUMA_SIM_API_KEY: 'accepted bearer key(s), comma-separated (default sim-key)',
  LUMA_SIM_QUEUED_MS: 'video time in queued (default 1000)',
  LUMA_SIM_DREAMING_MS: 'video time in dreaming (default 8000)',
  LUMA_SIM_IMAGE_QUEUED_MS: 'image time in queued (default 500)',
  LUMA_SIM_IMAGE_DREAMING_MS: 'image time in dreaming (default 3000)',
  LUMA_SIM_MAX_CONCURRENT: 'concurrent generations: N for both families, or ray=N,photon=M (default ray=10,photon=40)',
  LUMA_SIM_CREATES_PER_MINUTE: 'creates per sliding minute: N or ray=N,photon=M (default ray=20,photon=80)',
  LUMA_SIM_FAILURE_RATE: 'probability 0..1 that a generation fails (default 0)',
  LUMA_SIM_FAILURE_REASONS: 'failure reasons to pick from, separated by | (default: Luma\'s list)',
  LUMA_SIM_BLACKLISTED_WORDS: 'comma-separated words whose prompts fail with "Contains blacklisted words"',
  LUMA_SIM_SERVER_ERROR_RATE: 'probability 0..1 that a request answers 500/502/503 (default 0)',
  LUMA_SIM_SLOW_MS: 'latency added to every API answer (default 0)',
  LUMA_SIM_ASSET_TTL_MS: 'asset URL lifetime after completion, 0 = never expire (default 600000)',
  LUMA_SIM_DUPLICATE_CALLBACKS: 'times each state callback is sent (default 2)',
  LUMA_SIM_CALLBACK_FAILURE_RATE: 'probability 0..1 that a callback delivery is lost (default 0)',
  LUMA_SIM_CREDITS: 'initial credit balance in USD cents (default 100000)',
  LUMA_SIM_ASSET_DIR: 'where assets are rendered (default: a temp dir removed on close)',
  LUMA_SIM_SEED: 'PRNG seed (number or string) for reproducible fault injection',
  LUMA_SIM_MAX_RENDER_HEIGHT: 'cap on the rendered short side in px; 4k is reported but rendered smaller (default 1080)',
  LUMA_SIM_RENDER_CONCURRENCY: 'ffmpeg renders at once (default: CPUs, at most 4)',
  LUMA_SIM_ALLOW_REMOTE_INPUTS: 'true: fetch input images from any host, not just localhost (default false)',
};

/**
 * Reads `LUMA_SIM_*` variables into options; unset or empty variables keep the defaults. A malformed value
 * throws (naming the variable) instead of being ignored, because a silently ignored fault knob makes tests lie.
 */
export function simulatorOptionsFromEnv(env: Record<string, string | undefined> = process.env): SimulatorOptions {
  const read = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const num = (name: string, check: (n: number) => boolean = (n) => n >= 0): number | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || !check(n)) throw new Error(`${name}: invalid value ${JSON.stringify(raw)}`);
    return n;
  };
  const rate = (name: string) => num(name, (n) => n >= 0 && n <= 1);
  const int = (name: string, min: number) => num(name, (n) => Number.isInteger(n) && n >= min);
  const list = (name: string, sep: string) =>
    read(name)
      ?.split(sep)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  const familyLimits = (name: string): Partial<FamilyLimits> | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const bad = () => new Error(`${name}: expected N or ray=N,photon=M, got ${JSON.stringify(raw)}`);
    if (/^\d+$/.test(raw)) {
      const n = Number(raw);
      if (n < 1) throw bad();
      return { ray: n, photon: n };
    }
    const out: Partial<FamilyLimits> = {};
    for (const part of raw.split(',')) {
      const m = /^\s*(ray|photon)\s*=\s*(\d+)\s*$/.exec(part);
      if (!m || Number(m[2]) < 1) throw bad();
      out[m[1] as ModelFamily] = Number(m[2]);
    }
    return out;
  };
  const bool = (name: string): boolean | undefined => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return undefined;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    throw new Error(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
  };

  const opts: SimulatorOptions = {};
  const host = read('LUMA_SIM_HOST');
  if (host !== undefined) opts.host = host;
  const port = int('LUMA_SIM_PORT', 0);
  if (port !== undefined) opts.port = port;
  const keys = list('LUMA_SIM_API_KEY', ',');
  if (keys && keys.length > 0) opts.apiKeys = keys;

  const timing: Partial<TimingOptions> = {
    queuedMs: num('LUMA_SIM_QUEUED_MS'),
    dreamingMs: num('LUMA_SIM_DREAMING_MS'),
    imageQueuedMs: num('LUMA_SIM_IMAGE_QUEUED_MS'),
    imageDreamingMs: num('LUMA_SIM_IMAGE_DREAMING_MS'),
  };
  if (Object.values(timing).some((v) => v !== undefined)) opts.timing = timing;

  const maxConcurrent = familyLimits('LUMA_SIM_MAX_CONCURRENT');
  const createsPerMinute = familyLimits('LUMA_SIM_CREATES_PER_MINUTE');
  if (maxConcurrent || createsPerMinute) opts.limits = { maxConcurrent, createsPerMinute };

  const faults: Partial<FaultOptions> = {
    failureRate: rate('LUMA_SIM_FAILURE_RATE'),
    failureReasons: list('LUMA_SIM_FAILURE_REASONS', '|'),
    blacklistedWords: list('LUMA_SIM_BLACKLISTED_WORDS', ','),
    serverErrorRate: rate('LUMA_SIM_SERVER_ERROR_RATE'),
    slowMs: num('LUMA_SIM_SLOW_MS'),
    assetTtlMs: num('LUMA_SIM_ASSET_TTL_MS'),
    duplicateCallbacks: int('LUMA_SIM_DUPLICATE_CALLBACKS', 1),
    callbackFailureRate: rate('LUMA_SIM_CALLBACK_FAILURE_RATE'),
  };
  if (Object.values(faults).some((v) => v !== undefined)) opts.faults = faults;

  const credits = num('LUMA_SIM_CREDITS', Number.isFinite);
  if (credits !== undefined) opts.credits = credits;
  const assetDir = read('LUMA_SIM_ASSET_DIR');
  if (assetDir !== undefined) opts.assetDir = assetDir;
  const seed = read('LUMA_SIM_SEED');
  if (seed !== undefined) opts.seed = /^\d+$/.test(seed) ? Number(seed) : seed;
  const maxRenderHeight = int('LUMA_SIM_MAX_RENDER_HEIGHT', 64);
  if (maxRenderHeight !== undefined) opts.maxRenderHeight = maxRenderHeight;
  const renderConcurrency = int('LUMA_SIM_RENDER_CONCURRENCY', 1);
  if (renderConcurrency !== undefined) opts.renderConcurrency = renderConcurrency;
  const allowRemote = bool('LUMA_SIM_ALLOW_REMOTE_INPUTS');
  if (allowRemote !== undefined) opts.allowRemoteInputs = allowRemote;
  return opts;
}
