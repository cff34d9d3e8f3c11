import { blobPaths, docPaths, PIPELINE_METADATA_KEY, type Draft, type VideoOutputs, type VideoRequest } from '@d2v/schema';
import { logs } from '../logs';
import type { DocumentStore, Ports } from '../ports';
import { readRequest, type RequestRef } from '../request-doc';
import { billedSoFar } from '../steps/cancel';
import { postVideo } from '../steps/posting';
import { removeQuietly } from '../steps/process';
import { publishCacheHit } from '../analytics';
import { transition, type TransitionOptions, type TransitionSpec } from '../transition';

/** States in which a request's stored video exists and may be reused. */
const HOLDS_VIDEO = ['ready', 'posted'] as const;

/** At most this many requests of one content are looked at (any one holding its video will do). */
const CANDIDATES = 20;

/**
 * The person's earliest request with this content key that made and still holds its video (ready or posted,
 * outputs present), other than `exceptRequestId`. A copy (a cache hit itself) is never one, so the content dies
 * with the videos it was made as; a shot is never one (its clip lives on only inside
 * the joined video).
 * A query on the request's own `contentKey` — Firestore's automatic single-field index, no composite one — in
 * place of a separate index document: no write when a video becomes ready or is deleted (issue #13 needed that
 * write for the owner's notification), and a deleted video simply stops matching.
 */
export async function findCachedVideo(store: DocumentStore, uid: string, contentKey: string, exceptRequestId?: string): Promise<VideoRequest | null> {
  const snaps = await store.query<VideoRequest>({ collection: docPaths.videoRequests(uid), where: [{ field: 'contentKey', op: '==', value: contentKey }], limit: CANDIDATES });
  const holders = snaps
    .map((s) => s.data)
    .filter((d) => d.requestId !== exceptRequestId && !d.parentRequestId && !d.cachedFrom && (HOLDS_VIDEO as readonly string[]).includes(d.state) && d.outputs && d.contentKey === contentKey);
  holders.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return holders[0] ?? null;
}

/** A hit: the request as it stands (ready, posted — or cancelled/deleted if that won the race). */
export interface CacheHit {
  doc: VideoRequest | null;
}

/**
 * A content-cache hit: an identical earlier video of the same person still exists, so its stored outputs (the
 * encrypted video and the poster) are copied to this request's own paths and the request goes validating → ready
 * without a single Luma call; autoPost then applies as usual. The copy is the same ciphertext: each file carries
 * its wrapped data key in its header and the outputs record the same key info, so both decrypt on their own and
 * deleting one leaves the other whole (re-encrypting would cost a full pass for no secrecy gained — it is the
 * same person's same video).
 *
 * The source is found by a query (findCachedVideo), and one whose files are gone (deleted meanwhile) is a miss — the request is generated as usual. Null: a miss.
 */
export async function reuseCachedVideo(
  ports: Ports,
  ref: RequestRef,
  draft: Draft,
  contentKey: string,
  /**
   * How the request gets to `validating → ready`: a fresh request is initialized and moved through `validating`
   * in the same commit as the hit (steps/create.ts), so the caller wraps the transition and names the
   * initialization.
   */
  via: { spec: (spec: TransitionSpec) => TransitionSpec; options?: TransitionOptions } = { spec: (s) => s },
): Promise<CacheHit | null> {
  const log = ports.log.child({ ...ref });
  const found = await findCachedVideo(ports.store, ref.uid, contentKey, ref.requestId);
  if (!found?.outputs) return null;
  const source = found as VideoRequest & { outputs: VideoOutputs };

  const videoPath = blobPaths.encryptedVideo(ref.uid, ref.requestId);
  const posterPath = blobPaths.poster(ref.uid, ref.requestId);
  const custom = { [PIPELINE_METADATA_KEY]: 'true', requestId: ref.requestId, cachedFrom: source.requestId };
  try {
    await ports.blobs.upload(videoPath, ports.blobs.download(source.outputs.videoPath), {
      contentType: 'application/octet-stream',
      custom: { ...custom, contentTypePlain: 'video/mp4' },
    });
    await ports.blobs.upload(posterPath, ports.blobs.download(source.outputs.posterPath), { contentType: 'image/jpeg', custom });
  } catch (e) {
    // Most likely the source was deleted while we copied: generate instead.
    log.warn({ sourceRequestId: source.requestId, err: String(e) }, logs.cacheCopyFailed);
    await removeQuietly(ports, [videoPath, posterPath]);
    return null;
  }

  const { rawPath: _raw, rawBytes: _rawBytes, ...kept } = source.outputs;
  const outputs: VideoOutputs = { ...kept, videoPath, posterPath };
  const moved = await transition(ports, ref, via.spec({
    from: ['validating'],
    to: 'ready',
    by: 'system',
    reason: `from cache: same content as request ${source.requestId}`,
    // A cancel that came first wins (it found the request validating and cancelled it).
    when: (d) => !d.cancelRequested,
    patch: () => ({
      draftSnapshot: draft,
      contentKey,
      cachedFrom: source.requestId,
      outputs,
      warnings: source.warnings ?? [],
      ...(source.promptParts ? { promptParts: source.promptParts } : {}),
    }),
  }), via.options);
  if (!moved.applied) {
    // Cancelled or deleted meanwhile: the copies belong to nobody. A duplicate delivery that won the same hit wrote
    // the very same paths, and they are its outputs now: those stay.
    const stored = await readRequest(ports, ref);
    if (stored?.outputs?.videoPath !== videoPath) await removeQuietly(ports, [videoPath, posterPath]);
    // A document the pipeline has not initialized (nothing else can have refused the commit) is not a request yet.
    return { doc: stored && typeof stored.state === 'string' && typeof stored.transitionCount === 'number' ? stored : null };
  }
  log.info({ sourceRequestId: source.requestId }, logs.cacheHit);
  await publishCacheHit(ports, { uid: ref.uid, requestId: ref.requestId, model: moved.doc.options?.model, sourceRequestId: source.requestId, estimatedSavedCents: billedSoFar(source).estimatedCents });
  if (moved.doc.options.autoPost) await postVideo(ports, ref, { by: 'system', reason: 'auto-post requested with the draft' });
  return { doc: await readRequest(ports, ref) };
}
