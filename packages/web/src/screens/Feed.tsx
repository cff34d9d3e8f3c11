import { useEffect } from 'react';
import { ChevronsDown, Rss } from 'lucide-react';
import type { FeedItem } from '@d2v/client';
import { href } from '../router';
import { displayNameOf, useSession } from '../session';
import { usePaged } from '../hooks/usePaged';
import { rememberPosts } from '../post-cache';
import { seconds } from '../format';
import { Button } from '../ui/Button';
import { ErrorNote } from '../ui/ErrorNote';
import { VideoTile } from '../ui/VideoTile';

export const FEED_PAGE_SIZE = 12;

/** A feed post: its poster, the AI marker, who can see it, and its author (whose grid the name opens). */
export function PostTile({ item }: { item: FeedItem }) {
  const author = displayNameOf(item.uid);
  const caption = item.caption.trim() || 'No caption';
  return (
    <VideoTile
      testId={`post-${item.postId}`}
      href={href({ name: 'post', postId: item.postId })}
      media={{ postId: item.postId }}
      title={caption}
      visibility={item.visibility}
      meta={<>{seconds(item.durationMs)} · {new Date(item.createdAt).toLocaleDateString()}</>}
      footer={
        <a className="tile-author" href={href({ name: 'profile', uid: item.uid })}>
          {author}
        </a>
      }
    />
  );
}

/**
 * The feed as the signed-in person sees it (GET /v1/feed: public posts, their own, and the followers-only posts
 * of the people they follow), newest first, a page at a time. "Load more" moves focus to the first new post.
 */
export function Feed({ pageSize = FEED_PAGE_SIZE }: { pageSize?: number }) {
  const { client, user } = useSession();
  const feed = usePaged((cursor) => client.feed({ limit: pageSize, cursor }), [client, pageSize]);

  useEffect(() => {
    rememberPosts(user.uid, feed.items);
  }, [feed.items, user.uid]);

  return (
    <section aria-labelledby="feed-title">
      <h1 id="feed-title">
        <Rss className="icon" aria-hidden="true" /> Feed
      </h1>
      <p className="lead">What {user.displayName} may see, newest first: public posts, your own, and the followers-only posts of people you follow.</p>
      {feed.error && <ErrorNote error={feed.error} />}
      {!feed.loading && !feed.error && feed.items.length === 0 && <p>Nothing here yet: nobody you can see has posted a video.</p>}
      <ul className="grid" ref={feed.listRef} aria-label="Posts" aria-busy={feed.loading || undefined}>
        {feed.items.map((item) => (
          <PostTile key={item.postId} item={item} />
        ))}
      </ul>
      <div className="list-end" aria-live="polite">
        {feed.hasMore ? (
          <Button
            icon={ChevronsDown}
            onClick={feed.loadMore}
            loading={feed.loading}
            loadingText="Loading…"
          >
            Load more
          </Button>
        ) : (
          !feed.loading && feed.items.length > 0 && <p className="meta">That is everything.</p>
        )}
        {feed.loading && feed.items.length === 0 && <p>Loading…</p>}
      </div>
    </section>
  );
}
