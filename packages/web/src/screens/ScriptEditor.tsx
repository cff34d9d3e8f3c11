import { useEffect, useMemo, useRef, useState } from 'react';
import { ChevronLeft, Clapperboard, Plus, Save, Sparkles } from 'lucide-react';
import type { D2vError, ScriptRequest } from '@d2v/client';
import { href, navigate } from '../router';
import { useSession } from '../session';
import { asD2vError } from '../hooks/useAsync';
import { seconds } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';
import { CreateOptions, DEFAULT_OPTIONS, toVideoOptions, type VideoOptionsForm } from './CreateOptions';
import { SceneFields } from './SceneFields';
import { SCRIPT_LIMITS, checkForm, formOf, moveScene, newScene, removeScene, updateScene, type Script, type ScriptForm } from '../script-form';

const POLL_MS = 400;

/**
 * Create Script: the shot script the core wrote for the draft, editable — each shot's prompt, length, camera
 * move and framing; shots added, removed, reordered — checked live with the server's own script parser, saved
 * with `updateScript` (PUT /v1/scripts/{id}; on Firebase an update of `script`), then "Make video from script"
 * (one Luma clip per shot, each cut to its length, joined into one video).
 */
export function ScriptEditor({ scriptId }: { scriptId: string }) {
  const { client } = useSession();
  const [request, setRequest] = useState<ScriptRequest>();
  const [form, setForm] = useState<ScriptForm>();
  const [saved, setSaved] = useState<Script>();
  const [error, setError] = useState<D2vError>();
  const [options, setOptions] = useState<VideoOptionsForm>(DEFAULT_OPTIONS);
  const [busy, setBusy] = useState<'save' | 'video' | null>(null);
  const [status, setStatus] = useState('');
  const focusKey = useRef<string | null>(null);

  // The server answers the script request on its document; it is ready in well under a second.
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    const look = async () => {
      try {
        const doc = await client.getScript(scriptId);
        if (stop) return;
        setRequest(doc);
        if (doc.state === 'ready' && doc.script) {
          setForm(formOf(doc.script as Script));
          setSaved(doc.script as Script);
        }
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

  const check = useMemo(() => (form ? checkForm(form) : undefined), [form]);
  const dirty = Boolean(check?.script && saved && JSON.stringify(check.script) !== JSON.stringify(saved));
  const problems = check ? check.general.length + Object.values(check.fields).reduce((n, f) => n + Object.keys(f).length, 0) : 0;

  // A new shot's prompt gets the focus (it is empty, and the first thing to write).
  useEffect(() => {
    if (!focusKey.current) return;
    document.getElementById(`${focusKey.current}-prompt`)?.focus();
    focusKey.current = null;
  }, [form]);

  const edit = (next: ScriptForm) => {
    setForm(next);
    setStatus('');
  };

  async function save(): Promise<boolean> {
    if (!check?.script) return false;
    if (!dirty) return true;
    setError(undefined);
    try {
      const answer = await client.updateScript(scriptId, check.script);
      setSaved(answer.script as Script);
      setStatus('Script saved.');
      return true;
    } catch (e) {
      setError(asD2vError(e));
      return false;
    }
  }

  async function makeVideo() {
    if (!check?.script) return;
    setBusy('video');
    if (!(await save())) return setBusy(null);
    try {
      const { requestId } = await client.createRequest({ draftId: check.script.draftId, scriptRequestId: scriptId, options: toVideoOptions(options) });
      navigate({ name: 'video', requestId });
    } catch (e) {
      setError(asD2vError(e));
      setBusy(null);
    }
  }

  const s = request?.script;
  const draftId = request?.draftId ?? s?.draftId;
  const locked = busy !== null;
  return (
    <section aria-labelledby="script-title">
      <a className="back" href={draftId ? href({ name: 'draft', draftId }) : href({ name: 'drafts' })}>
        <ChevronLeft className="icon" aria-hidden="true" /> Draft
      </a>
      <h1 id="script-title">
        <Clapperboard className="icon" aria-hidden="true" /> {s?.title?.trim() || 'Shot script'}
      </h1>
      {error && <ErrorNote error={error} />}
      {request?.state === 'failed' && request.error && <ErrorNote error={request.error} />}
      {(!request || request.state === 'pending' || !request.state) && !error && <p aria-live="polite">Writing the script…</p>}
      {form && check && (
        <>
          <p className="lead" data-testid="script-summary">
            {form.scenes.length} shot{form.scenes.length === 1 ? '' : 's'}, {seconds(check.totalMs)} in all
            {form.base.style ? ` · ${form.base.style}` : ''}
            {form.base.moods.length > 0 ? ` · ${form.base.moods.join(', ')}` : ''}
          </p>
          <p className="meta">
            Edit each shot’s prompt, length ({SCRIPT_LIMITS.minSceneMs / 1000}–{SCRIPT_LIMITS.maxSceneMs / 1000} s) and camera; the video lasts as long as its shots
            together ({SCRIPT_LIMITS.minTotalMs / 1000}–{SCRIPT_LIMITS.maxTotalMs / 1000} s).
          </p>
          <ol className="scenes">
            {form.scenes.map((scene, i) => (
              <SceneFields
                key={scene.key}
                scene={scene}
                n={i + 1}
                count={form.scenes.length}
                errors={check.fields[scene.key]}
                disabled={locked}
                onChange={(patch) => edit(updateScene(form, scene.key, patch))}
                onMove={(by) => {
                  edit(moveScene(form, scene.key, by));
                  // The keyboard stays on the shot that moved: the same arrow, or the other one at an end of the list.
                  requestAnimationFrame(() => {
                    const same = document.getElementById(`${scene.key}-${by < 0 ? 'up' : 'down'}`) as HTMLButtonElement | null;
                    const other = document.getElementById(`${scene.key}-${by < 0 ? 'down' : 'up'}`) as HTMLButtonElement | null;
                    (same && !same.disabled ? same : other)?.focus();
                  });
                }}
                onRemove={() => {
                  edit(removeScene(form, scene.key));
                  requestAnimationFrame(() => document.getElementById('add-shot')?.focus());
                }}
              />
            ))}
          </ol>
          <div className="script-tools">
            <Button
              id="add-shot"
              icon={Plus}
              disabled={locked || form.scenes.length >= SCRIPT_LIMITS.maxScenes}
              onClick={() => {
                const scene = newScene();
                focusKey.current = scene.key;
                edit({ ...form, scenes: [...form.scenes, scene] });
              }}
            >
              Add shot
            </Button>
          </div>
          <div className="script-check" aria-live="polite" data-testid="script-check">
            {problems > 0 ? (
              <div className="error-note">
                <div>
                  <p className="error-message">
                    {problems === 1 ? 'One thing to fix' : `${problems} things to fix`} before the video can be made.
                  </p>
                  {check.general.length > 0 && (
                    <ul>
                      {check.general.map((g) => (
                        <li key={g}>{g}</li>
                      ))}
                    </ul>
                  )}
                </div>
              </div>
            ) : (
              <p className="ok">{status || (dirty ? 'Edited: saved when you make the video, or now.' : 'The script is ready.')}</p>
            )}
          </div>
          {s?.warnings && s.warnings.length > 0 && (
            <ul className="warnings">
              {s.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <CreateOptions value={options} onChange={setOptions} disabled={locked} forScript />
          <div className="create-actions">
            <Button icon={Save} onClick={() => void (async () => { setBusy('save'); await save(); setBusy(null); })()} disabled={!check.script || !dirty || busy === 'video'} loading={busy === 'save'} loadingText="Saving…">
              Save script
            </Button>
            <Button variant="primary" icon={Sparkles} onClick={() => void makeVideo()} disabled={!check.script || busy === 'save'} loading={busy === 'video'} loadingText="Creating…">
              Make video from script
            </Button>
          </div>
        </>
      )}
    </section>
  );
}
