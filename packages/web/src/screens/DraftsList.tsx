import { Image, Palette } from 'lucide-react';
import type { Draft } from '@d2v/schema';
import { href } from '../router';
import { useSession } from '../session';
import { useAsync } from '../hooks/useAsync';
import { ErrorNote } from '../ui/ErrorNote';

/** Titled drafts first (the demo's), then the test fixtures, each group in seed order. */
function sortDrafts(drafts: Draft[]): Draft[] {
  return [...drafts.filter((d) => d.title?.trim()), ...drafts.filter((d) => !d.title?.trim())];
}

/** The signed-in person's drafts; each opens its detail view with the Create buttons. */
export function DraftsList() {
  const { client, user } = useSession();
  const drafts = useAsync(() => client.listDrafts(), [client]);
  return (
    <section aria-labelledby="drafts-title">
      <h1 id="drafts-title">Drafts</h1>
      <p className="lead">{user.displayName}’s drafts. Open one to turn it into an AI video or a shot script.</p>
      {drafts.error && <ErrorNote error={drafts.error} />}
      {drafts.loading && !drafts.data && <p aria-live="polite">Loading drafts…</p>}
      {drafts.data?.length === 0 && <p>No drafts yet.</p>}
      <ul className="card-list">
        {sortDrafts(drafts.data ?? []).map((draft) => {
          const images = (draft.referenceImages?.length ?? 0) + (draft.characterImages?.length ?? 0) + (draft.styleImage ? 1 : 0);
          return (
            <li key={draft.id} className="card draft-card">
              <a href={href({ name: 'draft', draftId: draft.id })} className="card-link">
                <h2>{draft.title?.trim() || <span className="muted">Untitled · {draft.id}</span>}</h2>
                <p className="excerpt">{draft.text?.trim() || <span className="muted">No text</span>}</p>
                <p className="meta">
                  {draft.style && (
                    <span>
                      <Palette className="icon" aria-hidden="true" /> {draft.style}
                    </span>
                  )}
                  {images > 0 && (
                    <span>
                      <Image className="icon" aria-hidden="true" /> {images} image{images === 1 ? '' : 's'}
                    </span>
                  )}
                </p>
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
