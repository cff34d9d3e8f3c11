/**
 * Composition: builds the pieces from options, listens on a real port and hands back a control handle that
 * tests and the local stack use to inspect the sim and to change faults, timing, limits and credits live.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AssetSigner } from './assets';
import { CallbackCounters, CallbackSender } from './callbacks';
import { FamilyLimits, FaultOptions, FollowUpOptions, LimitOptions, resolveOptions, SimulatorOptions, TimingOptions } from './config';
import { CreditLedger } from './credits';
import type { Size } from './dimensions';
import { FaultInjector } from './faults';
import type { MediaFacts } from './generation-record';
import { GenerationEngine } from './lifecycle';
import { CreateLimiter } from './limits';
import { API_PREFIX, buildApp, HttpCounters } from './routes';
import type { GenerationType, LumaGenerationJson } from './types';

/** One generation as the sim knows it, including what the API no longer shows (deleted ones). */
export interface SimulatedGeneration {
  id: string;
  /** Exactly what GET /generations/{id} would answer (if not deleted). */
  generation: LumaGenerationJson;
  /** The create request body as received. */
  requestBody: unknown;
  deleted: boolean;
  /** When it stopped holding a concurrency slot (completed, failed or deleted in flight), epoch ms. */
  endedAt?: number;
  chargedCents: number;
  refunded: boolean;
  /** The failure decided at admission (fault injection or blacklisted words), if any. */
  plannedFailure: string | null;
  /** Pixel size actually rendered (4k is capped by maxRenderHeight). */
  renderedSize?: Size;
  /** What the asset is, as follow-ups see it: reported resolution, aspect ratio, seconds, chain seconds, audio. */
  facts: MediaFacts;
  /** Local path of the rendered asset, while it exists. */
  assetPath?: string;
}

export interface SimulatorStats {
  /** API requests received (assets not counted). */
  requests: number;
  /** Accepted creates (201) by generation type. */
  creates: Record<GenerationType, number>;
  /** 429 answers (concurrency or per-minute). */
  rateLimited: number;
  /** Injected 500/502/503 answers. */
  serverErrors: number;
  /** 402 answers. */
  insufficientCredits: number;
  completed: number;
  failed: number;
  /** Generations deleted (204 answers to DELETE; a DELETE of a missing or deleted one is a 404, not counted). */
  deletes: number;
  /** Of those, deleted before they finished (the work stopped, as a cancel does). */
  deletesInFlight: number;
  callbacks: CallbackCounters;
  /** Current balance, USD cents. */
  creditBalance: number;
}

export interface LumaSimulator {
  /** Base URL including `/dream-machine/v1`, e.g. http://127.0.0.1:41234/dream-machine/v1 (LUMAAI_BASE_URL). */
  readonly url: string;
  /** Scheme, host and port only (asset URLs live under it). */
  readonly origin: string;
  readonly port: number;
  /** The PRNG seed in use (random unless given): pass it back as `seed` / LUMA_SIM_SEED to replay faults. */
  readonly seed: number;
  /** Where assets are rendered. */
  readonly assetDir: string;
  /** Stops timers, aborts renders and callbacks, closes the server, removes its temp dir. Idempotent. */
  close(): Promise<void>;
  generations(): SimulatedGeneration[];
  stats(): SimulatorStats;
  setFaults(partial: Partial<FaultOptions>): void;
  /** Applies from each generation's next step on. */
  setTiming(partial: Partial<TimingOptions>): void;
  setLimits(partial: { maxConcurrent?: Partial<FamilyLimits>; createsPerMinute?: Partial<FamilyLimits> }): void;
  setCredits(cents: number): void;
  /** Current effective options (copies). */
  settings(): { timing: TimingOptions; limits: LimitOptions; faults: FaultOptions; followUps: FollowUpOptions };
}

export async function startLumaSimulator(opts: SimulatorOptions = {}): Promise<LumaSimulator> {
  const options = resolveOptions(opts);
  const ownsAssetDir = options.assetDir === undefined;
  const assetDir = ownsAssetDir
    ? await fs.promises.mkdtemp(path.join(os.tmpdir(), 'luma-sim-'))
    : path.resolve(options.assetDir!);
  if (!ownsAssetDir) await fs.promises.mkdir(assetDir, { recursive: true });

  const faults = new FaultInjector(options.seed, options.faults);
  const limiter = new CreateLimiter(options.limits);
  const ledger = new CreditLedger(options.credits);
  const callbacks = new CallbackSender(faults, options.log);
  const signer = new AssetSigner();
  let origin = '';
  const engine = new GenerationEngine({ options, faults, limiter, ledger, callbacks, signer, assetRoot: assetDir, origin: () => origin });
  const httpCounters: HttpCounters = { requests: 0, serverErrors: 0 };
  const closing = new AbortController();
  const app = buildApp({
    engine,
    faults,
    ledger,
    signer,
    followUps: options.followUps,
    apiKeys: () => options.apiKeys,
    counters: httpCounters,
    closing: closing.signal,
    log: options.log,
  });

  const server = http.createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (ownsAssetDir) await fs.promises.rm(assetDir, { recursive: true, force: true });
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  origin = `http://${urlHost(options.host)}:${port}`;
  options.log('info', `luma-sim: listening on ${origin}${API_PREFIX}`, { seed: options.seed, assetDir });

  let closePromise: Promise<void> | undefined;
  const close = () => {
    closePromise ??= (async () => {
      closing.abort();
      await engine.shutdown();
      await callbacks.shutdown();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsAssetDir) await fs.promises.rm(assetDir, { recursive: true, force: true });
      options.log('info', 'luma-sim: closed');
    })();
    return closePromise;
  };

  return {
    url: `${origin}${API_PREFIX}`,
    origin,
    port,
    seed: options.seed,
    assetDir,
    close,
    generations: () =>
      engine.all().map((rec) => ({
        id: rec.id,
        generation: engine.toJson(rec),
        requestBody: structuredClone(rec.requestBody),
        deleted: rec.deleted,
        endedAt: rec.endedAt,
        chargedCents: rec.chargedCents,
        refunded: rec.refunded,
        plannedFailure: rec.plannedFailure,
        renderedSize: rec.renderedSize ? { ...rec.renderedSize } : undefined,
        facts: { ...rec.facts },
        assetPath: rec.asset && !rec.deleted && fs.existsSync(rec.asset.path) ? rec.asset.path : undefined,
      })),
    stats: () => ({
      requests: httpCounters.requests,
      creates: { ...engine.counters.creates },
      rateLimited: engine.counters.rateLimited,
      serverErrors: httpCounters.serverErrors,
      insufficientCredits: engine.counters.insufficientCredits,
      completed: engine.counters.completed,
      failed: engine.counters.failed,
      deletes: engine.counters.deletes,
      deletesInFlight: engine.counters.deletesInFlight,
      callbacks: { ...callbacks.counters },
      creditBalance: ledger.balance,
    }),
    setFaults: (partial) => faults.update(partial),
    setTiming: (partial) => engine.setTiming(partial),
    setLimits: (partial) => limiter.update(partial),
    setCredits: (cents) => ledger.set(cents),
    settings: () => ({
      timing: { ...engine.timingOptions },
      limits: { maxConcurrent: { ...limiter.options.maxConcurrent }, createsPerMinute: { ...limiter.options.createsPerMinute } },
      faults: { ...faults.options, failureReasons: [...faults.options.failureReasons], blacklistedWords: [...faults.options.blacklistedWords] },
      followUps: { ...options.followUps },
    }),
  };
}

/** A wildcard listen address is not something a client can connect to; URLs use loopback instead. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
