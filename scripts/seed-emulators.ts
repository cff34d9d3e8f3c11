/**
 * Loads the emulator-data/ fixtures into the running Firebase emulators through the Admin SDK — the same
 * FirestoreDocumentStore/StorageBlobStore adapters the functions use. Run by scripts/seed-emulators.sh (which
 * bundles this file) inside `firebase emulators:exec` / next to `firebase emulators:start`.
 *
 * Tolerant by design: every emulator-data/*.json whose top level has `users: [{uid, displayName?, drafts?: [...]}]`
 * is loaded (other JSON files are skipped with a note); emulator-data/drafts/*.json are single drafts owned by
 * `uid` (default demo-user) with the file name as id. Every image a draft references under its owner's
 * uploads/ is rendered as a real JPEG with ffmpeg and uploaded (when the Storage emulator runs). Idempotent.
 * It refuses to run against anything but an emulator.
 */
import { readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { docPaths } from '@d2v/schema';
import type { BlobStore, DocData, DocumentStore } from '@d2v/core';
import { runFfmpeg } from '@d2v/media';
import { FirestoreDocumentStore } from '../functions/src/adapters/firestore-store';
import { StorageBlobStore } from '../functions/src/adapters/storage-blobs';

export interface SeedUser {
  uid: string;
  displayName: string;
  /** Uids following this user (`users/{uid}/followers/{follower}`, with `followerUid` for the feed's query). */
  followers: string[];
  drafts: DocData[];
}

export interface SeedPlan {
  users: SeedUser[];
  /** Files that were skipped, with the reason. */
  skipped: { file: string; reason: string }[];
}

const ID_RE = /^[A-Za-z0-9_-]{1,128}$/;
const DEFAULT_DRAFT_OWNER = 'demo-user';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Pure: the users and drafts a set of parsed fixture files describe (later files add to earlier ones). */
export function planSeed(files: { name: string; json: unknown }[], draftFiles: { name: string; json: unknown }[] = []): SeedPlan {
  const byUid = new Map<string, SeedUser>();
  const skipped: SeedPlan['skipped'] = [];
  const userFor = (uid: string, displayName?: string): SeedUser => {
    let u = byUid.get(uid);
    if (!u) {
      u = { uid, displayName: displayName ?? uid, followers: [], drafts: [] };
      byUid.set(uid, u);
    } else if (displayName) u.displayName = displayName;
    return u;
  };
  for (const { name, json } of files) {
    if (!isRecord(json) || !Array.isArray(json.users)) {
      skipped.push({ file: name, reason: 'no top-level "users" array' });
      continue;
    }
    for (const raw of json.users) {
      if (!isRecord(raw) || typeof raw.uid !== 'string' || !ID_RE.test(raw.uid)) {
        skipped.push({ file: name, reason: `a user without a valid uid: ${JSON.stringify(raw).slice(0, 80)}` });
        continue;
      }
      const user = userFor(raw.uid, typeof raw.displayName === 'string' ? raw.displayName : undefined);
      for (const f of Array.isArray(raw.followers) ? raw.followers : []) {
        if (typeof f === 'string' && ID_RE.test(f)) {
          if (!user.followers.includes(f)) user.followers.push(f);
        } else skipped.push({ file: name, reason: `a follower of ${raw.uid} that is not a valid uid: ${JSON.stringify(f)}` });
      }
      for (const d of Array.isArray(raw.drafts) ? raw.drafts : []) {
        if (!isRecord(d) || typeof d.id !== 'string' || !ID_RE.test(d.id)) {
          skipped.push({ file: name, reason: `a draft of ${raw.uid} without a valid id` });
          continue;
        }
        user.drafts.push({ ...d, uid: raw.uid });
      }
    }
  }
  for (const { name, json } of draftFiles) {
    if (!isRecord(json)) {
      skipped.push({ file: name, reason: 'not a JSON object' });
      continue;
    }
    const uid = typeof json.uid === 'string' && ID_RE.test(json.uid) ? json.uid : DEFAULT_DRAFT_OWNER;
    const id = typeof json.id === 'string' && ID_RE.test(json.id) ? json.id : basename(name, '.json');
    if (!ID_RE.test(id)) {
      skipped.push({ file: name, reason: 'file name is not a valid draft id' });
      continue;
    }
    userFor(uid).drafts.push({ ...json, id, uid });
  }
  return { users: [...byUid.values()], skipped };
}

/** Storage paths of the images a draft references under its owner's uploads/. */
export function referencedUploads(draft: DocData): string[] {
  const uid = String(draft.uid);
  const refs: unknown[] = [
    ...(Array.isArray(draft.referenceImages) ? draft.referenceImages : []),
    ...(Array.isArray(draft.characterImages) ? draft.characterImages : []),
    ...(draft.styleImage ? [draft.styleImage] : []),
  ];
  return refs
    .map((r) => (isRecord(r) && typeof r.path === 'string' ? r.path : undefined))
    .filter((p): p is string => p !== undefined && p.startsWith(`users/${uid}/uploads/`) && !p.includes('..'));
}

async function readJsonFiles(dir: string): Promise<{ name: string; json: unknown }[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const out: { name: string; json: unknown }[] = [];
  for (const name of names) {
    try {
      out.push({ name, json: JSON.parse(await readFile(join(dir, name), 'utf8')) as unknown });
    } catch (err) {
      out.push({ name, json: { __invalid: String(err) } });
    }
  }
  return out;
}

export async function seed(
  dir: string,
  store: DocumentStore,
  blobs: BlobStore | undefined,
  log: (line: string) => void,
): Promise<{ users: number; drafts: number; followers: number; images: number }> {
  const plan = planSeed(await readJsonFiles(dir), await readJsonFiles(join(dir, 'drafts')));
  for (const s of plan.skipped) log(`seed: skipped ${s.file}: ${s.reason}`);
  let drafts = 0;
  let followers = 0;
  const images = new Set<string>();
  for (const user of plan.users) {
    await store.runTransaction(async (tx) => void tx.set(docPaths.user(user.uid), { uid: user.uid, displayName: user.displayName }));
    for (const follower of user.followers) {
      await store.runTransaction(async (tx) => void tx.set(docPaths.follower(user.uid, follower), { followerUid: follower, since: '2025-01-01T00:00:00.000Z' }));
      followers++;
    }
    for (const draft of user.drafts) {
      await store.runTransaction(async (tx) => void tx.set(docPaths.draft(user.uid, String(draft.id)), draft));
      drafts++;
      for (const p of referencedUploads(draft)) images.add(p);
    }
  }
  if (blobs && images.size > 0) {
    const work = await mkdtemp(join(tmpdir(), 'd2v-seed-'));
    try {
      let i = 0;
      for (const path of images) {
        const file = join(work, `img-${i++}.jpg`);
        const hue = (i * 67) % 360;
        await runFfmpeg(['-y', '-f', 'lavfi', '-i', `testsrc2=size=768x768:rate=1,hue=h=${hue}`, '-frames:v', '1', '-q:v', '4', file]);
        await blobs.uploadFile(path, file, { contentType: 'image/jpeg' });
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return { users: plan.users.length, drafts, followers, images: blobs ? images.size : 0 };
}

async function main(): Promise<void> {
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    console.error('seed-emulators: FIRESTORE_EMULATOR_HOST is not set; refusing to write anywhere but an emulator.');
    process.exit(2);
  }
  const project = process.env.GCLOUD_PROJECT ?? 'demo-draft2video';
  const dir = resolve(process.argv[2] ?? join(__dirname, '..', '..', '..', 'emulator-data'));
  const { initializeApp } = await import('firebase-admin/app');
  const { getFirestore } = await import('firebase-admin/firestore');
  const { getStorage } = await import('firebase-admin/storage');
  const { configureFirestore } = await import('../functions/src/adapters/firestore-store');
  const app = initializeApp({ projectId: project, storageBucket: process.env.SEED_BUCKET ?? `${project}.appspot.com` });
  const store = new FirestoreDocumentStore(configureFirestore(getFirestore(app)));
  const storageHost = process.env.FIREBASE_STORAGE_EMULATOR_HOST ?? process.env.STORAGE_EMULATOR_HOST;
  const blobs = storageHost ? new StorageBlobStore(getStorage(app).bucket()) : undefined;
  if (!blobs) console.log('seed-emulators: no Storage emulator; reference images not uploaded');
  const r = await seed(dir, store, blobs, (l) => console.log(l));
  console.log(`seed-emulators: ${r.users} users, ${r.followers} followers, ${r.drafts} drafts, ${r.images} images from ${dir}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`seed-emulators: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
