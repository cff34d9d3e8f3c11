/**
 * `d2v chaos`: the local stack as a child process, killed with SIGKILL at random moments across N requests (and
 * once in each working state it is seen in), restarted on the same data dir each time. The Luma simulator runs in
 * this process, so Luma's own record of generations judges "billed once". Requests are created as a client would
 * (HTTP), spread over the run so the kills meet every part of their lives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatorOptionsFromEnv, startLumaSimulator } from '@d2v/luma-sim';
import { STATE_MACHINE, type VideoRequest, type VideoState } from '@d2v/schema';
import { ChaosApi } from './api';
import { summarize, type ChaosReport, type RecoverySample } from './report';
import { StackProcess } from './stack-process';
import { postsByRequest, verifyRequests } from './verify';

export interface ChaosOptions {
  requests: number;
  /** Kills at random moments (the ones in each working state come on top). */
  kills: number;
  /** Also kill once in each working state the run sees a request in. */
  states: boolean;
  seed: number;
  resolution: string;
  /** Latency the simulated Luma adds to every API answer (real Luma answers in hundreds of ms). */
  lumaLatencyMs: number;
  /** Random time the stack runs between resuming and the next random kill: uniform in [0, gapMs]. */
  gapMs: number;
  /** Give up (and report) after this long. */
  timeoutMs: number;
  /** Keep the data dir and the stack's logs (printed at the end) instead of removing them. */
  keep?: boolean;
  /** The built CLI (`packages/cli/dist/main.js`). */
  mainJs: string;
  env: NodeJS.ProcessEnv;
  say(line: string): void;
}

/** The kinds of request the run mixes, in turn: a text draft, a draft with images (keyframe first), a script video. */
const MIX = [
  { kind: 'text', draftId: 'demo-sunrise' },
  { kind: 'images', draftId: 'demo-portrait' },
  { kind: 'text', draftId: 'demo-sunrise' },
  { kind: 'script', draftId: 'demo-sunrise' },
] as const;

