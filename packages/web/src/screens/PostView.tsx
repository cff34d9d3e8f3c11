import { ChevronLeft, Sparkles } from 'lucide-react';
import { href } from '../router';
import { displayNameOf, useSession } from '../session';
import { rememberedPost } from '../post-cache';
import { seconds } from '../format';
import { AiBadge } from '../ui/AiBadge';
import { VisibilityBadge } from '../ui/VisibilityBadge';
import { VideoPlayer } from './VideoPlayer';

/**
 * One post, played for its audience (GET /v1/posts/{postId}/video/link → a signed link the player loads with
 * ranges). Whether the viewer may watch is the server's call on every request: outside the audience the player
 * says the post does not exist, exactly as for a post that never did.
 */
export function PostView({ postId }: { postId: string }) {
  const { user } = useSession();
  const known = rememberedPost(user.uid, postId);
  const caption = known && 'caption' in known ? known.caption.trim() : '';
  const size = known && 'width' in known ? { width: known.width, height: known.height } : {};
  return (
    <section aria-labelledby="post-title">
      <a className="back" href={href({ name: 'feed' })}>
        <ChevronLeft className="icon" aria-hidden="true" /> Feed
      </a>
      <h1 id="post-title">
        <Sparkles className="icon" aria-hidden="true" /> {caption || 'Post'}
      </h1>
      {known && (
        <p className="meta post-meta">
          <AiBadge />
          <VisibilityBadge visibility={known.visibility} />
          <span>
            by <a href={href({ name: 'profile', uid: known.uid })}>{displayNameOf(known.uid)}</a>
          </span>
          <span>{seconds(known.durationMs)}</span>
          <span>{new Date(known.createdAt).toLocaleString()}</span>
        </p>
      )}
      <VideoPlayer postId={postId} {...size} />
    </section>
  );
}
