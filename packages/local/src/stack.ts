import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildCoreConfig,
  createHandlers,
  createListing,
  createLogger,
  createPlayback,
  createPlaybackHttp,
  dayOf,
  Incarnation,
  parseSince,
  readStats,
  userSpend,
  shouldProcessObject,
  stableId,
  silentLogger,
  type CoreConfigInput,
  type DocumentStore,
  type Logger,
  type Notifier,
  type PipelineHandlers,
  type Ports,
  type StatsReport,
} from '@d2v/core';
import { LumaClient } from '@d2v/luma';
import { startLumaSimulator, simulatorOptionsFromEnv, type LumaSimulator, type SimulatorOptions } from '@d2v/luma-sim';
import { createMedia, keyringFromEnv, mediaConfigFromEnv } from '@d2v/media';
import { docPatterns, parseRawVideoPath, type CreditSpend, type VideoRequest, type VideoState } from '@d2v/schema';
import pino from 'pino';
import {
  FileBlobStore,
  LocalDatabase,
  OutboxDispatcher,
  SqliteDocumentStore,
  SqliteEventSink,
  SqliteTaskQueue,
  verifySignedBlobRequest,
} from './adapters';
import { ClientApi } from './client-api';
import { loadLocalConfig, localKekEnv, type LocalConfig } from './config';
import { lockDataDir, type DataDirLock } from './data-dir-lock';
import { withFaults, type FaultSpec, type FaultyPorts } from './fault-injection';
import { seedFromEmulatorData } from './seed';
import { createApp, listenEmpty } from './server';
import { LocalStatsAggregator } from './stats-aggregator';

/** Where `emulator-data/` is relative to this file (src/ and dist/ sit at the same depth). */
export const DEFAULT_SEED_DIR = resolve(__dirname, '..', '..', '..', 'emulator-data');
/** The web console's build output (packages/web/dist), next to this package. */
export const DEFAULT_WEB_APP_DIR = resolve(__dirname, '..', '..', 'web', 'dist');

export interface LocalStackOptions {
  env?: NodeJS.ProcessEnv;
  config?: Partial<LocalConfig>;
  /** Overrides of the core's knobs (tests shorten polls and leases). */
  core?: Partial<CoreConfigInput>;
  /** Simulator settings; ignored when LUMAAI_API_KEY and LUMAAI_BASE_URL point at the real Luma. */
  simulator?: SimulatorOptions;
  seedDir?: string | false;
  /** The built web console to serve at `/` (default: packages/web/dist); false: none. */
  webAppDir?: string | false;
  /** Default: pino JSON lines into `<dataDir>/d2v.log`. */
  logger?: Logger | 'silent';
  /**
   * Wraps the document store the pipeline uses (handlers, aggregator, sweeper), e.g. with a
   * `CountingDocumentStore`. The client API and the triggers stay on the store itself.
   */
  wrapStore?: (store: DocumentStore) => DocumentStore;
  /** Fault injection between the core and the stores (tests): a share of calls fails like Firestore/Storage/Tasks. */
  faults?: FaultSpec;
  /**
   * Where pushes go (the Notifier port). Locally there is no FCM: the notification documents are the outbox the
   * API (`GET /v1/notifications`) and the console show; a test may pass a recorder.
   */
  push?: Notifier;
}

/**
 * Deliveries of a trigger event before it is dead-lettered. Firebase retries an event function for up to 7 days;
 * this is the local stand-in: at the dispatcher's 10 s backoff cap, about 80 minutes of retries. 20 was not
 * generous enough: the creation handler makes many store calls, each failing 20 % of the time in the chaos test,
 * and a CI run saw a request that never got its first state — a request whose creation event dies has no state
 * yet, so nothing (not the sweeper) can find it again.
 */
const EVENT_MAX_ATTEMPTS = 500;

export interface StopOptions {
  /**
   * How long running steps may take to finish before they are handed back (default: wait for all). Handed back:
   * their step leases are cleared and their task/outbox rows are pending again, so the next start resumes them
   * at once; what the steps still finish afterwards is refused by their leases.
   */
  graceMs?: number;
}

