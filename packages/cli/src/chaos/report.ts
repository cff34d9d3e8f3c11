/** The figures of a chaos run, as one JSON object (`--json`) and as lines for a person. */
import type { RequestVerdict } from './verify';

/** One request that was working when the stack was killed, and how soon after the restart it was written again. */
export interface RecoverySample {
  requestId: string;
  state: string;
  killAt: number;
  restartAt: number;
  /** From the restart (the new process spawned) to the request's first write after the kill. */
  resumedMs?: number;
  /** Not written again within the resume timeout. */
  unresolved?: boolean;
}

export interface ChaosReport {
  ok: boolean;
  seed: number;
  requests: number;
  kills: { random: number; inStates: Record<string, number>; total: number };
  stackStarts: number;
  /** Requests that ended posted, of all. */
  recovered: { posted: number; of: number; notPosted: { requestId: string; state: string; errorCode: string | null }[] };
  /** Restart → first write of each request that was working at a kill (ms). */
  timeToRecoverMs: {
    samples: number;
    p50: number | null;
    p90: number | null;
    max: number | null;
    notResumed: number;
    /** The requests not written again within the resume timeout, and the state they were in at the kill. */
    notResumedRequests: { requestId: string; state: string }[];
    /** The slowest resumes, with the state each was in at the kill. */
    slowest: { requestId: string; state: string; ms: number }[];
  };
  /** Billed generations (a failed one is refunded by Luma) against the creates the requests needed; `created` counts all. */
  lumaGenerationsPerRequest: {
    expected: number;
    actual: number;
    created: number;
    perRequest: number | null;
    billedOnce: number;
    /** Some clip billed more than once. */
    billedTwice: string[];
    /** Some clip never billed (its generation failed at Luma, or it never got that far). */
    notBilled: string[];
  };
  postsPerRequest: { exactlyOne: number; none: string[]; twiceOrMore: string[]; shotPosts: number };
  playable: number;
  timedOut: boolean;
  elapsedMs: number;
  perRequest: RequestVerdict[];
}

export function summarize(input: {
  opts: { seed: number; requests: number };
  verdicts: RequestVerdict[];
  shotPosts: number;
  samples: RecoverySample[];
  randomKills: number;
  targeted: Record<string, number>;
  starts: number;
  timedOut: boolean;
  elapsedMs: number;
}): ChaosReport {
  const { verdicts } = input;
  const resumed = input.samples.filter((s) => s.resumedMs !== undefined).map((s) => s.resumedMs!).sort((a, b) => a - b);
  const notPosted = verdicts.filter((v) => v.state !== 'posted').map(({ requestId, state, errorCode }) => ({ requestId, state, errorCode }));
  const billedTwice = verdicts.filter((v) => v.billedTwice).map((v) => v.requestId);
  const notBilledOnce = verdicts.filter((v) => !v.billedOnce && !v.billedTwice).map((v) => v.requestId);
  const none = verdicts.filter((v) => v.posts === 0).map((v) => v.requestId);
  const twiceOrMore = verdicts.filter((v) => v.posts > 1).map((v) => v.requestId);
  const notResumed = input.samples.length - resumed.length;
  const playable = verdicts.filter((v) => v.playable).length;
  const inStates = Object.values(input.targeted).reduce((a, b) => a + b, 0);
  const report: ChaosReport = {
    ok: false,
    seed: input.opts.seed,
    requests: verdicts.length,
    kills: { random: input.randomKills, inStates: input.targeted, total: input.randomKills + inStates },
    stackStarts: input.starts,
    recovered: { posted: verdicts.length - notPosted.length, of: verdicts.length, notPosted },
    timeToRecoverMs: {
      samples: input.samples.length,
      p50: percentile(resumed, 0.5),
      p90: percentile(resumed, 0.9),
      max: resumed.at(-1) ?? null,
      notResumed,
      notResumedRequests: input.samples.filter((s) => s.unresolved).map(({ requestId, state }) => ({ requestId, state })),
      slowest: input.samples
        .filter((s) => s.resumedMs !== undefined)
        .sort((a, b) => b.resumedMs! - a.resumedMs!)
        .slice(0, 3)
        .map(({ requestId, state, resumedMs }) => ({ requestId, state, ms: resumedMs! })),
    },
    lumaGenerationsPerRequest: {
      expected: verdicts.reduce((n, v) => n + v.expectedGenerations, 0),
      actual: verdicts.reduce((n, v) => n + v.generations, 0),
      created: verdicts.reduce((n, v) => n + v.created, 0),
      perRequest: verdicts.length ? verdicts.reduce((n, v) => n + v.generations / v.expectedGenerations, 0) / verdicts.length : null,
      billedOnce: verdicts.filter((v) => v.billedOnce).length,
      billedTwice,
      notBilled: notBilledOnce,
    },
    postsPerRequest: { exactlyOne: verdicts.filter((v) => v.posts === 1).length, none, twiceOrMore, shotPosts: input.shotPosts },
    playable,
    timedOut: input.timedOut,
    elapsedMs: input.elapsedMs,
    perRequest: verdicts,
  };
  report.ok =
    !input.timedOut &&
    verdicts.length === input.opts.requests &&
    notPosted.length === 0 &&
    billedTwice.length === 0 &&
    notBilledOnce.length === 0 &&
    none.length === 0 &&
    twiceOrMore.length === 0 &&
    input.shotPosts === 0 &&
    playable === verdicts.length &&
    notResumed === 0;
  return report;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const seconds = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);

