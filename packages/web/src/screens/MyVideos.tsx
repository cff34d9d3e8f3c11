import { Film } from 'lucide-react';
import type { RequestDoc } from '@d2v/client';
import { href } from '../router';
import { useSession } from '../session';
import { useAsync } from '../hooks/useAsync';
import { useMedia } from '../hooks/useMedia';
import { useShownProgress } from '../hooks/useShownProgress';
import { stateLabel } from '../format';
import { AiBadge } from '../ui/AiBadge';
import { ErrorNote } from '../ui/ErrorNote';
import { ProgressBar } from '../ui/ProgressBar';

function Tile({ doc }: { doc: RequestDoc }) {
  const finished = (doc.state === 'ready' || doc.state === 'posted') && Boolean(doc.outputs);
  const poster = useMedia({ requestId: doc.requestId }, 'poster', finished);
  const title = doc.draftSnapshot?.title?.trim() || doc.draftId;
  const progress = useShownProgress(doc);
  return (
    <li className="tile">
      <a className="tile-link" href={href({ name: 'video', requestId: doc.requestId })} aria-label={`${title}: ${stateLabel(doc)}`}>
        <div className="tile-media">
          {poster.url ? <img src={poster.url} alt="" /> : <Film className="icon tile-placeholder" aria-hidden="true" />}
          <AiBadge />
        </div>
        <div className="tile-body">
          <p className="tile-title">{title}</p>
          <p className="meta">{stateLabel(doc)}</p>
          {!finished && doc.state !== 'failed' && doc.state !== 'cancelled' && doc.state !== 'deleted' && <ProgressBar value={progress} label={`${title} progress`} />}
        </div>
      </a>
    </li>
  );
}

/**
 * The signed-in person's videos as a grid with the AI marker, from their own requests — including those still
 * being made or failed (the profile grid, Profile.tsx, shows only saved and posted ones, as others see them).
 */
export function MyVideos() {
  const { client, user } = useSession();
  const requests = useAsync(() => client.listRequests(), [client]);
  const visible = requests.data?.filter((r) => r.state !== 'deleted') ?? [];
  return (
    <section aria-labelledby="videos-title">
      <h1 id="videos-title">My videos</h1>
      <p className="lead">{user.displayName}’s AI videos, newest first.</p>
      {requests.error && <ErrorNote error={requests.error} />}
      {requests.data && visible.length === 0 && (
        <p>
          No videos yet: open a <a href={href({ name: 'drafts' })}>draft</a> and press Create AI Video.
        </p>
      )}
      <ul className="grid">
        {visible.map((doc) => (
          <Tile key={doc.requestId} doc={doc} />
        ))}
      </ul>
    </section>
  );
}
