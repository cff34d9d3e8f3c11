import { useEffect } from 'react';
import { ArcElement, BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip, type ChartOptions } from 'chart.js';
import { Bar, Doughnut } from 'react-chartjs-2';
import { RotateCcw } from 'lucide-react';
import { VIDEO_STATES, STATE_MACHINE } from '@d2v/schema';
import type { StatsSnapshot } from '@d2v/client';
import { useSession } from '../session';
import { useAsync } from '../hooks/useAsync';
import { cents } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';

ChartJS.register(ArcElement, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const REFRESH_MS = 5_000;
const COLORS = { ok: '#1f9d66', bad: '#d64545', accent: '#5b4cdb', muted: '#9aa3b5' };

const bars = (horizontal = false): ChartOptions<'bar'> => ({
  indexAxis: horizontal ? 'y' : 'x',
  responsive: true,
  maintainAspectRatio: false,
  animation: { duration: 250 },
  plugins: { legend: { display: false } },
  scales: { [horizontal ? 'x' : 'y']: { beginAtZero: true, ticks: { precision: 0 } } },
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

/** What operators watch, from GET /v1/stats (the local event sink's aggregate): rates, states, errors, credits. */
export function Ops() {
  const { client } = useSession();
  const stats = useAsync<StatsSnapshot>(() => client.stats(), [client]);
  useEffect(() => {
    const timer = setInterval(stats.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [stats.reload]);

  const s = stats.data;
  const states = VIDEO_STATES.filter((st) => (s?.transitionsTo[st] ?? 0) > 0);
  const errors = Object.entries(s?.errorsByCode ?? {}).sort((a, b) => b[1] - a[1]);
  const finished = (s?.requests.succeeded ?? 0) + (s?.requests.failed ?? 0);
  return (
    <section aria-labelledby="ops-title">
      <div className="title-row">
        <h1 id="ops-title">Ops</h1>
        <Button icon={RotateCcw} onClick={stats.reload} loading={stats.loading && !s} loadingText="Loading…">
          Refresh
        </Button>
      </div>
      {stats.error && <ErrorNote error={stats.error} />}
      {s && (
        <>
          <div className="kpis">
            <div className="card kpi">
              <p className="kpi-value" data-testid="success-rate">{s.requests.successRate === null ? '—' : `${Math.round(s.requests.successRate * 100)}%`}</p>
              <p className="meta">success rate ({finished} finished of {s.requests.seen})</p>
            </div>
            <div className="card kpi">
              <p className="kpi-value">{cents(s.creditsCents)}</p>
              <p className="meta">Luma credits spent (estimate)</p>
            </div>
            <div className="card kpi">
              <p className="kpi-value">{s.totalEvents}</p>
              <p className="meta">analytics events</p>
            </div>
          </div>
          <div className="charts">
            <ChartCard title="Success and failure" summary={`${s.requests.succeeded} succeeded, ${s.requests.failed} failed`}>
              <Doughnut
                data={{ labels: ['Succeeded', 'Failed'], datasets: [{ data: [s.requests.succeeded, s.requests.failed], backgroundColor: [COLORS.ok, COLORS.bad] }] }}
                options={{ responsive: true, maintainAspectRatio: false, animation: { duration: 250 }, plugins: { legend: { position: 'bottom' } } }}
              />
            </ChartCard>
            <ChartCard title="Transitions by state" summary={describe(s.transitionsTo)}>
              <Bar
                data={{
                  labels: states.map((st) => STATE_MACHINE[st].label),
                  datasets: [{ label: 'transitions', data: states.map((st) => s.transitionsTo[st] ?? 0), backgroundColor: states.map((st) => (st === 'failed' ? COLORS.bad : st === 'posted' || st === 'ready' ? COLORS.ok : COLORS.accent)) }],
                }}
                options={bars()}
              />
            </ChartCard>
            <ChartCard title="Errors by code" summary={describe(s.errorsByCode)}>
              {errors.length ? (
                <Bar data={{ labels: errors.map(([k]) => wrapCode(k)), datasets: [{ label: 'errors', data: errors.map(([, n]) => n), backgroundColor: COLORS.bad }] }} options={bars(true)} />
              ) : (
                <p className="empty-chart">No errors recorded.</p>
              )}
            </ChartCard>
            <ChartCard title="Events by type" summary={describe(s.byType)}>
              <Bar data={{ labels: Object.keys(s.byType), datasets: [{ label: 'events', data: Object.values(s.byType), backgroundColor: COLORS.muted }] }} options={bars()} />
            </ChartCard>
          </div>
          <p className="meta">Refreshes every {REFRESH_MS / 1000} s. Latency per stage shows here once the stats report it.</p>
        </>
      )}
    </section>
  );
}
