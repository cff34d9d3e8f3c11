/**
 * The numbers an operator reads, derived from summed counters: success and failure rates (overall and per
 * model), failures by error code (expected vs unexpected), latency per stage with p50/p95/p99, time to a
 * ready video and to the first frame of playback, credits, Luma calls and their 429 rate, actions, cache,
 * quotas, cancels, playback, downloads and alerts. Pure and the same for `/v1/stats`, `d2v stats` and the
 * dashboard document.
 */
import type { Counters } from './counters';
import type { HistogramSummary, ModelSummary, StatsSummary } from '@d2v/schema';
import { summarizeHistogram } from './histogram';

export type { ModelSummary, StatsSummary };



/** The counters under `prefix.` as a map of the next key to the rest (`byModel.ray-2.failed` → ray-2 → {failed}). */
function group(counters: Counters, prefix: string): Record<string, Counters> {
  const out: Record<string, Counters> = {};
  for (const [path, value] of Object.entries(counters)) {
    if (!path.startsWith(`${prefix}.`)) continue;
    const rest = path.slice(prefix.length + 1);
    const dot = rest.indexOf('.');
    const key = dot < 0 ? rest : rest.slice(0, dot);
    const leaf = dot < 0 ? '' : rest.slice(dot + 1);
    (out[key] ??= {})[leaf] = value;
  }
  return out;
}

function leaves(counters: Counters, prefix: string): Record<string, number> {
  return Object.fromEntries(Object.entries(group(counters, prefix)).map(([key, inner]) => [key, inner[''] ?? 0]));
}

function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

export function summarizeCounters(counters: Counters): StatsSummary {
  const n = (path: string): number => counters[path] ?? 0;
  const succeeded = n('outcomes.succeeded');
  const failed = n('outcomes.failed');
  const byModel: Record<string, ModelSummary> = {};
  for (const [model, c] of Object.entries(group(counters, 'byModel'))) {
    const ok = c.succeeded ?? 0;
    const bad = c.failed ?? 0;
    byModel[model] = {
      created: c.created ?? 0,
      succeeded: ok,
      failed: bad,
      successRate: rate(ok, ok + bad),
      failureRate: rate(bad, ok + bad),
      creditsCents: c.creditsCents ?? 0,
      cacheHits: c.cacheHits ?? 0,
    };
  }
  const latency: Record<string, HistogramSummary> = {};
  for (const [stage, h] of Object.entries(group(counters, 'latency'))) latency[stage] = summarizeHistogram(h);
  const lumaLatency = group(counters, 'luma.latency');
  const byOp: StatsSummary['luma']['byOp'] = {};
  for (const [op, c] of Object.entries(group(counters, 'luma.byOp'))) {
    byOp[op] = { calls: c.calls ?? 0, failed: c.failed ?? 0, ...summarizeHistogram(lumaLatency[op]) };
  }
  const actions: StatsSummary['actions'] = {};
  for (const [action, c] of Object.entries(group(counters, 'actions'))) actions[action] = { ok: c.ok ?? 0, refused: c.refused ?? 0 };
  return {
    events: n('events.total'),
    requests: { created: n('requests.created'), deleted: n('requests.deleted'), cancelled: n('requests.cancelled') },
    outcomes: { succeeded, failed, successRate: rate(succeeded, succeeded + failed), failureRate: rate(failed, succeeded + failed) },
    byModel,
    failures: { byCode: leaves(counters, 'failures.byCode'), expected: n('failures.expected'), unexpected: n('failures.unexpected') },
    latency,
    credits: { cents: n('credits.cents'), creates: n('credits.creates') },
    ledger: {
      generations: n('ledger.generations'),
      chargedCents: n('ledger.chargedCents'),
      refunds: n('ledger.refunds'),
      refundedCents: n('ledger.refundedCents'),
      netCents: Math.round((n('ledger.chargedCents') - n('ledger.refundedCents')) * 100) / 100,
    },
    luma: {
      calls: n('luma.calls'),
      rateLimited: n('luma.rateLimited'),
      rateLimitedRate: rate(n('luma.rateLimited'), n('luma.calls')),
      outcomes: leaves(counters, 'luma.outcomes'),
      byOp,
    },
    actions,
    cache: { hits: n('cache.hits') },
    quota: { refused: leaves(counters, 'quota.refused') },
    playback: { starts: n('playback.starts') },
    downloads: { count: n('downloads.count'), bytes: n('downloads.bytes') },
    alerts: leaves(counters, 'alerts'),
    unexpectedErrors: { total: n('unexpectedErrors.total'), byStep: leaves(counters, 'unexpectedErrors.byStep') },
  };
}
