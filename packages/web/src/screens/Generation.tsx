import { useState } from 'react';
import { ChevronLeft, CircleCheck, RotateCcw, Sparkles } from 'lucide-react';
import type { D2vError } from '@d2v/client';
import { href } from '../router';
import { useSession } from '../session';
import { useRequest } from '../hooks/useRequest';
import { useShownProgress } from '../hooks/useShownProgress';
import { asD2vError } from '../hooks/useAsync';
import { isWorking, seconds, stateLabel } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';
import { ProgressBar } from '../ui/ProgressBar';
import { ActionSheet } from './ActionSheet';
import { Versions } from './Versions';
import { CancelGeneration } from './CancelGeneration';
import { Timeline } from './Timeline';
import { QueueStatus } from './QueueStatus';
import { VideoPlayer } from './VideoPlayer';

/**
 * The VideoGenerationView: the request live (state label, progress, timeline), Cancel while it is being made, its
 * error with Retry when the catalog says retrying may help, then the preview and the action sheet once the video
 * exists.
 */
export function Generation({ requestId }: { requestId: string }) {
  const { client } = useSession();
  const { doc, transitions, error } = useRequest(requestId);
  const [retrying, setRetrying] = useState(false);
  const [actionError, setActionError] = useState<D2vError>();
  const progress = useShownProgress(doc);

  async function retry() {
    setRetrying(true);
    setActionError(undefined);
    try {
      await client.requestAction(requestId, { type: 'retry' });
    } catch (e) {
      setActionError(asD2vError(e));
    } finally {
      setRetrying(false);
    }
  }

  const working = isWorking(doc);
  const failed = doc?.state === 'failed';
  const playable = (doc?.state === 'ready' || doc?.state === 'posted') && doc.outputs;
  const title = doc?.draftSnapshot?.title?.trim() || doc?.draftId || 'Video';
  return (
    <section aria-labelledby="generation-title">
      <a className="back" href={href({ name: 'videos' })}>
        <ChevronLeft className="icon" aria-hidden="true" /> My videos
      </a>
      <h1 id="generation-title">
        <Sparkles className="icon" aria-hidden="true" /> {title}
      </h1>
      {error && <ErrorNote error={error} />}
      {doc && (
        <>
          <div className={`card status state-${doc.state ?? 'pending'}`}>
            <p className="state-line">
              {!working && !failed && doc.state !== 'deleted' && doc.state !== 'cancelled' && <CircleCheck className="icon ok" aria-hidden="true" />}
              <strong data-testid="state-label" aria-live="polite">
                {stateLabel(doc)}
              </strong>
              <span className="muted state-code">{doc.state ?? 'pending'}</span>
            </p>
            <ProgressBar value={progress} label="Generation progress" />
            <p className="meta">
              {Math.round(progress * 100)}% · {doc.options?.resolution} {doc.options?.aspectRatio} · {doc.options?.duration} · {doc.options?.model}
              {doc.outputs && ` · ${seconds(doc.outputs.durationMs)} ${doc.outputs.width}×${doc.outputs.height}`}
            </p>
            {doc.cachedFrom && <p className="meta">Made before from the same draft: reused, no new generation.</p>}
            {working && doc.queue && <QueueStatus queue={doc.queue} />}
            <CancelGeneration doc={doc} />
            {doc.warnings && doc.warnings.length > 0 && (
              <ul className="warnings">
                {doc.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            )}
          </div>

          {failed && doc.error && (
            <ErrorNote error={doc.error}>
              {doc.error.retryable ? (
                <Button variant="primary" icon={RotateCcw} onClick={() => void retry()} loading={retrying} loadingText="Retrying…">
                  Retry
                </Button>
              ) : (
                <p className="meta">Retrying would not help: change the draft and create a new video.</p>
              )}
            </ErrorNote>
          )}
          {actionError && <ErrorNote error={actionError} />}

          {playable && doc.outputs && <VideoPlayer requestId={requestId} width={doc.outputs.width} height={doc.outputs.height} />}
          {(doc.state === 'ready' || doc.state === 'posted') && <ActionSheet doc={doc} />}
          {(doc.state === 'ready' || doc.state === 'posted') && <Versions doc={doc} />}
          {doc.state === 'posted' && doc.postId && (
            <p className="meta">
              Post <code>{doc.postId}</code>
            </p>
          )}
          <Timeline transitions={transitions} />
        </>
      )}
      {!doc && !error && <p aria-live="polite">Loading…</p>}
    </section>
  );
}