/**
 * The embedded runtime: the very handlers Firebase runs, driven by SQLite documents with an outbox (Firestore
 * triggers), files with finalize events (Storage triggers), a durable task queue (Cloud Tasks) and an HTTP
 * server (client API, Luma webhook, signed blob URLs). Delivery is at least once, unordered and retried.
 */
/** Videos processed at once: ffmpeg wants the machine, two at a time on a 2-core machine (d2v bench pipeline's floor). */
export const PROCESS_SLOTS = 2;

export class LocalStack {
  private constructor(
    readonly config: LocalConfig,
    readonly url: string,
    readonly ports: Ports,
    readonly handlers: PipelineHandlers,
    readonly api: ClientApi,
    readonly events: SqliteEventSink,
    readonly tokens: Map<string, string>,
    readonly simulator: LumaSimulator | undefined,
    /** This process as lease owner: leases and queue rows of every other incarnation are dead. */
    readonly incarnation: Incarnation,
    /** What the start found left in flight by an earlier incarnation and resumed at once. */
    readonly resumed: { tasks: number; events: number; rekicked: number },
    private readonly parts: {
      db: LocalDatabase;
      blobs: FileBlobStore;
      server: Server;
      dispatcher: OutboxDispatcher;
      tasks: SqliteTaskQueue;
      sweepTimer: NodeJS.Timeout;
      aggregator: LocalStatsAggregator;
      lock: DataDirLock;
      faults: FaultyPorts | undefined;
      store: SqliteDocumentStore;
    },
  ) {}

