/**
 * The shape of a `d2v bench pipeline` report and its text form. Kept apart from the run so the command, the
 * formatter and the tests depend on the shape, not on how it was measured.
 */
import type { StageFigure } from './measure';

export interface PipelineBenchSettings {
  requests: number;
  generationSeconds: number;
  slots: number;
  perMinute: number;
  /** What every request asks for (the simulator's cheapest, fastest render). */
  video: { resolution: string; aspectRatio: string; duration: string };
  /** The limits admission control was configured with (the same as the simulator's). */
  admission: { lumaMaxConcurrent: number; lumaCreatesPerMinute: number };
  /** How often the statistics aggregator flushes (the deployed default; the local console's is 1 s). */
  statsFlushSeconds: number;
  /** The simulator's renders: each size once and copies after (the default), or every video on this machine's cores. */
  simulatorRenders: 'reused' | 'every video';
  /** Videos the stack processes at once (its process queue). */
  processSlots: number;
}

export interface PipelineBenchReport {
  mode: 'default' | 'quick' | 'custom';
  settings: PipelineBenchSettings;
  machine: { cores: number; cpu: string; node: string; loadAverage: { start: number; end: number } };
  /** The greedy schedule at Luma's limits (ideal.ts), seconds. */
  idealSeconds: number;
  /** From the first create call to the last request's end, seconds. */
  makespanSeconds: number;
  /** makespan ÷ ideal: ≥ 1, how much slower than Luma's limits allow. */
  makespanOfIdeal: number;
  /** The ideal schedule with the generation times the simulator really took in this run (idealScheduleAt), seconds. */
  idealAtRunSeconds: number;
  /** makespan ÷ that: what is left once the simulator's own slowness on this machine is taken out. */
  makespanOfIdealAtRun: number;
  /**
   * The ideal on this machine: Luma's ideal schedule, then each video as it ends compressed by plain ffmpeg (the
   * pipeline's argument list, measured in this run with the process slots full) in the stack's process slots — the
   * floor no pipeline on these cores can beat. Null when no video completed.
   */
  onThisMachine: { plainCompressSeconds: number | null; idealSeconds: number | null; makespanOfIdeal: number | null };
  /**
   * Generations in flight at the simulator over the makespan; `idealUtilisation` is what the ideal schedule
   * reaches (N × G ÷ (C × ideal)): when the per-minute limit binds, no schedule keeps the slots busy.
   */
  slots: { averageInFlight: number; utilisation: number; idealUtilisation: number; peakInFlight: number };
  luma: {
    /** Accepted creates (every generation type). */
    creates: number;
    /** 429 answers (concurrency or per-minute). */
    rateLimited: number;
    rateLimitedPerCreate: number;
  };
  /**
   * The makespan split at the last generation's end: the Luma side (what admission control owns) and the tail
   * after it (download, ffmpeg, posting of the last videos — on this machine's cores, where Firebase would give
   * each its own instance). Create lag and real generation times say where the Luma side lost time.
   */
  timeline: {
    lumaSeconds: number | null;
    lumaOfIdeal: number | null;
    afterLumaSeconds: number | null;
    createLagSeconds: { p50: number | null; p95: number | null; max: number | null };
    generationSeconds: { p50: number | null; p95: number | null };
  };
  requests: {
    total: number;
    posted: number;
    /** Requests that did not end posted or ready (still working when the run gave up counts too). */
    failures: number;
    /** Final state → count. */
    byState: Record<string, number>;
    /** The first few failures, for a person to follow up (`d2v inspect` needs the data dir, which is removed). */
    failed: { requestId: string; state: string; code: string | null; message: string | null }[];
    /** The run stopped waiting before every request ended. */
    timedOut: boolean;
  };
  /** Time spent in each state, p50/p95 across requests, and end to end. */
  stages: StageFigure[];
  /** Document reads and writes of the pipeline's store (CountingDocumentStore), over the whole run. */
  store: {
    writes: number;
    reads: number;
    writesPerRequest: number;
    /** Writes of the statistics buckets: one per bucket per flush, so a cost per second of the run, not per request. */
    statisticsWrites: number;
    writesPerRequestWithoutStatistics: number;
    readsPerRequest: number;
    /** Where they go, per document path pattern (`users/{uid}/videoRequests/{requestId}`), most writes first. */
    byPattern: Record<string, { writes: number; reads: number }>;
  };
  /** Wall-clock of the run from before the stack's start to the report (its stop not included), seconds. */
  elapsedSeconds: number;
}

