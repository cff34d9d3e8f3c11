/**
 * Every error code a request can end with, its sentence for a person, and whether "retry" may help.
 * Clients show `message`; ops group by `code`.
 */
export const ERROR_CATALOG = {
  INVALID_REQUEST: { retryable: false, message: 'The request is not valid.' },
  DRAFT_NOT_FOUND: { retryable: false, message: 'The draft this request points at does not exist.' },
  DRAFT_EMPTY: { retryable: false, message: 'The draft has no text or images to make a video from.' },
  PROMPT_TOO_SHORT: { retryable: false, message: 'The draft text is too short to describe a video (at least 3 characters).' },
  PROMPT_REFUSED: { retryable: false, message: 'The draft contains words the video service refuses; edit the draft and try again.' },
  IMAGE_NOT_ALLOWED: { retryable: false, message: 'An image in the draft is not yours or is on a host we do not fetch from.' },
  IMAGE_INVALID: { retryable: false, message: 'An image in the draft is missing, too large, or not an image.' },
  IMAGE_TOO_LARGE: { retryable: false, message: 'An image in the draft is larger than allowed.' },
  TOO_MANY_IMAGES: { retryable: false, message: 'The draft has more images than a video can use.' },
  IMAGE_WEIGHT_INVALID: { retryable: false, message: 'An image weight in the draft is not a number between 0 and 1.' },
  SCRIPT_INVALID: { retryable: false, message: 'The script is not valid.' },
  LUMA_REJECTED: { retryable: false, message: 'Luma refused the request.' },
  LUMA_AUTH: { retryable: false, message: 'The video service rejected our credentials; operators have been alerted.' },
  LUMA_NO_CREDITS: { retryable: true, message: 'The video service is out of credits right now; try again later.' },
  LUMA_UNAVAILABLE: { retryable: true, message: 'The video service is unavailable; try again in a few minutes.' },
  LUMA_MODERATION: { retryable: true, message: 'Luma’s moderation stopped this video; rewording the draft usually helps.' },
  LUMA_GENERATION_FAILED: { retryable: true, message: 'Luma could not make this video.' },
  DOWNLOAD_FAILED: { retryable: true, message: 'The finished video could not be fetched from Luma.' },
  /** Luma no longer has a generation it completed (deleted or expired there). Retrying looks again; it never bills again. */
  LUMA_VIDEO_GONE: { retryable: true, message: 'Luma no longer has the finished video, so it could not be fetched; trying again looks for it again and is never billed twice.' },
  MEDIA_INVALID: { retryable: false, message: 'The video Luma returned is not a usable video.' },
  MEDIA_TOO_LARGE: { retryable: false, message: 'The video is larger than the size limit.' },
  MEDIA_BAD_CONTAINER: { retryable: false, message: 'The video is not an MP4 or MOV file.' },
  MEDIA_BAD_CODEC: { retryable: false, message: 'The video uses a codec we do not accept.' },
  MEDIA_BAD_DURATION: { retryable: false, message: 'The video is shorter or longer than allowed.' },
  MEDIA_BAD_DIMENSIONS: { retryable: false, message: 'The video’s width or height is outside the allowed range.' },
  MEDIA_BAD_FRAME_RATE: { retryable: false, message: 'The video’s frame rate is outside the allowed range.' },
  MEDIA_EMPTY: { retryable: false, message: 'The video file is empty.' },
  MEDIA_CORRUPT: { retryable: false, message: 'The video file is damaged or cut short.' },
  MEDIA_NO_VIDEO: { retryable: false, message: 'The file has no video track.' },
  MEDIA_EXTENSION_MISMATCH: { retryable: false, message: 'The file is not the kind of file its name says.' },
  MEDIA_BAD_PIXEL_FORMAT: { retryable: false, message: 'The video uses a pixel format we do not accept.' },
  MEDIA_TOO_MANY_STREAMS: { retryable: false, message: 'The file has more tracks than allowed.' },
  MEDIA_PROCESSING_FAILED: { retryable: true, message: 'Compressing or encrypting the video failed.' },
  /** Quotas (issue #9): refused before anything is billed; the message says when to try again (and `retryAfter`). */
  TOO_MANY_IN_FLIGHT: { retryable: true, message: 'You already have as many videos in the making as allowed; try again when one of them is finished.' },
  QUOTA_EXCEEDED: { retryable: true, message: 'You have made as many videos as allowed in 24 hours; try again later.' },
  ACTION_NOT_ALLOWED: { retryable: false, message: 'That action is not possible for this video right now.' },
  TIMEOUT: { retryable: true, message: 'The request took longer than allowed and was stopped.' },
  INTERNAL: { retryable: true, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
