import { useEffect, useState } from 'react';
import { Camera, ChevronLeft, Clapperboard, Sparkles, Timer } from 'lucide-react';
import type { D2vError, ScriptRequest } from '@d2v/client';
import { href, navigate } from '../router';
import { useSession } from '../session';
import { asD2vError } from '../hooks/useAsync';
import { seconds } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';
import { CreateOptions, DEFAULT_OPTIONS, toVideoOptions, type VideoOptionsForm } from './CreateOptions';

const POLL_MS = 400;

/**
 * Create Script: the shot script the core wrote for the draft — scenes with their durations, prompts and
 * camera moves — and "Make video from script" (one Luma clip per shot, joined into one video).
 */
export function ScriptEditor({ scriptId }: { scriptId: string }) {
  const { client } = useSession();
  const [script, setScript] = useState<ScriptRequest>();
  const [error, setError] = useState<D2vError>();
  const [options, setOptions] = useState<VideoOptionsForm>(DEFAULT_OPTIONS);
  const [creating, setCreating] = useState(false);

  // The server answers the script request on its document; it is ready in well under a second.
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    const look = async () => {
      try {
        const doc = await client.getScript(scriptId);
        if (stop) return;
        setScript(doc);
        if (!doc.state || doc.state === 'pending') timer = setTimeout(look, POLL_MS);
      } catch (e) {
        if (!stop) setError(asD2vError(e));
      }
    };
    void look();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [client, scriptId]);

  async function makeVideo() {
    if (!script?.script) return;
    setCreating(true);
    setError(undefined);
    try {
      const { requestId } = await client.createRequest({ draftId: script.script.draftId, scriptRequestId: scriptId, options: toVideoOptions(options) });
      navigate({ name: 'video', requestId });
    } catch (e) {
      setError(asD2vError(e));
      setCreating(false);
    }
  }

  const s = script?.script;
  return (
    <section aria-labelledby="script-title">
      <a className="back" href={s ? href({ name: 'draft', draftId: s.draftId }) : href({ name: 'drafts' })}>
        <ChevronLeft className="icon" aria-hidden="true" /> Draft
      </a>
      <h1 id="script-title">
        <Clapperboard className="icon" aria-hidden="true" /> {s?.title?.trim() || 'Shot script'}
      </h1>
      {error && <ErrorNote error={error} />}
      {script?.state === 'failed' && script.error && <ErrorNote error={script.error} />}
      {(!script || script.state === 'pending' || !script.state) && !error && <p aria-live="polite">Writing the script…</p>}
      {s && (
        <>
          <p className="lead">
            {s.scenes.length} shot{s.scenes.length === 1 ? '' : 's'}, {seconds(s.totalMs)} in all{s.style ? ` · ${s.style}` : ''}
            {s.moods.length > 0 ? ` · ${s.moods.join(', ')}` : ''}
          </p>
          <ol className="scenes">
            {s.scenes.map((scene) => (
              <li key={scene.n} className="card scene">
                <header>
                  <h2>
                    Shot {scene.n} <span className="muted">· {scene.shot.replace('_', ' ')}</span>
                  </h2>
                  <p className="meta">
                    <span>
                      <Timer className="icon" aria-hidden="true" /> {seconds(scene.durationMs)}
                    </span>
                    <span>
                      <Camera className="icon" aria-hidden="true" /> {scene.camera.replace(/_/g, ' ')}
                    </span>
                  </p>
                </header>
                <p className="scene-prompt">{scene.description}</p>
              </li>
            ))}
          </ol>
          {s.warnings && s.warnings.length > 0 && (
            <ul className="warnings">
              {s.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <p className="meta">
            Shots are written from the draft; to change them, change the draft or the script length and create the script again.
          </p>
          <CreateOptions value={options} onChange={setOptions} disabled={creating} forScript />
          <div className="create-actions">
            <Button variant="primary" icon={Sparkles} onClick={() => void makeVideo()} loading={creating} loadingText="Creating…">
              Make video from script
            </Button>
          </div>
        </>
      )}
    </section>
  );
}
