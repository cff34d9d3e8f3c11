import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { blobPaths, docPaths, type VideoRequest } from '@d2v/schema';
import { isMediaValidationError } from '../errors';
import { logs } from '../logs';
import type { Ports } from '../ports';
import type { RequestRef } from '../request-doc';

/** A script video whose shots cannot be joined whatever we try (a permanent failure of the parent). */
export class ShotsNotJoinableError extends Error {
  override readonly name = 'ShotsNotJoinableError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * "Create Script": the parent's "download" joins its shots. Each shot's encrypted video is decrypted to a temp
 * file, cut to its scene's length and concatenated with ffmpeg; the result is stored as the parent's raw.mp4,
 * which starts the usual processing (compress, encrypt, post). The shots' own files are then removed; their
 * documents stay (with their transition logs) but they are never posted. Runs inside the download step's lease
 * (renewed while ffmpeg works); throws ShotsNotJoinableError for what no retry can fix, anything else to be retried.
 */
export async function assembleShots(ports: Ports, ref: RequestRef, doc: VideoRequest, owner: string): Promise<void> {
  const log = ports.log.child({ ...ref, lease: owner });
  const shots = doc.shots!;
  const concat = ports.media.concat?.bind(ports.media);
  if (!concat) throw new ShotsNotJoinableError('cannot join shots', 'This runtime cannot join the shots of a script video.');
  const children: VideoRequest[] = [];
  for (const shot of shots) {
    const child = (await ports.store.get<VideoRequest>(docPaths.videoRequest(ref.uid, shot.requestId)))?.data;
    if (!child?.outputs) throw new ShotsNotJoinableError('shot video missing', `Shot ${shot.n} has no video to join.`);
    children.push(child);
  }

  const work = await mkdtemp(join(ports.tmpDir, `d2v-${ref.requestId}-join-`));
  try {
    log.info({ shots: shots.length }, logs.assemblyStarted);
    const inputs: { file: string; durationMs: number }[] = [];
    for (const [i, child] of children.entries()) {
      const file = join(work, `shot-${shots[i]!.n}.mp4`);
      await pipeline(ports.media.decrypt(ports.blobs.download(child.outputs!.videoPath), child.outputs!.encryption), createWriteStream(file));
      inputs.push({ file, durationMs: shots[i]!.durationMs });
    }
    const joined = join(work, 'raw.mp4');
    const probe = await concat(inputs, joined);
    const info = await ports.blobs.uploadFile(blobPaths.rawVideo(ref.uid, ref.requestId), joined, {
      contentType: 'video/mp4',
      custom: { requestId: ref.requestId, source: 'script', shots: String(shots.length) },
    });
    log.info({ bytes: info.size, durationMs: probe.durationMs }, logs.assemblyDone);
  } catch (e) {
    log.warn({ err: String(e) }, logs.downloadFailed);
    if (isMediaValidationError(e)) throw new ShotsNotJoinableError('shots could not be joined', e.message);
    throw e;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  // The clips live on only inside the joined video (best effort: a leftover is swept with the request).
  for (const child of children) {
    for (const path of [child.outputs!.videoPath, child.outputs!.posterPath]) {
      await ports.blobs.delete(path).catch((err: unknown) => log.warn({ path, err: String(err) }, logs.cleanupFailed));
    }
  }
}
