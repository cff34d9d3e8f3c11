import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as z from 'zod';
import { docPaths, DraftSchema, IdSchema } from '@d2v/schema';
import type { BlobStore, DocData, DocumentStore } from '@d2v/core';
import { runFfmpeg } from '@d2v/media';

const SeedUserSchema = z.object({
  uid: z.string(),
  displayName: z.string(),
  token: z.string().min(8),
  /** Uids following this user: `users/{uid}/followers/{follower}` (the audience of `followers` posts). */
  followers: z.array(IdSchema).default([]),
  drafts: z.array(z.record(z.string(), z.unknown())).default([]),
});
const SeedFileSchema = z.object({ users: z.array(SeedUserSchema) });

export interface SeedResult {
  users: number;
  drafts: number;
  followers: number;
  images: number;
  /** Local bearer token → uid. */
  tokens: Map<string, string>;
}

/**
 * Loads `emulator-data/` into the local stack: users, their followers, drafts (users.json and drafts/*.json), and a real JPEG
 * (rendered by ffmpeg) for every image a draft references under its owner's uploads. Idempotent.
 */
export async function seedFromEmulatorData(dir: string, store: DocumentStore, blobs: BlobStore): Promise<SeedResult> {
  const seed = SeedFileSchema.parse(JSON.parse(await readFile(join(dir, 'users.json'), 'utf8')));
  const tokens = new Map<string, string>();
  const drafts: DocData[] = [];
  let followers = 0;
  for (const user of seed.users) {
    tokens.set(user.token, user.uid);
    await store.runTransaction(async (tx) => void tx.set(docPaths.user(user.uid), { uid: user.uid, displayName: user.displayName }));
    for (const follower of user.followers) {
      await store.runTransaction(async (tx) => void tx.set(docPaths.follower(user.uid, follower), followerDoc(follower)));
      followers++;
    }
    for (const draft of user.drafts) drafts.push({ ...draft, uid: user.uid });
  }
  const fixtureDir = join(dir, 'drafts');
  const fixtureFiles = (await readdir(fixtureDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  for (const file of fixtureFiles) {
    const draft = JSON.parse(await readFile(join(fixtureDir, file), 'utf8')) as DocData;
    drafts.push({ uid: 'demo-user', id: file.replace(/\.json$/, ''), ...draft });
  }
  for (const draft of drafts) {
    const path = docPaths.draft(String(draft.uid), String(draft.id));
    await store.runTransaction(async (tx) => void tx.set(path, draft));
  }
  const images = await renderReferencedImages(drafts, blobs);
  return { users: seed.users.length, drafts: drafts.length, followers, images, tokens };
}

/** A follower entry as the app's backend writes it; `followerUid` lets the feed find whom someone follows. */
export const followerDoc = (followerUid: string): DocData => ({ followerUid, since: '2025-01-01T00:00:00.000Z' });

function referencedPaths(draft: DocData): string[] {
  const parsed = DraftSchema.partial().safeParse(draft);
  if (!parsed.success) return [];
  const d = parsed.data;
  const refs = [...(d.referenceImages ?? []), ...(d.characterImages ?? []), ...(d.styleImage ? [d.styleImage] : [])];
  return refs.map((r) => r.path).filter((p): p is string => typeof p === 'string' && /^users\/[\w-]+\/uploads\//.test(p));
}

async function renderReferencedImages(drafts: DocData[], blobs: BlobStore): Promise<number> {
  const paths = [...new Set(drafts.flatMap(referencedPaths))];
  const work = await mkdtemp(join(tmpdir(), 'd2v-seed-'));
  let rendered = 0;
  try {
    for (const [i, path] of paths.entries()) {
      if (await blobs.stat(path)) continue;
      if (!/\.(jpe?g|png)$/i.test(path)) {
        // Fixtures for "an image that is not an image" point at other extensions: store text, not pixels.
        await blobs.upload(path, Readable.from([Buffer.from('this is not an image\n')]), { contentType: 'text/plain' });
        continue;
      }
      const file = join(work, `img-${i}.jpg`);
      // A test pattern with a different hue per image, so references look different to a person and to Luma.
      await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=768x768:d=1', '-vf', `hue=h=${(i * 67) % 360}`, '-frames:v', '1', '-q:v', '3', file]);
      await blobs.uploadFile(path, file, { contentType: 'image/jpeg', custom: { seeded: 'true' } });
      rendered++;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return rendered;
}