export function formatReport(r: ChaosReport): string[] {
  const states = Object.entries(r.kills.inStates).map(([s, n]) => `${s}${n > 1 ? `×${n}` : ''}`).join(', ') || 'none';
  const g = r.lumaGenerationsPerRequest;
  const p = r.postsPerRequest;
  return [
    `chaos ${r.ok ? 'PASSED' : 'FAILED'} (seed ${r.seed}, ${(r.elapsedMs / 1000).toFixed(0)} s${r.timedOut ? ', TIMED OUT' : ''})`,
    `  kills (SIGKILL):         ${r.kills.total} — ${r.kills.random} at random moments, ${r.kills.total - r.kills.random} in states: ${states}`,
    `  requests recovered:      ${r.recovered.posted}/${r.recovered.of} posted${r.recovered.notPosted.map((n) => `; ${n.requestId} ${n.state} ${n.errorCode ?? ''}`).join('')}`,
    `  time to recover:         p50 ${seconds(r.timeToRecoverMs.p50)}, p90 ${seconds(r.timeToRecoverMs.p90)}, max ${seconds(r.timeToRecoverMs.max)} ` +
      `(${r.timeToRecoverMs.samples} requests working at a kill; restart → next write${r.timeToRecoverMs.notResumed ? `; ${r.timeToRecoverMs.notResumed} NOT resumed` : ''})`,
    ...(r.timeToRecoverMs.slowest.length
      ? [`  slowest resumes:         ${r.timeToRecoverMs.slowest.map((x) => `${seconds(x.ms)} (${x.state})`).join(', ')}${r.timeToRecoverMs.notResumedRequests.map((x) => `; not resumed: ${x.requestId} (${x.state})`).join('')}`]
      : []),
    `  Luma generations:        ${g.actual} billed for ${g.expected} needed (${g.perRequest?.toFixed(2) ?? '–'} per needed create; ${g.created - g.actual} refunded); ` +
      `${g.billedOnce}/${r.requests} requests billed exactly once per clip, ${g.billedTwice.length} billed twice` +
      `${g.billedTwice.length ? ` (${g.billedTwice.join(', ')})` : ''}${g.notBilled.length ? `; not billed: ${g.notBilled.join(', ')}` : ''}`,
    `  posts per request:       ${p.exactlyOne}/${r.requests} exactly one${p.none.length ? `; none: ${p.none.join(', ')}` : ''}${p.twiceOrMore.length ? `; twice: ${p.twiceOrMore.join(', ')}` : ''}${p.shotPosts ? `; ${p.shotPosts} shot posts` : ''}`,
    `  playable videos:         ${r.playable}/${r.requests}`,
  ];
}
