import { useEffect, useState } from 'react';
import { Crop, Expand, Music, Palette, TimerReset } from 'lucide-react';
import { LUMA_RESOLUTIONS } from '@d2v/schema';
import type { D2vError, FollowUpInput, RequestDoc, VersionView } from '@d2v/client';
import { useSession } from '../session';
import { asD2vError, useAsync } from '../hooks/useAsync';
import { href } from '../router';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';

const LABEL: Record<VersionView['type'], string> = {
  original: 'Original',
  extend: 'Longer',
  upscale: 'Sharper',
  addAudio: 'With sound',
  restyle: 'Restyled',
  reframe: 'Reframed',
};

/** The other screen shape: portrait for landscape videos and the reverse. */
function otherRatio(ratio: string | undefined): FollowUpInput['aspectRatio'] {
  return ratio === '9:16' ? '16:9' : '9:16';
}

/**
 * Issue #13 on the preview: make a new version of a ready video (each is a request of its own; the original stays)
 * and, for a posted one, choose which version its post shows. Refusals (FOLLOW_UP_*) come back on the original's
 * `lastActionResult` with a sentence.
 */
export function Versions({ doc }: { doc: RequestDoc }) {
  const { client } = useSession();
  const [error, setError] = useState<D2vError>();
  const [pendingId, setPendingId] = useState<string>();
  const versions = useAsync(() => client.listVersions(doc.requestId), [doc.requestId, doc.versions?.length, doc.postVersionRequestId]);
  const answered = pendingId && doc.lastActionResult?.id === pendingId ? doc.lastActionResult : undefined;
  useEffect(() => {
    if (answered) setPendingId(undefined);
  }, [answered]);
  const [shown, setShown] = useState<typeof answered>();
  useEffect(() => {
    if (answered) setShown(answered);
  }, [answered]);

  async function send(work: () => Promise<{ actionId: string }>) {
    setError(undefined);
    setShown(undefined);
    try {
      setPendingId((await work()).actionId);
    } catch (e) {
      setError(asD2vError(e));
    }
  }
  const followUp = (input: FollowUpInput) => send(() => client.followUp(doc.requestId, input));

  const resolution = doc.options?.resolution ?? '1080p';
  const higher = LUMA_RESOLUTIONS[LUMA_RESOLUTIONS.indexOf(resolution) + 1];
  const busy = pendingId !== undefined;
  const posted = doc.state === 'posted';
  return (
    <section className="card versions" aria-labelledby="versions-title">
      <h2 id="versions-title">More of this video</h2>
      <div className="action-buttons">
        <Button icon={TimerReset} disabled={busy} onClick={() => void followUp({ type: 'extend', duration: '5s' })}>Longer (+5 s)</Button>
        <Button icon={Expand} disabled={busy || !higher} onClick={() => higher && void followUp({ type: 'upscale', resolution: higher })}>
          {higher ? `Sharper (${higher})` : 'Sharper (already 4k)'}
        </Button>
        <Button icon={Music} disabled={busy} onClick={() => void followUp({ type: 'addAudio' })}>Add sound</Button>
        <Button icon={Palette} disabled={busy} onClick={() => void followUp({ type: 'restyle', mode: 'flex_1' })}>Restyle</Button>
        <Button icon={Crop} disabled={busy} onClick={() => void followUp({ type: 'reframe', aspectRatio: otherRatio(doc.options?.aspectRatio) })}>
          Reframe to {otherRatio(doc.options?.aspectRatio)}
        </Button>
      </div>
      <div aria-live="polite" className="action-result">
        {shown?.ok && <p className="ok">{shown.message ?? 'Done.'}</p>}
      </div>
      {shown && !shown.ok && <ErrorNote error={{ code: shown.code ?? 'ACTION_NOT_ALLOWED', message: shown.message ?? 'That did not work.' }} />}
      {error && <ErrorNote error={error} />}
      {versions.data && versions.data.length > 1 && (
        <ul className="version-list" aria-label="Versions">
          {versions.data.map((v) => (
            <li key={v.requestId} data-testid={`version-${v.type}`}>
              <a href={href({ name: 'video', requestId: v.requestId })}>{LABEL[v.type]}</a> <span className="meta">{v.state}</span>
              {v.inPost && <strong> · in the post</strong>}
              {posted && !v.inPost && (v.state === 'ready' || v.state === 'posted') && (
                <Button disabled={busy} onClick={() => void send(() => client.useVersion(doc.requestId, v.requestId))}>Show in post</Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
