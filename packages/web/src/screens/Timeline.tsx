import { STATE_MACHINE } from '@d2v/schema';
import type { Transition } from '@d2v/schema';
import { clockTime } from '../format';

/** The request's append-only transition log: when, from → to, who, why. */
export function Timeline({ transitions }: { transitions: Transition[] }) {
  if (transitions.length === 0) return null;
  const start = Date.parse(transitions[0]!.at);
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ol className="timeline">
        {transitions.map((t) => (
          <li key={t.n} className={`timeline-item state-${t.to}`}>
            <span className="timeline-dot" aria-hidden="true" />
            <div>
              <p>
                <strong>{STATE_MACHINE[t.to]?.label ?? t.to}</strong> <span className="muted">({t.to})</span>
              </p>
              <p className="meta">
                <time dateTime={t.at}>{clockTime(t.at)}</time> · +{((Date.parse(t.at) - start) / 1000).toFixed(1)} s · by {t.by} · {t.reason}
              </p>
              {t.error && <p className="error-inline">{t.error.message}</p>}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
