/**
 * What a chaos run is judged by, read from the parties that cannot be fooled by the stack: Luma's own record of
 * generations (the simulator in the parent process, which no kill touches), the posts in the stack's database
 * (read after it stopped), and the videos as the owner downloads and ffprobe reads them.
 */
import { join } from 'node:path';
import type { SimulatedGeneration } from '@d2v/luma-sim';
import { LocalDatabase, SqliteDocumentStore } from '@d2v/local';
import { probe } from '@d2v/media';
import type { Post, VideoRequest } from '@d2v/schema';
import type { ChaosApi } from './api';

/** One request of the run as it ended, with what Luma billed for it and what was posted. */
export interface RequestVerdict {
  requestId: string;
  kind: string;
  state: string;
  errorCode: string | null;
  /** Luma creates the request needed: one video per clip (per shot), plus a keyframe image where it has images. */
  expectedGenerations: number;
  /** Generations Luma charged and kept charged (a failed generation is refunded in full). */
  generations: number;
  /** Generations Luma made for it, refunded ones included. */
  created: number;
  /** Every clip (and keyframe) was billed exactly once. */
  billedOnce: boolean;
  /** Some clip or keyframe was billed more than once (what must never happen, whatever else fails). */
  billedTwice: boolean;
  posts: number;
  playable: boolean;
}

const CALLBACK_RE = /\/luma\/webhook\/([^/?]+)\/([^/?]+)\?token=/;

/** Generations by the request id their callback URL names (the id the pipeline gave Luma). */
export function generationsByRequest(generations: SimulatedGeneration[]): Map<string, SimulatedGeneration[]> {
  const byRequest = new Map<string, SimulatedGeneration[]>();
  for (const g of generations) {
    const cb = (g.requestBody as { callback_url?: unknown } | null)?.callback_url;
    const m = typeof cb === 'string' ? CALLBACK_RE.exec(cb) : null;
    if (!m) continue;
    const id = decodeURIComponent(m[2]!);
    byRequest.set(id, [...(byRequest.get(id) ?? []), g]);
  }
  return byRequest;
}

export async function verifyRequests(opts: {
  api: ChaosApi;
  created: { requestId: string; kind: string }[];
  generations: SimulatedGeneration[];
  workDir: string;
}): Promise<Omit<RequestVerdict, 'posts'>[]> {
  const byRequest = generationsByRequest(opts.generations);
  const verdicts: Omit<RequestVerdict, 'posts'>[] = [];
  for (const { requestId, kind } of opts.created) {
    const doc = await opts.api.getRequest(requestId);
    const leaves: VideoRequest[] = doc.shots?.length ? await Promise.all(doc.shots.map((s) => opts.api.getRequest(s.requestId))) : [doc];
    let expected = 0;
    let actual = 0;
    let created = 0;
    let billedOnce = true;
    let billedTwice = false;
    for (const leaf of leaves) {
      const all = byRequest.get(leaf.requestId) ?? [];
      const billed = all.filter((g) => g.chargedCents > 0 && !g.refunded);
      const videos = billed.filter((g) => g.generation.generation_type === 'video').length;
      const images = billed.filter((g) => g.generation.generation_type === 'image').length;
      const wantImages = leaf.keyframeRequest ? 1 : 0;
      expected += 1 + wantImages;
      actual += billed.length;
      created += all.length;
      if (videos !== 1 || images !== wantImages) billedOnce = false;
      if (videos > 1 || images > wantImages) billedTwice = true;
    }
    verdicts.push({
      requestId,
      kind,
      state: doc.state,
      errorCode: doc.error?.code ?? null,
      expectedGenerations: expected,
      generations: actual,
      created,
      billedOnce,
      billedTwice,
      playable: doc.state === 'posted' && (await playable(opts.api, requestId, opts.workDir)),
    });
  }
  return verdicts;
}

async function playable(api: ChaosApi, requestId: string, workDir: string): Promise<boolean> {
  const file = join(workDir, `${requestId}.mp4`);
  try {
    await api.downloadVideo(requestId, file);
    const info = await probe(file);
    return info.durationMs > 0 && info.width > 0 && info.height > 0;
  } catch {
    return false;
  }
}

/** Posts per request id, read from the stopped stack's database. */
export async function postsByRequest(dbFile: string): Promise<Map<string, number>> {
  const db = new LocalDatabase({ file: dbFile });
  try {
    const posts = await new SqliteDocumentStore({ db }).query<Post>({ collection: 'posts' });
    const counts = new Map<string, number>();
    for (const p of posts) counts.set(p.data.requestId, (counts.get(p.data.requestId) ?? 0) + 1);
    return counts;
  } finally {
    db.close();
  }
}
