/** `d2v stats` as text: the summary an on-call person reads first, then the detail. */
import type { HistogramSummary, QuotaMonitorDoc, StatsReport } from '@d2v/core';

const pct = (r: number | null | undefined): string => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);
const ms = (v: number | null): string => (v === null ? '–' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);
const cents = (c: number | null | undefined): string => (c === null || c === undefined ? '–' : `$${(c / 100).toFixed(2)}`);

function latencyRow(name: string, h: HistogramSummary): string {
  return `  ${name.padEnd(18)} ${String(h.count).padStart(6)}  ${ms(h.p50Ms).padStart(8)}  ${ms(h.p95Ms).padStart(8)}  ${ms(h.p99Ms).padStart(8)}`;
}

export function formatStats(report: StatsReport, quota: QuotaMonitorDoc | null): string {
  const t = report.total;
  const out: string[] = [`draft2video statistics ${report.since} … ${report.until} (${report.days.length} day(s) with events, ${t.events} events)`];
  out.push(`requests   created ${t.requests.created}, succeeded ${t.outcomes.succeeded}, failed ${t.outcomes.failed} (success ${pct(t.outcomes.successRate)}), cancelled ${t.requests.cancelled}, deleted ${t.requests.deleted}`);
  for (const [model, m] of Object.entries(t.byModel)) {
    out.push(`  ${model.padEnd(12)} created ${m.created}, ok ${m.succeeded}, failed ${m.failed}, success ${pct(m.successRate)}, credits ${cents(m.creditsCents)}, cache hits ${m.cacheHits}`);
  }
  const codes = Object.entries(t.failures.byCode).sort((a, b) => b[1] - a[1]);
  out.push(`failures   expected ${t.failures.expected}, unexpected ${t.failures.unexpected}${codes.length ? ` — ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}` : ''}`);
  out.push(`errors     unexpected (Error Reporting) ${t.unexpectedErrors.total}${Object.keys(t.unexpectedErrors.byStep).length ? ` — ${Object.entries(t.unexpectedErrors.byStep).map(([s, n]) => `${s} ${n}`).join(', ')}` : ''}`);
  out.push(`credits    ${cents(t.credits.cents)} over ${t.credits.creates} billed creates`);
  out.push(`spend      ${cents(t.ledger.netCents)} net: ${t.ledger.generations} generations charged ${cents(t.ledger.chargedCents)}, ${t.ledger.refunds} refunded ${cents(t.ledger.refundedCents)} (credits ledger)`);
  for (const d of report.days) if (d.ledger.generations || d.ledger.refunds) out.push(`  ${d.day}   ${cents(d.ledger.netCents)} net (charged ${cents(d.ledger.chargedCents)}, refunded ${cents(d.ledger.refundedCents)})`);
  out.push(`Luma       ${t.luma.calls} calls, 429 ${t.luma.rateLimited} (${pct(t.luma.rateLimitedRate)})${Object.keys(t.luma.outcomes).length ? ` — ${Object.entries(t.luma.outcomes).map(([o, n]) => `${o} ${n}`).join(', ')}` : ''}`);
  out.push(`latency    ${'stage'.padEnd(18)} ${'count'.padStart(6)}  ${'p50'.padStart(8)}  ${'p95'.padStart(8)}  ${'p99'.padStart(8)}`);
  for (const [stage, h] of Object.entries(t.latency)) out.push(latencyRow(stage, h));
  for (const [op, h] of Object.entries(t.luma.byOp)) out.push(latencyRow(`luma ${op}`, h));
  const actions = Object.entries(t.actions).map(([a, r]) => `${a} ${r.ok}${r.refused ? ` (+${r.refused} refused)` : ''}`);
  if (actions.length) out.push(`actions    ${actions.join(', ')}`);
  out.push(`playback   ${t.playback.starts} starts, ${t.downloads.count} downloads, cache hits ${t.cache.hits}, quota refusals ${Object.values(t.quota.refused).reduce((a, b) => a + b, 0)}`);
  if (Object.keys(t.alerts).length) out.push(`alerts     ${Object.entries(t.alerts).map(([a, n]) => `${a} ${n}`).join(', ')}`);
  if (quota) {
    const l = quota.last;
    out.push(`quota      balance ${cents(l.balanceCents)}, burn ${l.burnCentsPerDay === null ? '–' : `${cents(l.burnCentsPerDay)}/day`}, days left ${l.daysLeft ?? '–'}, slots ${l.slotsInUse}/${l.slotsMax ?? '?'} (${pct(l.slotUsage)}), 429 last hour(s) ${pct(l.rateLimitedRate)} of ${l.lumaCalls} (as of ${l.at})`);
    const active = Object.entries(quota.alerts).filter(([, a]) => a?.active);
    out.push(`           active alerts: ${active.length ? active.map(([n, a]) => `${n} since ${a!.since}`).join(', ') : 'none'}`);
  }
  return `${out.join('\n')}\n`;
}
