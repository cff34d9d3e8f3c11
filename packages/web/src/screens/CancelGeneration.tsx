import { useEffect, useRef, useState } from 'react';
import { Ban, CircleSlash, Square } from 'lucide-react';
import type { D2vError, RequestDoc } from '@d2v/client';
import { href } from '../router';
import { useSession } from '../session';
import { asD2vError } from '../hooks/useAsync';
import { cents, isWorking } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';

/**
 * Stop a video while it is being made (`cancel`), after a confirmation; then what the cancel cost. While the
 * pipeline finishes the cancel (Luma's DELETE) the button says so. A finished video has no Cancel: it is deleted
 * from the action sheet instead.
 */
export function CancelGeneration({ doc }: { doc: RequestDoc }) {
  const { client } = useSession();
  const [pendingId, setPendingId] = useState<string>();
  const [error, setError] = useState<D2vError>();
  const confirm = useRef<HTMLDialogElement>(null);
  const answer = pendingId && doc.lastActionResult?.id === pendingId ? doc.lastActionResult : undefined;
  useEffect(() => {
    if (answer?.ok) setPendingId(undefined);
  }, [answer]);

  async function cancel() {
    setError(undefined);
    try {
      setPendingId((await client.cancel(doc.requestId)).actionId);
    } catch (e) {
      setError(asD2vError(e));
    }
  }

  if (doc.state === 'cancelled') {
    const c = doc.cancellation;
    return (
      <div className="cancelled-note" role="status">
        <p>
          <CircleSlash className="icon" aria-hidden="true" />{' '}
          {c?.billed
            ? `Luma had already started it, so it was billed${c.estimatedCents > 0 ? ` (about ${cents(c.estimatedCents)})` : ''}.`
            : 'Stopped before Luma started it: nothing was spent.'}
        </p>
        <p className="meta">
          A cancelled video is not retried; <a href={href({ name: 'draft', draftId: doc.draftId })}>make it again from the draft</a>
        </p>
      </div>
    );
  }
  if (!isWorking(doc)) return null;
  const stopping = Boolean(doc.cancelRequested) || (pendingId !== undefined && !answer);
  return (
    <div className="cancel-generation">
      <Button variant="danger" icon={Square} onClick={() => confirm.current?.showModal()} loading={stopping} loadingText="Cancelling…">
        Cancel
      </Button>
      {answer && !answer.ok && <ErrorNote error={{ code: answer.code ?? 'ACTION_NOT_ALLOWED', message: answer.message ?? 'That did not work.' }} />}
      {error && <ErrorNote error={error} />}
      <dialog ref={confirm} aria-labelledby="cancel-title" className="confirm">
        <form method="dialog">
          <h2 id="cancel-title">Stop making this video?</h2>
          <p>Luma stops working on it. What Luma has already started is billed; a cancelled video cannot be resumed.</p>
          <div className="dialog-actions">
            <button type="submit" value="keep" className="btn btn-secondary" autoFocus>
              Keep going
            </button>
            <button type="submit" value="stop" className="btn btn-danger" onClick={() => void cancel()}>
              <Ban className="icon" aria-hidden="true" /> Stop it
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
