/**
 * The local stack's playback and listing routes — the owner's video, a post's video and poster (Range, signed
 * links), the feed and a profile's grid — all answered by the core's playback HTTP surface (@d2v/core
 * playback/http.ts), exactly as the `videoPlayback` function answers the media ones on Firebase. This module
 * only adapts express to it: every check (ids against IdSchema → 400 INVALID_ID, auth, access, ranges) is there.
 *
 * Mounted ahead of the `/v1` router because a signed link carries no `Authorization` header, which that
 * router's middleware would refuse; any path that is not a playback route falls through to it.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendHttpAnswer, type Logger, type PlaybackHttp } from '@d2v/core';

export function playbackRoutes(http: PlaybackHttp, log: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    http
      .answer({ method: req.method, path: req.path, query: req.query as Record<string, unknown>, headers: req.headers })
      .then((answer) => (answer ? sendHttpAnswer(res, answer, log) : next()))
      .catch(next);
  };
}
