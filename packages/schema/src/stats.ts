/**
 * The statistics operators read (`GET /v1/stats`, `d2v stats`, the dashboard document `stats/{day}`), as types
 * shared by the core, which computes them (packages/core/src/aggregation/), and every client that shows them.
 */

/** Summed counters keyed by a dotted path (`outcomes.succeeded`, `byModel.ray-2.failed`). */
export type StatsCounters = Record<string, number>;

export interface HistogramSummary {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface ModelSummary {
  created: number;
  succeeded: number;
  failed: number;
  successRate: number | null;
  failureRate: number | null;
  creditsCents: number;
  cacheHits: number;
}

export interface StatsSummary {
  events: number;
  requests: { created: number; deleted: number; cancelled: number };
  /** Each time a request became ready (succeeded) or failed; a retried failure that then succeeds counts once each. */
  outcomes: { succeeded: number; failed: number; successRate: number | null; failureRate: number | null };
  byModel: Record<string, ModelSummary>;
  failures: { byCode: Record<string, number>; expected: number; unexpected: number };
  /** Time spent in each working state, created → ready (`total`) and playback's time to first frame (`firstFrame`). */
  latency: Record<string, HistogramSummary>;
  credits: { cents: number; creates: number };
  /** The credits ledger (issue #9): each billed generation once, its refund once (USD cents). */
  ledger: { generations: number; chargedCents: number; refunds: number; refundedCents: number; netCents: number };
  luma: {
    calls: number;
    rateLimited: number;
    /** Share of Luma calls answered 429. */
    rateLimitedRate: number | null;
    outcomes: Record<string, number>;
    byOp: Record<string, { calls: number; failed: number } & HistogramSummary>;
  };
  actions: Record<string, { ok: number; refused: number }>;
  cache: { hits: number };
  quota: { refused: Record<string, number> };
  playback: { starts: number };
  downloads: { count: number; bytes: number };
  alerts: Record<string, number>;
  unexpectedErrors: { total: number; byStep: Record<string, number> };
}

export interface StatsReport {
  since: string;
  until: string;
  days: (StatsSummary & { day: string })[];
  total: StatsSummary;
  /** The raw counters of the whole range (what a recount of the events must equal). */
  counters: StatsCounters;
}