const TARGET_STATES: readonly VideoState[] = [
  'validating', 'keyframe_queued', 'keyframe_dreaming', 'queued', 'submitting', 'dreaming', 'downloading', 'processing',
];
/** Waiting for a Luma slot is not work of ours: after a kill there is nothing to resume there but a queue. */
const NOT_OUR_WORK: readonly VideoState[] = ['pending', 'queued', 'keyframe_queued'];
const WATCH_MS = 50;
/** A request not written again this long after a restart counts as not resumed. */
const RESUME_TIMEOUT_MS = 120_000;

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'd2v-chaos-'));
  const dataDir = join(work, 'data');
  const port = await freePort();
  const rand = seeded(opts.seed);
  const sim = await startLumaSimulator({
    ...simulatorOptionsFromEnv(opts.env),
    port: 0,
    seed: opts.seed,
    faults: { ...simulatorOptionsFromEnv(opts.env).faults, slowMs: opts.lumaLatencyMs },
  });
  const stack = new StackProcess(opts.mainJs, {
    ...opts.env,
    D2V_DATA_DIR: dataDir,
    D2V_PORT: String(port),
    D2V_HOST: '127.0.0.1',
    LUMAAI_BASE_URL: sim.url,
    LUMAAI_API_KEY: 'sim-key',
  }, work);
  try {
    const api = new ChaosApi(`http://127.0.0.1:${port}`);
    await stack.start();
    opts.say(`chaos: stack on port ${port}, Luma simulator at ${sim.url}, data in ${dataDir}`);
    const run = new ChaosLoop(opts, stack, api, rand);
    const outcome = await run.go();
    opts.say(`chaos: ${run.created.length} requests, ${run.randomKills} random kills + ${run.targeted.size} in states; verifying`);
    const verdicts = await verifyRequests({ api, created: run.created, generations: sim.generations(), workDir: work });
    await stack.stop();
    const posts = await postsByRequest(join(dataDir, 'd2v.sqlite'));
    return summarize({
      opts,
      verdicts: verdicts.map((v) => ({ ...v, posts: posts.get(v.requestId) ?? 0 })),
      shotPosts: run.shotIds().reduce((n, id) => n + (posts.get(id) ?? 0), 0),
      samples: run.samples,
      randomKills: run.randomKills,
      targeted: Object.fromEntries(run.targeted),
      starts: stack.starts,
      timedOut: outcome === 'timeout',
      elapsedMs: Date.now() - started,
    });
  } finally {
    await stack.kill();
    await sim.close();
    if (opts.keep) opts.say(`chaos: data dir and stack logs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

class ChaosLoop {
  readonly created: { requestId: string; kind: string }[] = [];
  readonly samples: RecoverySample[] = [];
  readonly targeted = new Map<VideoState, number>();
  randomKills = 0;
  private readonly docs = new Map<string, VideoRequest>();
  private nextKillAt = 0;
  private nextCreateAt = 0;
  private readonly createEveryMs: number;

  constructor(
    private readonly opts: ChaosOptions,
    private readonly stack: StackProcess,
    private readonly api: ChaosApi,
    private readonly rand: () => number,
  ) {
    // Spread the requests over the time the kills take, so kills meet them at every age.
    // Never two requests at once: a kill takes a restart, a wait for the working requests to resume and a gap.
    this.createEveryMs = Math.max(300, Math.floor(opts.gapMs / 2));
  }

  /**
   * Requests are created as the kills progress (request i once i/N of the random kills are done, and never faster
   * than createEveryMs), so however slow the machine, the kills are spread across every request's life.
   */
  private timeToCreate(): boolean {
    if (Date.now() < this.nextCreateAt) return false;
    const due = Math.floor((this.created.length * this.opts.kills) / Math.max(1, this.opts.requests));
    const nothingAtWork = this.created.every(({ requestId }) => isSettled(this.docs.get(requestId)));
    return this.randomKills >= due || this.randomKills >= this.opts.kills || nothingAtWork;
  }

  shotIds(): string[] {
    return [...this.docs.values()].flatMap((d) => (d.shots ?? []).map((s) => s.requestId));
  }

  async go(): Promise<'done' | 'timeout'> {
    const deadline = Date.now() + this.opts.timeoutMs;
    this.nextKillAt = Date.now() + this.rand() * this.opts.gapMs;
    for (;;) {
      await sleep(WATCH_MS);
      if (Date.now() > deadline) return 'timeout';
      if (!(await this.refresh())) continue;
      this.resolveSamples();
      if (this.created.length < this.opts.requests && this.timeToCreate()) {
        await this.createOne();
        this.nextCreateAt = Date.now() + this.createEveryMs;
        continue;
      }
      const allCreated = this.created.length >= this.opts.requests;
      const allSettled = allCreated && this.created.every(({ requestId }) => isSettled(this.docs.get(requestId)));
      if (allSettled && !this.resuming()) return 'done';
      if (this.resuming()) continue;
      const target = this.opts.states ? this.uncoveredTarget() : undefined;
      if (target) {
        this.targeted.set(target, (this.targeted.get(target) ?? 0) + 1);
        await this.killAndRestart();
      } else if (this.randomKills < this.opts.kills && Date.now() >= this.nextKillAt && this.created.some(({ requestId }) => !isSettled(this.docs.get(requestId)))) {
        this.randomKills++;
        await this.killAndRestart();
      }
    }
  }

  /** Reads every request (and the shots of script videos); false while the stack does not answer. */
  private async refresh(): Promise<boolean> {
    try {
      const top = await this.api.listRequests();
      for (const doc of top) this.docs.set(doc.requestId, doc);
      for (const doc of top) {
        for (const shot of doc.shots ?? []) {
          if (!isSettled(this.docs.get(shot.requestId))) this.docs.set(shot.requestId, await this.api.getRequest(shot.requestId));
        }
      }
      return true;
    } catch {
      return false;
    }
  }

  private async createOne(): Promise<void> {
    const mix = MIX[this.created.length % MIX.length]!;
    // `fresh`: every request is its own generation (the same draft again would be a content-cache hit, no Luma call).
    const options = { resolution: this.opts.resolution, autoPost: true, fresh: true };
    let scriptRequestId: string | undefined;
    if (mix.kind === 'script') {
      // Locally the script is answered by a trigger event, which can wait behind running processing.
      scriptRequestId = await this.api.createScript(mix.draftId, '9s');
      const until = Date.now() + 120_000;
      while ((await this.api.scriptState(scriptRequestId)) !== 'ready') {
        if (Date.now() > until) throw new Error(`script request ${scriptRequestId} was not ready after 120 s`);
        await sleep(100);
      }
    }
    const requestId = await this.api.createRequest({ draftId: mix.draftId, options, ...(scriptRequestId ? { scriptRequestId } : {}) });
    this.created.push({ requestId, kind: mix.kind });
  }

  /** A working state not yet killed in, that some request is in right now. */
  private uncoveredTarget(): VideoState | undefined {
    for (const doc of this.docs.values()) {
      if (TARGET_STATES.includes(doc.state) && !this.targeted.has(doc.state)) return doc.state;
    }
    return undefined;
  }

  private async killAndRestart(): Promise<void> {
    const killAt = Date.now();
    const inFlight = [...this.docs.values()].filter(
      (d) => !isSettled(d) && !NOT_OUR_WORK.includes(d.state) && !(d.shots?.length && d.state === 'dreaming'),
    );
    await this.stack.kill();
    const restartAt = Date.now();
    await this.stack.start();
    for (const d of inFlight) this.samples.push({ requestId: d.requestId, state: d.state, killAt, restartAt });
    this.nextKillAt = Date.now() + this.rand() * this.opts.gapMs;
  }

  /** Still waiting for a request that was working at the last kill to be written again. */
  private resuming(): boolean {
    return this.samples.some((s) => s.resumedMs === undefined && !s.unresolved);
  }

  private resolveSamples(): void {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i]!;
      if (s.resumedMs !== undefined || s.unresolved) continue;
      const doc = this.docs.get(s.requestId);
      const writtenAt = doc ? Date.parse(doc.updatedAt) : NaN;
      if (writtenAt > s.killAt) s.resumedMs = Math.max(0, writtenAt - s.restartAt);
      // It finished between the last look and the kill: it was not working at the kill.
      else if (isSettled(doc)) this.samples.splice(i, 1);
      else if (Date.now() - s.restartAt > RESUME_TIMEOUT_MS) s.unresolved = true;
    }
  }
}

function isSettled(doc: VideoRequest | undefined): boolean {
  return Boolean(doc?.state && STATE_MACHINE[doc.state].terminal && !doc.lease);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** mulberry32: the kill moments of a seed are the same every run (the stack's own timing still varies). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A port free right now, kept for every restart (Luma's callback URLs name it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

