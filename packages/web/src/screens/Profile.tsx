import { useEffect } from 'react';
import { ChevronsDown, UserRound } from 'lucide-react';
import type { ProfileGridItem } from '@d2v/client';
import { href } from '../router';
import { displayNameOf, useSession } from '../session';
import { usePaged } from '../hooks/usePaged';
import { rememberPosts } from '../post-cache';
import { seconds } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';
import { VideoTile } from '../ui/VideoTile';

export const GRID_PAGE_SIZE = 12;

function GridTile({ item, own }: { item: ProfileGridItem; own: boolean }) {
  // A posted entry opens the post (its audience decides); the owner's unposted one opens their video page.
  const target = item.postId ? href({ name: 'post', postId: item.postId }) : href({ name: 'video', requestId: item.requestId });
  const media = item.postId ? { postId: item.postId } : own ? { requestId: item.requestId } : undefined;
  return (
    <VideoTile
      testId={`grid-${item.id}`}
      href={target}
      media={media}
      title={new Date(item.createdAt).toLocaleDateString()}
      visibility={item.visibility}
      meta={`${item.postId ? 'Posted' : 'Saved, not posted'} · ${seconds(item.durationMs)}`}
    />
  );
}

/**
 * A person's profile grid (GET /v1/users/{uid}/profile-videos) as the signed-in person may see it: all of it,
 * with who can see each, for its owner; the public (and, for a follower, followers-only) videos for others.
 */
export function Profile({ uid, pageSize = GRID_PAGE_SIZE }: { uid: string; pageSize?: number }) {
  const { client, user } = useSession();
  const own = uid === user.uid;
  const grid = usePaged((cursor) => client.profileVideos(uid, { limit: pageSize, cursor }), [client, uid, pageSize]);
  const name = displayNameOf(uid);

  useEffect(() => {
    rememberPosts(user.uid, grid.items);
  }, [grid.items, user.uid]);

  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">
        <UserRound className="icon" aria-hidden="true" /> {own ? 'Your profile' : name}
      </h1>
      <p className="lead">
        {own
          ? `${name}’s grid as you see it: every video, with who can see it. Others see only what their audience allows.`
          : `${name}’s AI videos that ${user.displayName} may see, newest first.`}
      </p>
      {grid.error && <ErrorNote error={grid.error} />}
      {!grid.loading && !grid.error && grid.items.length === 0 && <p>{own ? 'No videos in your grid yet: save or post one.' : 'No videos you can see.'}</p>}
      <ul className="grid" ref={grid.listRef} aria-label={`${name}’s videos`} aria-busy={grid.loading || undefined}>
        {grid.items.map((item) => (
          <GridTile key={item.id} item={item} own={own} />
        ))}
      </ul>
      <div className="list-end" aria-live="polite">
        {grid.hasMore && (
          <Button
            icon={ChevronsDown}
            onClick={grid.loadMore}
            loading={grid.loading}
            loadingText="Loading…"
          >
            Load more
          </Button>
        )}
      </div>
    </section>
  );
}
