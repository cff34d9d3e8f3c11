/**
 * `d2v bench pipeline`: N requests through the whole local stack at once — the very handlers Firebase runs, over
 * SQLite, file blobs, the durable task queue, ffmpeg and the Luma simulator over real HTTP — and how close the run
 * comes to what Luma's limits allow. Every figure is measured in the run itself:
 *
 *   - makespan ÷ ideal: the first create call to the last request's end, against the greedy schedule at the
 *     simulator's limits (ideal.ts), and ÷ the ideal on this machine: that schedule, then each video compressed
 *     by plain ffmpeg in the stack's process slots (plain-processing.ts, measured after the requests);
 *   - slot utilisation: generations in flight at the simulator (its own start and end of each) ÷ the slots;
 *   - 429s ÷ accepted creates, from the simulator's counters;
 *   - failures: requests that did not end posted or ready;
 *   - p50/p95 of the time in each state, from each request's transition log;
 *   - document writes and reads per request, counting the pipeline's store as the write-budget test does.
 *
 * The stack lives in a temporary data dir removed afterwards. Timing never fails the run: a run that waits too
 * long stops waiting and reports the unfinished requests as failures.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CountingDocumentStore } from '@d2v/core';
import { LocalStack, PROCESS_SLOTS } from '@d2v/local';
import type { SimulatedGeneration } from '@d2v/luma-sim';
import { docPaths, type VideoRequest, type VideoState } from '@d2v/schema';
import { idealSchedule, idealScheduleAt, processedBy } from './ideal';
import { plainCompressSeconds } from './plain-processing';
import { lumaTimeline, percentile, secondsPerState, slotUsage, stageFigures } from './measure';
import type { PipelineBenchReport, PipelineBenchSettings } from './report';

export interface PipelineBenchOptions {
  /** N=12, G=4 unless given: well under a minute. */
  quick?: boolean;
  requests?: number;
  generationSeconds?: number;
  slots?: number;
  perMinute?: number;
  /** Give up waiting after this long (default: 3 × ideal + 10 min); what has not ended counts as a failure. */
  timeoutMs?: number;
  /**
   * The simulator renders every video with ffmpeg on this machine (default false: it renders each size once and
   * serves copies, so the cores measure the pipeline, as Luma's own hardware would leave them).
   */
  renderEveryVideo?: boolean;
  log?: (line: string) => void;
}

export const PIPELINE_DEFAULTS = { requests: 40, generationSeconds: 40, slots: 10, perMinute: 20 } as const;
export const PIPELINE_QUICK = { requests: 12, generationSeconds: 4 } as const;
/** functions/src/config.ts STATS_FLUSH_SECONDS' default. */
const STATS_FLUSH_SECONDS = 10;

/**
 * The seeded demo user's text draft (no keyframe image, so each request is one Luma video generation), copied to one
 * person per `PER_PERSON` requests: the per-person quotas stay at their defaults and cost what they cost in
 * production (the in-flight check reads a person's working requests — one person sending all N made reads grow
 * with N).
 */
const SEED_UID = 'demo-user';
const DRAFT = 'demo-sunrise';
const PER_PERSON = 5;
const personOf = (i: number): string => `bench-person-${Math.floor(i / PER_PERSON)}`;
/** The simulator's cheapest render; `fresh` bypasses the content cache, so every request really generates. */
const VIDEO = { resolution: '540p', aspectRatio: '16:9', duration: '5s' } as const;
const ENDED: readonly VideoState[] = ['posted', 'failed', 'cancelled', 'deleted'];
const SUCCEEDED: readonly VideoState[] = ['posted', 'ready'];
const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;
const roundOrNull = (n: number | null): number | null => (n === null ? null : round(n));

/** The environment without what would point the stack at the real Luma or change the simulator behind our back. */
function benchEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('LUMA_SIM_') && !k.startsWith('LUMAAI_')) out[k] = v;
  return out;
}

