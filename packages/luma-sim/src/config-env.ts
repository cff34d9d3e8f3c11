/**
 * Simulator options from `LUMA_SIM_*` environment variables, so `npm start` and the local stack can tune the sim
 * without code. Every variable is listed in SIMULATOR_ENV_VARS (the standalone main prints them with --help).
 */
import {
  EXTEND_OUTPUTS,
  type ExtendOutput,
  type FamilyLimits,
  type FaultOptions,
  type FollowUpOptions,
  type ModelFamily,
  type SimulatorOptions,
  type TimingOptions,
} from './config';

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
  LUMA_SIM_ALLOW_REMOTE_INPUTS: 'true: fetch input images and videos from any host, not just localhost (default false)',
  LUMA_SIM_MAX_EXTENDED_SECONDS: 'longest video an extension chain may reach, in s (default 30)',
  LUMA_SIM_MAX_INPUT_VIDEO_SECONDS: 'longest input video of modify/reframe, in s (default 10)',
  LUMA_SIM_MAX_INPUT_VIDEO_BYTES: 'largest input video of modify/reframe, in bytes (default 104857600)',
  LUMA_SIM_EXTEND_OUTPUT: 'joined (source + new clip, default) or continuation (new clip only)',
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
  const reuseRenders = bool('LUMA_SIM_REUSE_RENDERS');
  if (reuseRenders !== undefined) opts.reuseRenders = reuseRenders;
  const allowRemote = bool('LUMA_SIM_ALLOW_REMOTE_INPUTS');
  if (allowRemote !== undefined) opts.allowRemoteInputs = allowRemote;

  const extendOutput = read('LUMA_SIM_EXTEND_OUTPUT');
  if (extendOutput !== undefined && !EXTEND_OUTPUTS.includes(extendOutput as ExtendOutput)) {
    throw new Error(`LUMA_SIM_EXTEND_OUTPUT: expected ${EXTEND_OUTPUTS.join(' or ')}, got ${JSON.stringify(extendOutput)}`);
  }
  const positive = (name: string) => num(name, (n) => n > 0);
  const followUps: Partial<FollowUpOptions> = {
    maxExtendedSeconds: positive('LUMA_SIM_MAX_EXTENDED_SECONDS'),
    maxInputVideoSeconds: positive('LUMA_SIM_MAX_INPUT_VIDEO_SECONDS'),
    maxInputVideoBytes: positive('LUMA_SIM_MAX_INPUT_VIDEO_BYTES'),
    extendOutput: extendOutput as ExtendOutput | undefined,
  };
  if (Object.values(followUps).some((v) => v !== undefined)) opts.followUps = followUps;
  return opts;
}
