import { Film } from 'lucide-react';
import type { ReactNode } from 'react';
import type { Visibility } from '@d2v/schema';
import { useMedia, type MediaRef } from '../hooks/useMedia';
import { AiBadge } from './AiBadge';
import { VisibilityBadge } from './VisibilityBadge';

export interface VideoTileProps {
  /** Where the tile leads (the post, or the owner's video page). */
  href: string;
  /** The poster's source; none: a placeholder. */
  media?: MediaRef;
  /** The link's accessible name and the tile's title. */
  title: string;
  visibility?: Visibility;
  /** Small print under the title (duration, date…). */
  meta?: ReactNode;
  /** Below the link (a link of its own, e.g. the author: links do not nest). */
  footer?: ReactNode;
  testId?: string;
}

/** A poster tile of the feed and the profile grids: poster, the AI marker, who can see it. */
export function VideoTile({ href, media, title, visibility, meta, footer, testId }: VideoTileProps) {
  const poster = useMedia(media, 'poster', Boolean(media));
  return (
    <li className="tile" data-testid={testId}>
      <a className="tile-link" href={href}>
        <div className="tile-media">
          {poster.url ? <img src={poster.url} alt="" /> : <Film className="icon tile-placeholder" aria-hidden="true" />}
          <AiBadge />
          {visibility && <VisibilityBadge visibility={visibility} />}
        </div>
        <div className="tile-body">
          <p className="tile-title">{title}</p>
          {meta && <p className="meta">{meta}</p>}
        </div>
      </a>
      {footer && <div className="tile-footer">{footer}</div>}
    </li>
  );
}
