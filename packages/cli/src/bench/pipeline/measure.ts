/**
 * The pure derivations of `d2v bench pipeline`: from what the run recorded (each request's transition log, the
 * simulator's generations with their start and end) to the figures of the report. No I/O, so the report's
 * arithmetic is tested apart from the minutes a real run takes.
 */
import { VIDEO_STATES, type Transition, type VideoState } from '@d2v/schema';

/** Nearest-rank percentile of sorted values (p in 0..1); null for no values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/**
 * Seconds one request spent in each state it passed through: from the transition into it to the next one. A
 * state entered more than once (queued ↔ submitting on every 429) counts all its visits. The last state (where
 * the request ended, or is at the end of the run) has no duration.
 */
export function secondsPerState(transitions: readonly Transition[]): Partial<Record<VideoState, number>> {
  const log = [...transitions].sort((a, b) => a.n - b.n);
  const out: Partial<Record<VideoState, number>> = {};
  for (let k = 0; k + 1 < log.length; k++) {
    const state = log[k]!.to;
    const seconds = (Date.parse(log[k + 1]!.at) - Date.parse(log[k]!.at)) / 1000;
    out[state] = (out[state] ?? 0) + Math.max(0, seconds);
  }
  return out;
}

export interface StageFigure {
  /** A state of the request state machine, or `end to end` (from the create call to the end). */
  stage: string;
  /** Requests that spent time in it. */
  requests: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
}

/** p50/p95 across requests of the time spent in each state, in the state machine's order. */
export function stageFigures(perRequest: readonly Partial<Record<VideoState, number>>[]): StageFigure[] {
  const figures: StageFigure[] = [];
  for (const state of VIDEO_STATES) {
    const values = perRequest.map((r) => r[state]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    if (values.length === 0) continue;
    figures.push({ stage: state, requests: values.length, p50Seconds: percentile(values, 0.5), p95Seconds: percentile(values, 0.95) });
  }
  return figures;
}

/** One generation's hold on a concurrency slot, epoch ms; `end` undefined while it is still in flight. */
export interface SlotHold {
  start: number;
  end?: number;
}

/**
 * How busy the slots were over [from, to]: the average number of generations in flight (the integral of the
 * in-flight count ÷ the span), that ÷ the slots, and the most in flight at once. A generation still in flight at
 * `to` holds its slot until `to`.
 */
export function slotUsage(holds: readonly SlotHold[], slots: number, from: number, to: number): { averageInFlight: number; utilisation: number; peakInFlight: number } {
  const span = to - from;
  if (!(span > 0)) return { averageInFlight: 0, utilisation: 0, peakInFlight: 0 };
  const edges: [number, number][] = [];
  let heldMs = 0;
  for (const h of holds) {
    const start = Math.max(from, h.start);
    const end = Math.min(to, h.end ?? to);
    if (end <= start) continue;
    heldMs += end - start;
    edges.push([start, +1], [end, -1]);
  }
  // Ends before starts at the same instant: a slot freed and taken again in the same millisecond is one slot.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (now += d));
  const averageInFlight = heldMs / span;
  return { averageInFlight, utilisation: averageInFlight / slots, peakInFlight: peak };
}

/** Where a run's time went at Luma, against the ideal schedule (all seconds after the run's start). */
export interface LumaTimeline {
  /** When the last generation ended at the simulator: the part of the makespan that Luma's side accounts for. */
  lastEndSeconds: number | null;
  /** The k-th accepted create minus the ideal's k-th create: how late admission sent work (p50, p95, max). */
  createLagSeconds: { p50: number | null; p95: number | null; max: number | null };
  /** How long generations really took at the simulator (its render can outlast the set time on a busy machine). */
  generationSeconds: { p50: number | null; p95: number | null };
  /** The same, in the order of their creates (for the ideal at these times); a generation not ended is left out. */
  generationSecondsInCreateOrder: number[];
}

export function lumaTimeline(holds: readonly SlotHold[], idealCreateAt: readonly number[], from: number): LumaTimeline {
  const starts = holds.map((h) => (h.start - from) / 1000).sort((a, b) => a - b);
  const ends = holds.filter((h) => h.end !== undefined).map((h) => (h.end! - from) / 1000);
  const lags = starts.slice(0, idealCreateAt.length).map((s, k) => Math.max(0, s - idealCreateAt[k]!)).sort((a, b) => a - b);
  const inCreateOrder = [...holds].sort((a, b) => a.start - b.start).filter((h) => h.end !== undefined).map((h) => (h.end! - h.start) / 1000);
  const durations = [...inCreateOrder].sort((a, b) => a - b);
  return {
    generationSecondsInCreateOrder: inCreateOrder,
    lastEndSeconds: ends.length ? Math.max(...ends) : null,
    createLagSeconds: { p50: percentile(lags, 0.5), p95: percentile(lags, 0.95), max: lags.length ? lags[lags.length - 1]! : null },
    generationSeconds: { p50: percentile(durations, 0.5), p95: percentile(durations, 0.95) },
  };
}