const fixed = (n: number | null, digits: number): string => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits));

/** Rows of label and value, the labels padded to one width. */
function table(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
}

export function formatPipelineBenchReport(r: PipelineBenchReport): string {
  const s = r.settings;
  const stageWidth = Math.max(5, ...r.stages.map((f) => f.stage.length));
  return [
    `d2v bench pipeline (${r.mode}) — ${r.machine.cores} cores ${r.machine.cpu}, Node ${r.machine.node}, load average ${r.machine.loadAverage.start} → ${r.machine.loadAverage.end}`,
    `  ${s.requests} requests, generation ${s.generationSeconds} s, Luma limits ${s.slots} in flight and ${s.perMinute} creates/min; ${s.video.resolution} ${s.video.aspectRatio} ${s.video.duration}; simulator renders ${s.simulatorRenders}; admission control at ${s.admission.lumaMaxConcurrent} in flight, ${s.admission.lumaCreatesPerMinute}/min`,
    '',
    ...table([
      ['makespan ÷ ideal', `${fixed(r.makespanOfIdeal, 2)}  (${fixed(r.makespanSeconds, 1)} s ÷ ${fixed(r.idealSeconds, 1)} s)`],
      ['  ÷ ideal on this machine', `${fixed(r.onThisMachine.makespanOfIdeal, 2)}  (÷ ${fixed(r.onThisMachine.idealSeconds, 1)} s: the ideal, then plain ffmpeg compressing each video as it ends, ${fixed(r.onThisMachine.plainCompressSeconds, 2)} s each, ${s.processSlots} at once)`],
      ['  ÷ ideal at the run\'s generation times', `${fixed(r.makespanOfIdealAtRun, 2)}  (÷ ${fixed(r.idealAtRunSeconds, 1)} s: the same schedule with the generations as long as the simulator took)`],
      ['  Luma side ÷ ideal', `${fixed(r.timeline.lumaOfIdeal, 2)}  (last generation ended at ${fixed(r.timeline.lumaSeconds, 1)} s; then ${fixed(r.timeline.afterLumaSeconds, 1)} s to the last post)`],
      ['  create lag', `p50 ${fixed(r.timeline.createLagSeconds.p50, 1)} s, p95 ${fixed(r.timeline.createLagSeconds.p95, 1)} s, max ${fixed(r.timeline.createLagSeconds.max, 1)} s behind the ideal schedule's creates`],
      ['  generations took', `p50 ${fixed(r.timeline.generationSeconds.p50, 1)} s, p95 ${fixed(r.timeline.generationSeconds.p95, 1)} s at the simulator (set: ${s.generationSeconds} s)`],
      ['slot utilisation', `${fixed(r.slots.utilisation, 2)}  (${fixed(r.slots.averageInFlight, 2)} of ${s.slots} in flight on average, peak ${r.slots.peakInFlight}; the ideal schedule ${fixed(r.slots.idealUtilisation, 2)})`],
      ['429s ÷ creates', `${fixed(r.luma.rateLimitedPerCreate, 2)}  (${r.luma.rateLimited} ÷ ${r.luma.creates})`],
      ['failures', `${r.requests.failures} of ${r.requests.total}${r.requests.timedOut ? ' (the run stopped waiting)' : ''}  — ${Object.entries(r.requests.byState).map(([state, n]) => `${state} ${n}`).join(', ')}`],
      ['writes per request', `${fixed(r.store.writesPerRequest, 1)}  (${r.store.writes} ÷ ${r.requests.total}; ${fixed(r.store.writesPerRequestWithoutStatistics, 1)} without the ${r.store.statisticsWrites} statistics flushes, one per bucket every ${s.statsFlushSeconds} s)`],
      ['reads per request', `${fixed(r.store.readsPerRequest, 1)}  (${r.store.reads} ÷ ${r.requests.total})`],
    ]),
    ...r.requests.failed.map((f) => `    ${f.requestId} ${f.state}${f.code ? ` ${f.code}` : ''}${f.message ? `: ${f.message}` : ''}`),
    '',
    `  ${'stage'.padEnd(stageWidth)}  requests     p50 s     p95 s`,
    ...r.stages.map((f) => `  ${f.stage.padEnd(stageWidth)}  ${String(f.requests).padStart(8)}  ${fixed(f.p50Seconds, 2).padStart(8)}  ${fixed(f.p95Seconds, 2).padStart(8)}`),
  ].join('\n');
}
