import { useState } from 'react';
import { ChevronLeft, Clapperboard, Sparkles } from 'lucide-react';
import type { D2vError } from '@d2v/client';
import type { ImageRef } from '@d2v/schema';
import { href, navigate } from '../router';
import { useSession } from '../session';
import { asD2vError, useAsync } from '../hooks/useAsync';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';
import { CreateOptions, DEFAULT_OPTIONS, toVideoOptions, type VideoOptionsForm } from './CreateOptions';

function ImageList({ title, images }: { title: string; images: ImageRef[] }) {
  if (images.length === 0) return null;
  return (
    <div>
      <h3>{title}</h3>
      <ul className="image-list">
        {images.map((img, i) => (
          <li key={i}>
            <code>{(img.path ?? img.url ?? '').split('/').pop()}</code>
            {img.weight !== undefined && <span className="muted"> · weight {img.weight}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A draft with, at its end, the two buttons of the app: Create AI Video and Create Script. */
export function DraftDetail({ draftId }: { draftId: string }) {
  const { client } = useSession();
  const draft = useAsync(() => client.getDraft(draftId), [client, draftId]);
  const [options, setOptions] = useState<VideoOptionsForm>(DEFAULT_OPTIONS);
  const [scriptDuration, setScriptDuration] = useState('9');
  const [busy, setBusy] = useState<'video' | 'script' | null>(null);
  const [error, setError] = useState<D2vError>();

  async function createVideo() {
    setBusy('video');
    setError(undefined);
    try {
      const { requestId } = await client.createRequest({ draftId, options: toVideoOptions(options) });
      navigate({ name: 'video', requestId });
    } catch (e) {
      setError(asD2vError(e));
      setBusy(null);
    }
  }
  async function createScript() {
    setBusy('script');
    setError(undefined);
    try {
      const seconds = Number(scriptDuration);
      const { requestId } = await client.createScript({ draftId, duration: seconds === 5 || seconds === 9 ? (`${seconds}s` as '5s' | '9s') : seconds });
      navigate({ name: 'script', scriptId: requestId, draftId });
    } catch (e) {
      setError(asD2vError(e));
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="draft-title">
      <a className="back" href={href({ name: 'drafts' })}>
        <ChevronLeft className="icon" aria-hidden="true" /> Drafts
      </a>
      {draft.error && <ErrorNote error={draft.error} />}
      {draft.data && (
        <>
          <h1 id="draft-title">{draft.data.title?.trim() || 'Untitled draft'}</h1>
          <article className="card draft-body">
            <p className="draft-text">{draft.data.text?.trim() || <span className="muted">This draft has no text.</span>}</p>
            {draft.data.style && (
              <p className="meta">
                Style: <strong>{draft.data.style}</strong>
              </p>
            )}
            <ImageList title="Reference images" images={draft.data.referenceImages ?? []} />
            <ImageList title="Character images" images={draft.data.characterImages ?? []} />
            {draft.data.styleImage && <ImageList title="Style image" images={[draft.data.styleImage]} />}
          </article>

          <CreateOptions value={options} onChange={setOptions} disabled={busy !== null} />
          <div className="field-row script-options">
            <label>
              Script length (seconds)
              <input type="number" min={1} max={60} step={1} value={scriptDuration} onChange={(e) => setScriptDuration(e.target.value)} disabled={busy !== null} />
            </label>
          </div>
          {error && <ErrorNote error={error} />}
          <div className="create-actions">
            <Button variant="primary" icon={Sparkles} onClick={createVideo} loading={busy === 'video'} loadingText="Creating…" disabled={busy === 'script'}>
              Create AI Video
            </Button>
            <Button icon={Clapperboard} onClick={createScript} loading={busy === 'script'} loadingText="Writing script…" disabled={busy === 'video'}>
              Create Script
            </Button>
          </div>
        </>
      )}
    </section>
  );
}
