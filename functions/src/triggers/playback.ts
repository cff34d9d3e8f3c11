/**
 * Watching the videos on Firebase: GET|HEAD /v1/requests/{id}/video|poster (the owner), /v1/posts/{postId}/
 * video|poster (a post's audience), …/link (a signed link for `<video src>`), with `Authorization: Bearer
 * <Firebase ID token>`. Storage rules deny the app direct reads of video.enc's plaintext (there is none); this
 * function decides access and streams the decrypted bytes, reading and decrypting only the segments a Range
 * covers. All of it is the core's (@d2v/core playback/); this file only wires it.
 *
 * Sizing: the work is waiting on Storage and the client; AES-GCM over one 64 KiB segment costs ~50 µs of CPU. A
 * stream holds one segment plus the sockets' buffers (~0.3 MiB), so 80 concurrent streams on one vCPU fit in
 * 512 MiB next to firebase-admin and Storage. A player's range requests are short; a whole-file download runs at
 * the client's speed, so the timeout is 15 minutes (the most a 60 s video needs on a slow mobile link), and a
 * response carries at most PLAYBACK_MAX_RANGE_BYTES (see config.ts) — longer ranges are continued by the client.
 * minInstances 0: a cold start costs the first play ~1 s (the SDKs, then pipeline.js; media.js on the first
 * video); set it to 1 where that matters more than the idle instance. `invoker: 'public'`: the function checks
 * the ID token (or the link) itself. App Check is not enforced: a media element cannot send its token, and the
 * links are what open videos to players.
 */
import { onRequest } from 'firebase-functions/v2/https';
import { PLAYBACK_SECRETS, REGION } from '../config';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

type NodeRequest = import('node:http').IncomingMessage & { path: string; query: unknown; method: string };
type NodeResponse = import('node:http').ServerResponse;

/** The express-style handler (exported for tests, which serve it over real HTTP). */
export async function handleVideoPlayback(req: NodeRequest, res: NodeResponse): Promise<void> {
  try {
    const { errorAnswer, getPlaybackHttp, getPorts, PlaybackError, sendHttpAnswer } = await import('../pipeline');
    const answer = await getPlaybackHttp().answer({
      method: req.method,
      path: req.path,
      query: (req.query ?? {}) as Record<string, unknown>,
      headers: req.headers,
    });
    await sendHttpAnswer(res, answer ?? errorAnswer(new PlaybackError('NOT_FOUND', 'No such route.')), getPorts().log);
  } catch (err) {
    runtimeLogger().error({ path: req.path, err }, logs.playbackFailed);
    if (res.headersSent) return void res.destroy();
    res.statusCode = 500;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'Something went wrong on our side.' } }));
  }
}

export const videoPlayback = onRequest(
  {
    region: REGION,
    memory: '512MiB',
    cpu: 1,
    concurrency: 80,
    minInstances: 0,
    maxInstances: 50,
    timeoutSeconds: 900,
    invoker: 'public',
    secrets: PLAYBACK_SECRETS,
  },
  (req, res) => handleVideoPlayback(req as unknown as NodeRequest, res),
);
