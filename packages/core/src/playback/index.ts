/**
 * Watching the videos (issue #8): the playback service (access, ranges, decryption of the covering segments
 * only), signed links, the feed and profile listings, and the framework-free HTTP surface both runtimes serve.
 */
export { PLAYBACK_ERRORS, PlaybackError, type PlaybackErrorCode } from './errors';
export { parseRange, contentRange, type RangeDecision } from './range';
export { ownerVideo, audienceVideo, inAudience, isFollower, type PlayableVideo } from './access';
export {
  createPlayback,
  PLAYBACK_CACHE_CONTROL,
  type Playback,
  type PlaybackAnswer,
  type PlaybackAsset,
  type PlaybackOptions,
  type PlaybackPorts,
  type PlaybackRequest,
  type PlaybackSubject,
} from './service';
export { signPlaybackLink, verifyPlaybackLink, type LinkCheck, type SignedLink } from './links';
export { encodeCursor, decodeCursor, parseLimit, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page, type PageCursor } from './paging';
export {
  createListing,
  feedQueries,
  profileQuery,
  followedOwners,
  postLinks,
  requestLinks,
  MAX_FOLLOWED,
  type FeedItem,
  type Listing,
  type MediaLinks,
  type PageRequest,
  type ProfileGridItem,
} from './listing';
export {
  createPlaybackHttp,
  sendHttpAnswer,
  errorAnswer,
  DEFAULT_LINK_TTL_SECONDS,
  type HttpAnswer,
  type HttpRequestLike,
  type PlaybackHttp,
  type PlaybackHttpOptions,
} from './http';
