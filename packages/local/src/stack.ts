import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  buildCoreConfig,
  createHandlers,
  createListing,
  createLogger,
  createPlayback,
  createPlaybackHttp,
  dayOf,
  parseSince,
  readStats,
  silentLogger,
  type CoreConfigInput,
  type DocumentStore,
  type Logger,
  type PipelineHandlers,
  type Ports,
  type StatsReport,
} from '@d2v/core';
import { LumaClient } from '@d2v/luma';
import { startLumaSimulator, simulatorOptionsFromEnv, type LumaSimulator, type SimulatorOptions } from '@d2v/luma-sim';
import { createMedia, keyringFromEnv, mediaConfigFromEnv } from '@d2v/media';
import { docPatterns, type VideoRequest, type VideoState } from '@d2v/schema';
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
}

/**
 * The embedded runtime: the very handlers Firebase runs, driven by SQLite documents with an outbox (Firestore
 * triggers), files with finalize events (Storage triggers), a durable task queue (Cloud Tasks) and an HTTP
 * server (client API, Luma webhook, signed blob URLs). Delivery is at least once, unordered and retried.
 */
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
    private readonly parts: {
      db: LocalDatabase;
      blobs: FileBlobStore;
      server: Server;
      dispatcher: OutboxDispatcher;
      tasks: SqliteTaskQueue;
      sweepTimer: NodeJS.Timeout;
      aggregator: LocalStatsAggregator;
    },
  ) {}

  static async start(opts: LocalStackOptions = {}): Promise<LocalStack> {
    const env = opts.env ?? process.env;
    const config = loadLocalConfig(env, opts.config);
    for (const dir of [config.blobDir, config.tmpDir]) mkdirSync(dir, { recursive: true });
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
    const sqliteStore = new SqliteDocumentStore({ db, clock, log });
    const store = opts.wrapStore ? opts.wrapStore(sqliteStore) : sqliteStore;
    const blobs = new FileBlobStore({ db, rootDir: config.blobDir, publicBaseUrl: () => baseUrl, signingSecret: config.blobSigningSecret, clock });
    const tasks = new SqliteTaskQueue({ db, clock, log, duplicateDelivery: config.duplicateDelivery });
    const dispatcher = new OutboxDispatcher({ db, clock, log, duplicateDelivery: config.duplicateDelivery, concurrency: 2 });
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
      ...opts.core,
    });
    // Analytics: the event table stands in for the Pub/Sub topic; the aggregator folds it into the statistics
    // buckets in batches with the same core function the Firebase aggregator runs.
    const ports: Ports = { store, blobs, tasks, events, luma, media, clock, log, config: core, tmpDir: config.tmpDir };
    const aggregator = new LocalStatsAggregator({ events, store, shards: core.statsShards, intervalMs: config.statsFlushIntervalMs, clock, log });
    const handlers = createHandlers(ports);

    // Trigger wiring: the same events Firebase delivers, named like the deployed functions.
    const attempt = (e: { attempt: number }) => ({ attempt: e.attempt });
    sqliteStore.registerTrigger({ name: 'onVideoRequestCreated', pattern: docPatterns.videoRequest, on: 'create' });
    sqliteStore.registerTrigger({ name: 'onVideoRequestUpdated', pattern: docPatterns.videoRequest, on: 'update' });
    sqliteStore.registerTrigger({ name: 'onScriptRequestCreated', pattern: docPatterns.scriptRequest, on: 'create' });
    blobs.registerTrigger({ name: 'onRawVideoFinalized', pattern: 'users/{uid}/ai-videos/{requestId}/{file}' });
    dispatcher.on('onVideoRequestCreated', (e) => handlers.onRequestCreated({ uid: e.params.uid!, requestId: e.params.requestId!, data: docAfter(e) }, attempt(e)));
    dispatcher.on('onScriptRequestCreated', (e) => handlers.onScriptRequestCreated({ uid: e.params.uid!, requestId: e.params.requestId!, data: docAfter(e) }, attempt(e)));
    dispatcher.on('onVideoRequestUpdated', (e) =>
      handlers.onRequestUpdated({ uid: e.params.uid!, requestId: e.params.requestId!, before: docBefore(e), after: docAfter(e) }, attempt(e)),
    );
    dispatcher.on('onRawVideoFinalized', (e) => {
      const blob = (e as { blob: { path: string; contentType: string; size: number; custom?: Record<string, string>; generation: string } }).blob;
      return handlers.onObjectFinalized({ path: blob.path, contentType: blob.contentType, size: blob.size, custom: blob.custom ?? {}, generation: blob.generation }, attempt(e));
    });
    const retry = config.taskRetry;
    tasks.register('submit', (p, ctx) => handlers.onSubmitTask(p, attempt(ctx)), { ...config.submitQueue, ...retry });
    tasks.register('poll', (p, ctx) => handlers.onPollTask(p, attempt(ctx)), { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 50, ...retry });
    tasks.register('download', (p, ctx) => handlers.onDownloadTask(p, attempt(ctx)), { maxConcurrentDispatches: 2, maxDispatchesPerSecond: 10, ...retry });

    const tokens = new Map<string, string>();
    const api = new ClientApi(sqliteStore);
    const playback = createPlaybackHttp({
      playback: createPlayback(ports, { maxRangeBytes: config.playbackMaxRangeBytes }),
      listing: createListing(store),
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
        return readStats(store, range);
      },
    }));
    if (opts.seedDir !== false) {
      const seeded = await seedFromEmulatorData(opts.seedDir ?? DEFAULT_SEED_DIR, sqliteStore, blobs);
      for (const [token, uid] of seeded.tokens) tokens.set(token, uid);
    }

    dispatcher.start();
    tasks.start();
    aggregator.start();
    const sweepTimer = setInterval(() => void handlers.sweep().catch((e) => log.error({ err: String(e) }, 'sweep failed')), config.sweepIntervalMs);
    sweepTimer.unref();

    return new LocalStack(config, url, ports, handlers, api, events, tokens, simulator, { db, blobs, server, dispatcher, tasks, sweepTimer, aggregator });
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

  /** The local database (the CLI's `d2v inspect` reads the tables behind the ports). */
  get database(): LocalDatabase {
    return this.parts.db;
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

  async stop(): Promise<void> {
    clearInterval(this.parts.sweepTimer);
    await new Promise<void>((r) => this.parts.server.close(() => r()));
    this.parts.server.closeAllConnections?.();
    await this.parts.tasks.stop();
    await this.parts.dispatcher.stop();
    await this.parts.aggregator.stop();
    await this.simulator?.close();
    this.parts.db.close();
  }
}

function docAfter(e: unknown): Record<string, unknown> {
  return ((e as { after?: Record<string, unknown> | null }).after ?? {}) as Record<string, unknown>;
}
function docBefore(e: unknown): Record<string, unknown> | null {
  return (e as { before?: Record<string, unknown> | null }).before ?? null;
}