export async function runPipelineBenchmark(opts: PipelineBenchOptions = {}): Promise<PipelineBenchReport> {
  const log = opts.log ?? (() => undefined);
  const quick = opts.quick === true;
  const requests = opts.requests ?? (quick ? PIPELINE_QUICK.requests : PIPELINE_DEFAULTS.requests);
  const generationSeconds = opts.generationSeconds ?? (quick ? PIPELINE_QUICK.generationSeconds : PIPELINE_DEFAULTS.generationSeconds);
  const slots = opts.slots ?? PIPELINE_DEFAULTS.slots;
  const perMinute = opts.perMinute ?? PIPELINE_DEFAULTS.perMinute;
  const settings: PipelineBenchSettings = {
    requests, generationSeconds, slots, perMinute, video: { ...VIDEO },
    // Admission control (luma-capacity/) is told Luma's limits, as a deploy for another tier would be; the submit
    // queue keeps the stack's defaults (it no longer paces creates: admission does).
    admission: { lumaMaxConcurrent: slots, lumaCreatesPerMinute: perMinute },
    statsFlushSeconds: STATS_FLUSH_SECONDS,
    simulatorRenders: opts.renderEveryVideo ? 'every video' : 'reused',
    processSlots: PROCESS_SLOTS,
  };
  const ideal = idealSchedule(requests, { slots, perMinute, generationSeconds });
  const custom = opts.requests !== undefined || opts.generationSeconds !== undefined || opts.slots !== undefined || opts.perMinute !== undefined;
  const started = Date.now();
  const load = [loadavg()[0]!];

  const dataDir = await mkdtemp(join(tmpdir(), 'd2v-bench-pipeline-'));
  let counter: CountingDocumentStore | undefined;
  let stack: LocalStack | undefined;
  try {
    log(`starting the local stack (simulator: ${slots} in flight, ${perMinute} creates/min, ${generationSeconds} s per generation)`);
    try {
      stack = await LocalStack.start({
        env: benchEnv(process.env),
        logger: 'silent',
        webAppDir: false,
        wrapStore: (store) => (counter = new CountingDocumentStore(store)),
        config: {
          dataDir,
          port: 0,
          // The deployed aggregator's cadence (STATS_FLUSH_SECONDS), not the local console's 1 s: its writes are a
          // cost per flush, and the run measures what the product costs as deployed.
          statsFlushIntervalMs: STATS_FLUSH_SECONDS * 1000,
        },
        // The progress estimate and its throttled writes follow the generation time, as they would in production.
        core: { expectedDreamingMs: generationSeconds * 1000, ...settings.admission },
        simulator: {
          seed: 1,
          // The whole generation time is dreaming (the render runs meanwhile); queued would only split it.
          timing: { queuedMs: 0, dreamingMs: generationSeconds * 1000 },
          limits: { maxConcurrent: { ray: slots }, createsPerMinute: { ray: perMinute } },
          reuseRenders: !opts.renderEveryVideo,
        },
      });
    } catch (e) {
      throw new Error(`the local stack did not start: ${(e as Error).message}`);
    }
    const sim = stack.simulator!;
    const draft = await stack.documents.get(docPaths.draft(SEED_UID, DRAFT));
    if (!draft) throw new Error(`the seeded draft ${SEED_UID}/${DRAFT} is missing`);
    for (let p = 0; p * PER_PERSON < requests; p++) {
      const uid = personOf(p * PER_PERSON);
      await stack.documents.runTransaction(async (tx) => tx.set(docPaths.draft(uid, DRAFT), { ...draft.data, uid }));
    }
    // The start's resume sweep is not the benchmark's work.
    counter!.reset();

    log(`submitting ${requests} requests (ideal at Luma's limits: ${round(ideal.seconds, 1)} s)`);
    const t0 = Date.now();
    const ids: string[] = [];
    const owner = new Map<string, string>();
    for (let i = 0; i < requests; i++) {
      const { requestId } = await stack.api.createRequest(personOf(i), { draftId: DRAFT, options: { ...VIDEO, autoPost: true, fresh: true } });
      ids.push(requestId);
      owner.set(requestId, personOf(i));
    }

    const timeoutMs = opts.timeoutMs ?? 3 * ideal.seconds * 1000 + 10 * 60_000;
    const final = await waitUntilEnded(stack, ids, t0 + timeoutMs, log);
    await stack.flushStats(); // the aggregator's writes for these requests belong to them

    // Each request's end is its last transition; the makespan runs to the last of them.
    const perState: ReturnType<typeof secondsPerState>[] = [];
    const endToEnd: number[] = [];
    let end = t0;
    for (const id of ids) {
      const transitions = await stack.api.listTransitions(owner.get(id)!, id);
      const doc = final.get(id);
      const stateTimes = secondsPerState(transitions);
      perState.push(stateTimes);
      if (doc && ENDED.includes(doc.state) && transitions.length) {
        const endedAt = Math.max(...transitions.map((t) => Date.parse(t.at)));
        end = Math.max(end, endedAt);
        endToEnd.push((endedAt - t0) / 1000);
      }
    }
    const timedOut = ids.some((id) => !ENDED.includes(final.get(id)?.state as VideoState));
    if (timedOut) end = Date.now();
    const makespanSeconds = (end - t0) / 1000;

    const generations = sim.generations();
    const holds = generations.filter((g) => g.generation.generation_type === 'video').map((g) => ({ start: Date.parse(g.generation.created_at), end: g.endedAt }));
    const usage = slotUsage(holds, slots, t0, end);
    const timeline = lumaTimeline(holds, ideal.createAt, t0);
    const idealAtRun = idealScheduleAt(requests, { slots, perMinute, generationSeconds }, timeline.generationSecondsInCreateOrder);
    const floor = await measureProcessingFloor(generations, dataDir, log);
    const idealOnMachine = floor === null ? null : processedBy(ideal.doneAt, PROCESS_SLOTS, floor);
    const simStats = sim.stats();
    const creates = Object.values(simStats.creates).reduce((a, b) => a + b, 0);
    const counts = counter!.report();
    // The aggregator's bucket writes are per flush, not per request (docs/SCALE.md): shown apart as well.
    const statisticsWrites = Object.entries(counts.byPattern).filter(([pattern]) => pattern.startsWith('stats/')).reduce((n, [, c]) => n + c.writes, 0);

    const byState: Record<string, number> = {};
    const failed: PipelineBenchReport['requests']['failed'] = [];
    for (const id of ids) {
      const doc = final.get(id);
      const state = doc?.state ?? 'missing';
      byState[state] = (byState[state] ?? 0) + 1;
      if (!SUCCEEDED.includes(state as VideoState) && failed.length < 5) failed.push({ requestId: id, state, code: doc?.error?.code ?? null, message: doc?.error?.message ?? null });
    }
    const posted = byState.posted ?? 0;
    const sortedEnds = endToEnd.sort((a, b) => a - b);
    const stages = [
      ...stageFigures(perState),
      { stage: 'end to end', requests: sortedEnds.length, p50Seconds: percentile(sortedEnds, 0.5), p95Seconds: percentile(sortedEnds, 0.95) },
    ].map((f) => ({ ...f, p50Seconds: f.p50Seconds === null ? null : round(f.p50Seconds), p95Seconds: f.p95Seconds === null ? null : round(f.p95Seconds) }));
    load.push(loadavg()[0]!);

    return {
      mode: custom ? 'custom' : quick ? 'quick' : 'default',
      settings,
      machine: { cores: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version, loadAverage: { start: round(load[0]!, 2), end: round(load[1]!, 2) } },
      idealSeconds: round(ideal.seconds),
      makespanSeconds: round(makespanSeconds),
      makespanOfIdeal: round(ideal.seconds > 0 ? makespanSeconds / ideal.seconds : 0),
      idealAtRunSeconds: round(idealAtRun.seconds),
      makespanOfIdealAtRun: round(idealAtRun.seconds > 0 ? makespanSeconds / idealAtRun.seconds : 0),
      onThisMachine: {
        plainCompressSeconds: roundOrNull(floor),
        idealSeconds: roundOrNull(idealOnMachine),
        makespanOfIdeal: roundOrNull(idealOnMachine ? makespanSeconds / idealOnMachine : null),
      },
      slots: {
        averageInFlight: round(usage.averageInFlight),
        utilisation: round(usage.utilisation),
        idealUtilisation: round(ideal.seconds > 0 ? (requests * generationSeconds) / (slots * ideal.seconds) : 0),
        peakInFlight: usage.peakInFlight,
      },
      luma: { creates, rateLimited: simStats.rateLimited, rateLimitedPerCreate: round(creates ? simStats.rateLimited / creates : 0) },
      timeline: {
        lumaSeconds: roundOrNull(timeline.lastEndSeconds),
        lumaOfIdeal: roundOrNull(timeline.lastEndSeconds !== null && ideal.seconds > 0 ? timeline.lastEndSeconds / ideal.seconds : null),
        afterLumaSeconds: roundOrNull(timeline.lastEndSeconds !== null ? makespanSeconds - timeline.lastEndSeconds : null),
        createLagSeconds: { p50: roundOrNull(timeline.createLagSeconds.p50), p95: roundOrNull(timeline.createLagSeconds.p95), max: roundOrNull(timeline.createLagSeconds.max) },
        generationSeconds: { p50: roundOrNull(timeline.generationSeconds.p50), p95: roundOrNull(timeline.generationSeconds.p95) },
      },
      requests: { total: requests, posted, failures: ids.filter((id) => !SUCCEEDED.includes(final.get(id)?.state as VideoState)).length, byState, failed, timedOut },
      stages,
      store: {
        writes: counts.writes,
        reads: counts.reads,
        writesPerRequest: round(counts.writes / requests, 2),
        statisticsWrites,
        writesPerRequestWithoutStatistics: round((counts.writes - statisticsWrites) / requests, 2),
        readsPerRequest: round(counts.reads / requests, 2),
        byPattern: Object.fromEntries(Object.entries(counts.byPattern).sort((a, b) => b[1].writes - a[1].writes || b[1].reads - a[1].reads)),
      },
      elapsedSeconds: round((Date.now() - started) / 1000, 1),
    };
  } finally {
    await stack?.stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Plain ffmpeg on one of the run's videos (the last completed generation's, fetched from the simulator like the
 * pipeline's download): seconds per video with the process slots full. Null if no video completed.
 */
async function measureProcessingFloor(generations: readonly SimulatedGeneration[], dir: string, log: (line: string) => void): Promise<number | null> {
  const url = [...generations].reverse().find((g) => g.generation.state === 'completed' && g.generation.assets?.video)?.generation.assets?.video;
  if (!url) return null;
  const res = await fetch(url);
  if (!res.ok) return null;
  const video = join(dir, 'floor-source.mp4');
  await writeFile(video, Buffer.from(await res.arrayBuffer()));
  log(`measuring plain ffmpeg on one of the run's videos, ${PROCESS_SLOTS} at once`);
  return plainCompressSeconds(video, PROCESS_SLOTS);
}

/**
 * Polls the requests (one query of the uncounted store per second, so the waiting adds nothing to the figures
 * and little load) until all have ended or the deadline passes; the last state of each.
 */
async function waitUntilEnded(stack: LocalStack, ids: readonly string[], deadline: number, log: (line: string) => void): Promise<Map<string, VideoRequest>> {
  const wanted = new Set(ids);
  let lastLine = '';
  for (;;) {
    const snaps = await stack.documents.query<VideoRequest>({ collection: 'videoRequests', group: true });
    const latest = new Map(snaps.map((s) => s.data).filter((d) => wanted.has(d.requestId)).map((d) => [d.requestId, d]));
    const ended = ids.filter((id) => ENDED.includes(latest.get(id)?.state as VideoState)).length;
    const line = `${ended}/${ids.length} ended`;
    if (line !== lastLine) log((lastLine = line));
    if (ended === ids.length || Date.now() > deadline) return latest;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
