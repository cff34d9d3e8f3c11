/**
 * What one analytics event adds to the statistics, as flat counter increments keyed by dotted paths
 * (`outcomes.succeeded`, `byModel.ray-2.failed`, `latency.dreaming.b12`). Pure: the aggregator, the readers and
 * the tests' recomputation from raw events all use this one function, so stored aggregates and a recount of
 * the event log can be compared exactly.
 */
import { STATE_MACHINE, isUnexpectedFailure, type AnalyticsEvent } from '@d2v/schema';
import type { DocData } from '../ports';
import { histogramCounters } from './histogram';

/** Flat counter increments keyed by a dotted path into the stats document. */
export type Counters = Record<string, number>;

/** Map keys stay readable but never let a dot or slash split a path. */
export function counterKey(part: string): string {
  const cleaned = part.replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

/** Luma call outcomes that mean Luma said "too many" (the 429 rate). */
const RATE_LIMITED = 'rate_limited';

export function countersForEvent(event: AnalyticsEvent): Counters {
  const c: Counters = {};
  const inc = (path: string, by = 1): void => {
    c[path] = (c[path] ?? 0) + by;
  };
  const addHistogram = (prefix: string, ms: number | undefined): void => {
    if (ms === undefined || !Number.isFinite(ms)) return;
    for (const [path, by] of Object.entries(histogramCounters(prefix, ms))) inc(path, by);
  };
  const model = counterKey(event.model ?? 'unknown');
  inc('events.total');
  inc(`events.${counterKey(event.type)}`);
  switch (event.type) {
    case 'request_created':
      inc('requests.created');
      inc(`byModel.${model}.created`);
      if (event.to === 'failed') countFailure(inc, model, event.errorCode);
      break;
    case 'transition':
      if (event.to) inc(`transitions.${counterKey(event.to)}`);
      // Stage latency: how long the request spent in the working state it left (version 2 events measure that;
      // time in ready/posted/failed is the person's, not the pipeline's).
      if ((event.schemaVersion ?? 1) >= 2 && event.from && STATE_MACHINE[event.from].hasDeadline && event.to !== 'deleted') {
        addHistogram(`latency.${counterKey(event.from)}`, event.durationMs);
      }
      if (event.parentRequestId) {
        // A shot of a multi-shot video: its own Luma generation, but not a video anyone asked for by itself.
        if (event.to === 'ready' || event.to === 'failed') inc(`shots.${event.to === 'ready' ? 'succeeded' : 'failed'}`);
        break;
      }
      if (event.to === 'ready') {
        inc('outcomes.succeeded');
        inc(`byModel.${model}.succeeded`);
        // Created → ready: how long a person waits for a watchable video.
        addHistogram('latency.total', event.totalMs);
      }
      if (event.to === 'failed') countFailure(inc, model, event.errorCode);
      if (event.to === 'deleted') inc('requests.deleted');
      break;
    case 'action':
      inc(`actions.${counterKey(event.action ?? 'unknown')}.${event.ok === false ? 'refused' : 'ok'}`);
      break;
    case 'luma_call': {
      const op = counterKey(event.lumaOp ?? 'unknown');
      inc('luma.calls');
      inc(`luma.byOp.${op}.calls`);
      inc(`luma.outcomes.${counterKey(event.outcome ?? 'unknown')}`);
      if (event.outcome === RATE_LIMITED) inc('luma.rateLimited');
      if (event.outcome !== 'ok') inc(`luma.byOp.${op}.failed`);
      addHistogram(`luma.latency.${op}`, event.durationMs);
      break;
    }
    case 'cache_hit':
      inc('cache.hits');
      inc(`byModel.${model}.cacheHits`);
      break;
    case 'quota_refused':
      inc(`quota.refused.${counterKey(event.reason ?? 'unknown')}`);
      break;
    case 'credits_charged':
      inc('ledger.generations');
      inc('ledger.chargedCents', event.creditsCents ?? 0);
      break;
    case 'credits_refunded':
      inc('ledger.refunds');
      inc('ledger.refundedCents', event.creditsCents ?? 0);
      break;
    case 'cancel':
      inc('requests.cancelled');
      break;
    case 'playback_start':
      inc('playback.starts');
      // Time to first frame: the first byte of the video after the player asked for it.
      addHistogram('latency.firstFrame', event.durationMs);
      break;
    case 'download':
      inc('downloads.count');
      if (event.bytes !== undefined) inc('downloads.bytes', Math.round(event.bytes));
      break;
    case 'alert':
      inc(`alerts.${counterKey(event.alert ?? 'unknown')}`);
      break;
    case 'error':
      inc('unexpectedErrors.total');
      inc(`unexpectedErrors.byStep.${counterKey(event.step ?? 'unknown')}`);
      break;
    case 'credits_balance':
    case 'alert_cleared':
      // Gauges and state changes: the quota monitor keeps them (ops/lumaQuota); nothing to add up.
      break;
  }
  if (event.type === 'luma_call' && event.outcome === 'ok' && event.creditsCents !== undefined && event.creditsCents > 0) {
    inc('credits.cents', event.creditsCents);
    inc('credits.creates');
    inc(`byModel.${model}.creditsCents`, event.creditsCents);
  }
  return c;
}

function countFailure(inc: (path: string, by?: number) => void, model: string, errorCode: string | undefined): void {
  const code = counterKey(errorCode ?? 'UNKNOWN');
  inc('outcomes.failed');
  inc(`byModel.${model}.failed`);
  inc(`failures.byCode.${code}`);
  inc(isUnexpectedFailure(errorCode) ? 'failures.unexpected' : 'failures.expected');
}

/** The counters of many events, summed (the tests' recomputation from the raw event log). */
export function countersForEvents(events: Iterable<AnalyticsEvent>): Counters {
  const total: Counters = {};
  for (const event of events) for (const [path, by] of Object.entries(countersForEvent(event))) total[path] = roundCents((total[path] ?? 0) + by);
  return total;
}

/** Adds flat counters into a nested stats document (pure; returns a new object). */
export function addCounters(doc: DocData, counters: Counters): DocData {
  const out = JSON.parse(JSON.stringify(doc)) as DocData;
  for (const [path, by] of Object.entries(counters)) {
    const parts = path.split('.');
    let node = out as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1]!;
    const current = typeof node[leaf] === 'number' ? (node[leaf] as number) : 0;
    node[leaf] = roundCents(current + by);
  }
  return out;
}

/** Nested counters back to flat dotted paths (the inverse of `addCounters` on an empty document). */
export function flattenCounters(doc: unknown, prefix = ''): Counters {
  const out: Counters = {};
  if (typeof doc !== 'object' || doc === null) return out;
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'number') out[path] = value;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.assign(out, flattenCounters(value, path));
  }
  return out;
}

/** Credit estimates are fractional cents; keep sums free of binary-float dust. */
function roundCents(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
