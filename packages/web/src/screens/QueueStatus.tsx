import { useEffect, useState } from 'react';
import type { RequestDoc } from '@d2v/client';

type Queue = NonNullable<RequestDoc['queue']>;

/**
 * Why a queued request is not on its way yet: the budget guard's pause, or its place in line for a Luma slot / the
 * per-minute window with a countdown to its estimated start (ticking here, so the estimate stays true between the
 * pipeline's writes — which happen only when the place in line moves).
 */
export function QueueStatus({ queue }: { queue: Queue }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!queue.etaAt) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [queue.etaAt]);
  const status = queue.status[0]!.toUpperCase() + queue.status.slice(1);
  if (queue.position === undefined || !queue.etaAt) {
    return (
      <p className="meta queue-status" data-testid="queue-status" title={queue.message}>
        {status}
        {queue.message && ` — ${queue.message}`}
      </p>
    );
  }
  const left = Math.max(0, Math.round((Date.parse(queue.etaAt) - now) / 1000));
  return (
    <p className="meta queue-status" data-testid="queue-status">
      {status} — number {queue.position} in line, {left > 0 ? `expected to start in about ${formatWait(left)}` : 'starting any moment'}
    </p>
  );
}

function formatWait(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}
