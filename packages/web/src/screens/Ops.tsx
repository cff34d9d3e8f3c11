import { useEffect, useState } from 'react';
import { ArcElement, BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip, type ChartOptions } from 'chart.js';
import { Bar, Doughnut } from 'react-chartjs-2';
import { RotateCcw } from 'lucide-react';
import { STATE_MACHINE, VIDEO_STATES, type HistogramSummary, type StatsSummary } from '@d2v/schema';
import type { StatsSnapshot } from '@d2v/client';
import { useSession } from '../session';
import { useAsync } from '../hooks/useAsync';
import { cents } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';

ChartJS.register(ArcElement, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const REFRESH_MS = 5_000;
const COLORS = { ok: '#1f9d66', bad: '#d64545', accent: '#5b4cdb', muted: '#9aa3b5', soft: '#b9b2f0' };
const SPANS = [
  { value: '', label: 'Today' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
] as const;

const bars = (horizontal = false, stacked = false, legend = stacked): ChartOptions<'bar'> => ({
  indexAxis: horizontal ? 'y' : 'x',
  responsive: true,
  maintainAspectRatio: false,
  animation: { duration: 250 },
  plugins: { legend: { display: legend, position: 'bottom' } },
  scales: {
    x: { stacked, beginAtZero: true, ...(horizontal ? { ticks: { precision: 0 } } : {}) },
    y: { stacked, beginAtZero: true, ...(horizontal ? {} : { ticks: { precision: 0 } }) },
  },
});

function ChartCard({ title, summary, children }: { title: string; summary: string; children: React.ReactNode }) {
  const id = `chart-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section className="card chart-card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {/* The canvas is a picture; its numbers in words for screen readers. */}
      <div className="chart-box" role="img" aria-label={summary}>
        {children}
      </div>
    </section>
  );
}

/** An error code as chart label lines (LUMA_GENERATION_FAILED → LUMA_GENERATION / _FAILED) to fit a phone. */
function wrapCode(code: string, width = 14): string[] {
  const lines: string[] = [];
  for (const part of code.split(/(?=_)/)) {
    if (lines.length && (lines[lines.length - 1] + part).length <= width) lines[lines.length - 1] += part;
    else lines.push(part);
  }
  return lines;
}

function describe(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length ? entries.map(([k, n]) => `${k}: ${n}`).join(', ') : 'none yet';
}

const percent = (rate: number | null): string => (rate === null ? '—' : `${Math.round(rate * 100)}%`);
const secondsOf = (ms: number | null): number => (ms === null ? 0 : Math.round(ms / 100) / 10);

/** Working states in pipeline order, then the whole request and playback's first frame. */
function latencyStages(latency: Record<string, HistogramSummary>): { key: string; label: string; h: HistogramSummary }[] {
  const stages: { key: string; label: string; h: HistogramSummary }[] = VIDEO_STATES.filter((s) => !STATE_MACHINE[s].terminal && (latency[s]?.count ?? 0) > 0).map((s) => ({ key: s as string, label: STATE_MACHINE[s].label, h: latency[s]! }));
  if ((latency.total?.count ?? 0) > 0) stages.push({ key: 'total', label: 'Created → ready', h: latency.total! });
  if ((latency.firstFrame?.count ?? 0) > 0) stages.push({ key: 'firstFrame', label: 'Time to first frame', h: latency.firstFrame! });
  return stages;
}

function Charts({ t }: { t: StatsSummary }) {
  const stages = latencyStages(t.latency);
  const failures = Object.entries(t.failures.byCode).sort((a, b) => b[1] - a[1]);
  const models = Object.entries(t.byModel);
  return (
    <div className="charts">
      <ChartCard title="Success and failure" summary={`${t.outcomes.succeeded} succeeded, ${t.outcomes.failed} failed`}>
        <Doughnut
          data={{ labels: ['Succeeded', 'Failed'], datasets: [{ data: [t.outcomes.succeeded, t.outcomes.failed], backgroundColor: [COLORS.ok, COLORS.bad] }] }}
          options={{ responsive: true, maintainAspectRatio: false, animation: { duration: 250 }, plugins: { legend: { position: 'bottom' } } }}
        />
      </ChartCard>
      <ChartCard
        title="Latency per stage (seconds)"
        summary={stages.length ? stages.map((s) => `${s.label}: p50 ${secondsOf(s.h.p50Ms)} s, p95 ${secondsOf(s.h.p95Ms)} s, p99 ${secondsOf(s.h.p99Ms)} s`).join('; ') : 'none yet'}
      >
        {stages.length ? (
          <Bar
            data={{
              labels: stages.map((s) => s.label),
              datasets: [
                { label: 'p50', data: stages.map((s) => secondsOf(s.h.p50Ms)), backgroundColor: COLORS.accent },
                { label: 'p95', data: stages.map((s) => secondsOf(s.h.p95Ms)), backgroundColor: COLORS.soft },
                { label: 'p99', data: stages.map((s) => secondsOf(s.h.p99Ms)), backgroundColor: COLORS.muted },
              ],
            }}
            options={bars(true, false, true)}
          />
        ) : (
          <p className="empty-chart">No finished stage yet.</p>
        )}
      </ChartCard>
      <ChartCard title="Failures by code" summary={describe(t.failures.byCode)}>
        {failures.length ? (
          <Bar data={{ labels: failures.map(([k]) => wrapCode(k)), datasets: [{ label: 'failures', data: failures.map(([, n]) => n), backgroundColor: COLORS.bad }] }} options={bars(true)} />
        ) : (
          <p className="empty-chart">No failures recorded.</p>
        )}
      </ChartCard>
      <ChartCard
        title="Outcomes and credits per model"
        summary={models.length ? models.map(([m, s]) => `${m}: ${s.succeeded} succeeded, ${s.failed} failed, ${cents(s.creditsCents)}`).join('; ') : 'none yet'}
      >
        <Bar
          data={{
            labels: models.map(([m]) => m),
            datasets: [
              { label: 'succeeded', data: models.map(([, s]) => s.succeeded), backgroundColor: COLORS.ok },
              { label: 'failed', data: models.map(([, s]) => s.failed), backgroundColor: COLORS.bad },
            ],
          }}
          options={bars(false, true)}
        />
      </ChartCard>
    </div>
  );
}

/** What operators watch, from GET /v1/stats: rates, latency per stage, failures, credits and Luma's 429s. */
export function Ops() {
  const { client } = useSession();
  const [since, setSince] = useState('');
  const stats = useAsync<StatsSnapshot>(() => client.stats(since ? { since } : {}), [client, since]);
  useEffect(() => {
    const timer = setInterval(stats.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [stats.reload]);

  const t = stats.data?.total;
  return (
    <section aria-labelledby="ops-title">
      <div className="title-row">
        <h1 id="ops-title">Ops</h1>
        <label className="inline-field">
          <span>Period</span>
          <select value={since} onChange={(e) => setSince(e.target.value)}>
            {SPANS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <Button icon={RotateCcw} onClick={stats.reload} loading={stats.loading && !t} loadingText="Loading…">
          Refresh
        </Button>
      </div>
      {stats.error && <ErrorNote error={stats.error} />}
      {t && (
        <>
          <div className="kpis">
            <div className="card kpi">
              <p className="kpi-value" data-testid="success-rate">{percent(t.outcomes.successRate)}</p>
              <p className="meta">success rate ({t.outcomes.succeeded} ready · {t.outcomes.failed} failed)</p>
            </div>
            <div className="card kpi">
              <p className="kpi-value" data-testid="credits">{cents(t.credits.cents)}</p>
              <p className="meta">Luma credits spent ({t.credits.creates} billed creates){t.ledger ? ` · ${cents(t.ledger.netCents)} net of ${t.ledger.refunds} refunds (ledger)` : ''}</p>
            </div>
            <div className="card kpi">
              <p className="kpi-value" data-testid="rate-limited">{percent(t.luma.rateLimitedRate)}</p>
              <p className="meta">Luma calls answered 429 ({t.luma.calls} calls)</p>
            </div>
          </div>
          <Charts t={t} />
          <p className="meta">Refreshes every {REFRESH_MS / 1000} s. What the numbers mean and what to do: docs/OPERATIONS.md.</p>
        </>
      )}
    </section>
  );
}