  static async start(opts: LocalStackOptions = {}): Promise<LocalStack> {
    const env = opts.env ?? process.env;
    const config = loadLocalConfig(env, opts.config);
    // One process per data dir: what makes "every other incarnation is dead" true (data-dir-lock.ts).
    const incarnation = new Incarnation({ othersAreDead: true });
    const lock = lockDataDir(config.dataDir, incarnation.incarnation);
    try {
      return await LocalStack.startLocked(opts, env, config, incarnation, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private static async startLocked(opts: LocalStackOptions, env: NodeJS.ProcessEnv, config: LocalConfig, incarnation: Incarnation, lock: DataDirLock): Promise<LocalStack> {
    for (const dir of [config.blobDir, config.tmpDir]) mkdirSync(dir, { recursive: true });
    clearScratch(config.tmpDir);
    const log = opts.logger === 'silent' ? silentLogger : opts.logger ?? createLogger({
      level: config.logLevel,
      destination: pino.destination({ dest: config.logFile, mkdir: true, sync: false }),
      base: { runtime: 'local' },
    });

    const simOptions: SimulatorOptions = { ...simulatorOptionsFromEnv(env), ...opts.simulator };
    const simulator = config.realLuma ? undefined : await startLumaSimulator(simOptions);
    const luma = new LumaClient(config.realLuma ?? { apiKey: simOptions.apiKeys?.[0] ?? 'sim-key', baseUrl: simulator!.url });

    const clock = { now: () => Date.now() };
    const db = new LocalDatabase({ file: config.dbFile });
    let baseUrl = '';
    const store = new SqliteDocumentStore({ db, clock, log });
    const blobs = new FileBlobStore({ db, rootDir: config.blobDir, publicBaseUrl: () => baseUrl, signingSecret: config.blobSigningSecret, clock });
    const tasks = new SqliteTaskQueue({ db, clock, log, duplicateDelivery: config.duplicateDelivery, incarnation: incarnation.incarnation });
    const dispatcher = new OutboxDispatcher({
      db, clock, log, duplicateDelivery: config.duplicateDelivery, concurrency: 2, maxAttempts: EVENT_MAX_ATTEMPTS, incarnation: incarnation.incarnation,
    });
    // Whatever an earlier (killed) incarnation had in flight is due now, not when its lease would have run out.
    const resumed = { tasks: tasks.reclaimAbandoned(), events: dispatcher.reclaimAbandoned(), rekicked: 0 };
    const events = new SqliteEventSink({ db, clock });
    const media = createMedia({ config: mediaConfigFromEnv(env), keyring: keyringFromEnv(localKekEnv(env, config.dataDir)) });

    const server = await listenEmpty(config.host, config.port);
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host}:${port}`;
    baseUrl = config.publicUrl ?? url;

    const core = buildCoreConfig({
      webhookBaseUrl: `${baseUrl}/luma/webhook`,
      webhookSecret: config.webhookSecret,
      pollIntervalSeconds: config.pollIntervalSeconds,
      requestDeadlineMs: config.requestDeadlineMs,
      imageHostAllowList: config.imageHostAllowList,
      ...config.alerts,
      ...config.budget,
      ...config.lumaLimits,
      ...config.quotas,
      ...opts.core,
    });
    const faults = opts.faults ? withFaults({ store, blobs, tasks }, opts.faults) : undefined;
    const pipelineStore = opts.wrapStore ? opts.wrapStore(faults?.store ?? store) : faults?.store ?? store;
    // Analytics: the event table stands in for the Pub/Sub topic; the aggregator folds it into the statistics
    // buckets in batches with the same core function the Firebase aggregator runs.
    const ports: Ports = {
      store: pipelineStore,
      blobs: faults?.blobs ?? blobs,
      tasks: faults?.tasks ?? tasks,
      events,
      luma,
      media,
      clock,
      log,
      config: core,
      tmpDir: config.tmpDir,
      liveness: incarnation,
      ...(opts.push ? { push: opts.push } : {}),
    };
    const handlers = createHandlers(ports);
    const aggregator = new LocalStatsAggregator({ events, store: pipelineStore, shards: core.statsShards, intervalMs: config.statsFlushIntervalMs, clock, log });

    // Trigger wiring: the same events Firebase delivers, named like the deployed functions.
    const attempt = (e: { attempt: number }) => ({ attempt: e.attempt });
    store.registerTrigger({ name: 'onVideoRequestCreated', pattern: docPatterns.videoRequest, on: 'create' });
    store.registerTrigger({ name: 'onVideoRequestUpdated', pattern: docPatterns.videoRequest, on: 'update' });
    store.registerTrigger({ name: 'onScriptRequestCreated', pattern: docPatterns.scriptRequest, on: 'create' });
    blobs.registerTrigger({ name: 'onRawVideoFinalized', pattern: 'users/{uid}/ai-videos/{requestId}/{file}' });
    dispatcher.on('onVideoRequestCreated', (e) => handlers.onRequestCreated({ uid: e.params.uid!, requestId: e.params.requestId!, data: docAfter(e) }, attempt(e)));
    dispatcher.on('onScriptRequestCreated', (e) => handlers.onScriptRequestCreated({ uid: e.params.uid!, requestId: e.params.requestId!, data: docAfter(e) }, attempt(e)));
    dispatcher.on('onVideoRequestUpdated', (e) =>
      handlers.onRequestUpdated({ uid: e.params.uid!, requestId: e.params.requestId!, before: docBefore(e), after: docAfter(e) }, attempt(e)),
    );
    // The Storage trigger: on Firebase it has instances of its own (2 vCPU, concurrency 1); here the outbox's two
    // delivery slots serve every trigger, so ffmpeg must not hold them. The finalize event hands raw.mp4 to the
    // process queue — the very processing the core's onObjectFinalized runs — and the outbox moves on.
    dispatcher.on('onRawVideoFinalized', async (e) => {
      const blob = (e as { blob: { path: string; custom?: Record<string, string>; generation: string } }).blob;
      if (!shouldProcessObject({ path: blob.path, custom: blob.custom ?? {} })) return;
      const ref = parseRawVideoPath(blob.path)!;
      await tasks.enqueue('process', ref, { id: `process-${stableId(ref.requestId, 'finalized', blob.generation)}` });
    });
    const retry = config.taskRetry;
    tasks.register('submit', (p, ctx) => handlers.onSubmitTask(p, attempt(ctx)), { ...config.submitQueue, ...retry });
    tasks.register('poll', (p, ctx) => handlers.onPollTask(p, attempt(ctx)), { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50, ...retry });
    // Downloads wait on the network, not the cores: four at once, so a wave of finished generations is not queued
    // behind two of them while ffmpeg is busy (on Firebase: DOWNLOAD_MAX_CONCURRENT_DISPATCHES, 10).
    tasks.register('download', (p, ctx) => handlers.onDownloadTask(p, attempt(ctx)), { maxConcurrentDispatches: 4, maxDispatchesPerSecond: 20, ...retry });
    tasks.register('process', (p, ctx) => handlers.onProcessTask(p, attempt(ctx)), { maxConcurrentDispatches: PROCESS_SLOTS, maxDispatchesPerSecond: 10, ...retry });

    const tokens = new Map<string, string>();
    const api = new ClientApi(store);
    const playback = createPlaybackHttp({
      playback: createPlayback(ports, { maxRangeBytes: config.playbackMaxRangeBytes }),
      listing: createListing(pipelineStore),
      authenticate: async (token) => tokens.get(token) ?? null,
      linkSecret: config.playbackLinkSecret,
      publicBaseUrl: () => baseUrl,
      clock,
      log,
    });
    server.on('request', createApp({
      api,
      handlers,
      blobs,
      playback,
      log,
      authenticate: (token) => tokens.get(token) ?? null,
      verifyBlobUrl: (path, expires, sig) => verifySignedBlobRequest(config.blobSigningSecret, path, expires, sig, clock.now()),
      webAppDir: opts.webAppDir === false ? undefined : opts.webAppDir ?? DEFAULT_WEB_APP_DIR,
      // Fold what was published so far first: locally the numbers are as fresh as the request that asks.
      stats: async (since) => {
        const range = { since: parseSince(since, clock.now()), until: dayOf(clock.now()) };
        await aggregator.flush();
        return readStats(pipelineStore, range);
      },
      credits: (uid, days) => userSpend({ store: pipelineStore, clock }, uid, days),
    }));
    if (opts.seedDir !== false) {
      const seeded = await seedFromEmulatorData(opts.seedDir ?? DEFAULT_SEED_DIR, store, blobs);
      for (const [token, uid] of seeded.tokens) tokens.set(token, uid);
    }

    dispatcher.start();
    tasks.start();
    aggregator.start();
    // Nothing of an earlier incarnation is alive: every working request without a live lease is put back in
    // motion now (a step that died between a transition and its enqueue has no row to reclaim).
    try {
      resumed.rekicked = (await handlers.sweep({ resume: true })).rekicked;
    } catch (e) {
      log.error({ err: String(e) }, 'resume sweep at start failed (the periodic sweep retries)');
    }
    if (resumed.tasks || resumed.events || resumed.rekicked) log.info({ ...resumed, incarnation: incarnation.incarnation }, 'resumed the work of an earlier incarnation');
    const sweepTimer = setInterval(() => void handlers.sweep().catch((e) => log.error({ err: String(e) }, 'sweep failed')), config.sweepIntervalMs);
    sweepTimer.unref();

    return new LocalStack(config, url, ports, handlers, api, events, tokens, simulator, incarnation, resumed, {
      db, blobs, server, dispatcher, tasks, sweepTimer, aggregator, lock, faults, store,
    });
  }

  /** Counts every event published so far into the statistics now (the aggregator otherwise runs on a timer). */
  async flushStats(): Promise<void> {
    await this.parts.aggregator.flush();
  }

  /** `/v1/stats` without HTTP: the statistics from `since` (a day or a span like `7d`) to today. */
  async stats(since?: string): Promise<StatsReport> {
    await this.flushStats();
    const now = this.ports.clock.now();
    return readStats(this.ports.store, { since: parseSince(since, now), until: dayOf(now) });
  }

  /** `/v1/credits` without HTTP: `uid`'s spend per day from the credits ledger (the last `days` days). */
  credits(uid: string, days?: number): Promise<CreditSpend> {
    return userSpend(this.ports, uid, days);
  }

  /** The local database (the CLI's `d2v inspect` reads the tables behind the ports). */
  get database(): LocalDatabase {
    return this.parts.db;
  }

  /** Faults injected so far (when started with `faults`). */
  injectedFaults(): ReturnType<FaultyPorts['injected']> | undefined {
    return this.parts.faults?.injected();
  }

  /** The document store itself, without injected faults (tests and tools read through it). */
  get documents(): SqliteDocumentStore {
    return this.parts.store;
  }

  /** The durable task queue (for tests and tools: its rows, their attempts). */
  get taskQueue(): SqliteTaskQueue {
    return this.parts.tasks;
  }

  /** Paths of the stored objects under `prefix` (tests and tools). */
  blobPaths(prefix: string): string[] {
    return this.parts.blobs.list(prefix);
  }

  /** The file on disk that holds a stored object (for people and tools; the pipeline uses the BlobStore port). */
  blobFile(path: string): string {
    return this.parts.blobs.filePath(path);
  }

  /** Resolves with the request once it is in one of `states` (or throws after `timeoutMs`). */
  async waitForState(uid: string, requestId: string, states: readonly VideoState[], timeoutMs = 120_000, onChange?: (doc: VideoRequest) => void | Promise<void>): Promise<VideoRequest> {
    const deadline = Date.now() + timeoutMs;
    let lastSeen = '';
    for (;;) {
      const doc = await this.api.getRequest(uid, requestId).catch(() => null);
      // A freshly created document has only client fields until the pipeline initializes it.
      if (doc?.state) {
        const key = `${doc.state}:${doc.progress}:${doc.updatedAt}`;
        if (key !== lastSeen) {
          lastSeen = key;
          await onChange?.(doc);
        }
        if (states.includes(doc.state)) return doc;
      }
      if (Date.now() > deadline) throw new Error(`request ${requestId} did not reach ${states.join('|')} in ${timeoutMs} ms (now ${doc?.state ?? 'missing'})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Stops claiming work, lets running steps finish (for `graceMs` at most), hands back what is still running, then
   * closes everything and releases the data dir. Returns what was handed back.
   */
  async stop(opts: StopOptions = {}): Promise<{ leases: number; tasks: number; events: number }> {
    clearInterval(this.parts.sweepTimer);
    const closed = new Promise<void>((r) => this.parts.server.close(() => r()));
    this.parts.server.closeAllConnections?.();
    const handedBack = { leases: 0, tasks: 0, events: 0 };
    try {
      const [tasksIdle, eventsIdle] = await Promise.all([
        this.parts.tasks.stop({ graceMs: opts.graceMs }),
        this.parts.dispatcher.stop({ graceMs: opts.graceMs }),
      ]);
      if (!tasksIdle || !eventsIdle) {
        handedBack.leases = await this.handlers.handBackLeases().catch(() => 0);
        handedBack.tasks = this.parts.tasks.handBack();
        handedBack.events = this.parts.dispatcher.handBack();
        this.ports.log.info({ ...handedBack, incarnation: this.incarnation.incarnation }, 'graceful stop: running work handed back');
      }
      await closed;
      await this.parts.aggregator.stop();
      await this.simulator?.close();
    } finally {
      this.parts.db.close();
      this.parts.lock.release();
    }
    return handedBack;
  }
}

/**
 * The steps' scratch dirs (`d2v-…`) left by an earlier incarnation: it is dead (one process per data dir), so nobody
 * will clean them up but us. Other files in the directory are not ours and stay.
 */
function clearScratch(tmpDir: string): void {
  for (const name of readdirSync(tmpDir)) {
    if (name.startsWith('d2v-')) rmSync(join(tmpDir, name), { recursive: true, force: true });
  }
}

function docAfter(e: unknown): Record<string, unknown> {
  return ((e as { after?: Record<string, unknown> | null }).after ?? {}) as Record<string, unknown>;
}
function docBefore(e: unknown): Record<string, unknown> | null {
  return (e as { before?: Record<string, unknown> | null }).before ?? null;
}

