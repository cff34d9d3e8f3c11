import { useEffect, useRef, useState } from 'react';
import { Bookmark, Download, Send, Trash2 } from 'lucide-react';
import { VISIBILITIES, type Visibility } from '@d2v/schema';
import type { ActionInput, D2vError, RequestDoc } from '@d2v/client';
import { useSession } from '../session';
import { asD2vError } from '../hooks/useAsync';
import { bytes } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';

type Pending = { id: string; type: ActionInput['type'] } | null;

const DONE: Record<string, string> = {
  save: 'Saved to your videos (not posted).',
  post: 'Posted.',
  delete: 'Deleted: the video, its poster and any post are gone.',
  retry: 'Retrying.',
};

/** What a person can do with a finished video: save, post (visibility + caption), download, delete. */
export function ActionSheet({ doc }: { doc: RequestDoc }) {
  const { client } = useSession();
  const [visibility, setVisibility] = useState<Visibility>(doc.options?.visibility ?? 'public');
  const [caption, setCaption] = useState('');
  const [pending, setPending] = useState<Pending>(null);
  const [error, setError] = useState<D2vError>();
  const [downloaded, setDownloaded] = useState<string>();
  const [downloading, setDownloading] = useState(false);
  const confirm = useRef<HTMLDialogElement>(null);

  // The pipeline answers an action on the document; the sheet waits for the answer to its own action id.
  const result = doc.lastActionResult;
  const answered = pending && result?.id === pending.id ? result : null;
  useEffect(() => {
    if (answered) setPending(null);
  }, [answered]);
  const [shown, setShown] = useState<typeof result>();
  useEffect(() => {
    if (answered) setShown(answered);
  }, [answered]);

  async function act(action: ActionInput) {
    setError(undefined);
    setShown(undefined);
    try {
      const { actionId } = await client.requestAction(doc.requestId, action);
      setPending({ id: actionId, type: action.type });
    } catch (e) {
      setError(asD2vError(e));
    }
  }

  async function download() {
    setDownloading(true);
    setError(undefined);
    try {
      const blob = await client.download(doc.requestId);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${doc.requestId}.mp4`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30_000);
      setDownloaded(`Downloaded ${doc.requestId}.mp4 (${bytes(blob.size)}).`);
    } catch (e) {
      setError(asD2vError(e));
    } finally {
      setDownloading(false);
    }
  }

  const ready = doc.state === 'ready';
  const posted = doc.state === 'posted';
  const busy = pending !== null;
  return (
    <section className="card action-sheet" aria-labelledby="actions-title">
      <h2 id="actions-title">What next?</h2>
      <div className="action-grid">
        <form
          className="post-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act({ type: 'post', visibility, ...(caption.trim() ? { caption: caption.trim() } : {}) });
          }}
        >
          <label>
            Who can see it
            <select value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)} disabled={!ready || busy}>
              {VISIBILITIES.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <label>
            Caption
            <input type="text" maxLength={2200} value={caption} onChange={(e) => setCaption(e.target.value)} disabled={!ready || busy} placeholder="Say something about it" />
          </label>
          <Button type="submit" variant="primary" icon={Send} disabled={!ready || (busy && pending?.type !== 'post')} loading={pending?.type === 'post'} loadingText="Posting…">
            Post
          </Button>
        </form>
        <div className="action-buttons">
          <Button icon={Bookmark} onClick={() => void act({ type: 'save' })} disabled={!ready || (busy && pending?.type !== 'save')} loading={pending?.type === 'save'} loadingText="Saving…">
            Save
          </Button>
          <Button icon={Download} onClick={() => void download()} disabled={!(ready || posted)} loading={downloading} loadingText="Downloading…">
            Download
          </Button>
          <Button variant="danger" icon={Trash2} onClick={() => confirm.current?.showModal()} disabled={busy && pending?.type !== 'delete'} loading={pending?.type === 'delete'} loadingText="Deleting…">
            Delete
          </Button>
        </div>
      </div>
      <div aria-live="polite" className="action-result">
        {shown?.ok && <p className="ok">{DONE[shown.type] ?? 'Done.'}</p>}
        {downloaded && <p className="ok">{downloaded}</p>}
      </div>
      {shown && !shown.ok && <ErrorNote error={{ code: shown.code ?? 'ACTION_NOT_ALLOWED', message: shown.message ?? 'That did not work.' }} />}
      {error && <ErrorNote error={error} />}
      <dialog ref={confirm} aria-labelledby="confirm-title" className="confirm">
        <form method="dialog">
          <h2 id="confirm-title">Delete this video?</h2>
          <p>The video, its poster and its post (if posted) are removed for good.</p>
          <div className="dialog-actions">
            <button type="submit" value="cancel" className="btn btn-secondary" autoFocus>
              Keep it
            </button>
            <button
              type="submit"
              value="delete"
              className="btn btn-danger"
              onClick={() => void act({ type: 'delete' })}
            >
              <Trash2 className="icon" aria-hidden="true" /> Delete for good
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
