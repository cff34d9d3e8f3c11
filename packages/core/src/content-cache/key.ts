import { createHash } from 'node:crypto';
import { docPaths, isOwnedBlobPath, VIDEO_SHAPING_OPTIONS, type Draft, type ImageRef, type VideoRequest } from '@d2v/schema';
import type { DocData, Ports } from '../ports';

/** Bumped when what goes into the key changes meaning, so old entries simply stop matching. */
const CONTENT_KEY_VERSION = 1;

/**
 * The content cache's key: sha256 over a canonical JSON of everything that makes the video — the draft's content
 * (text, title, style, and each reference, character and style image as the MD5 of its bytes with its weight, in
 * order), the options that shape the video (model, aspect ratio, resolution, duration, loop: not visibility,
 * caption or autoPost), and for a video made from a script, the script itself. The draft's id is not in it: two
 * drafts with the same content are the same video.
 *
 * Null means "not cacheable": an image given by URL (its bytes are not ours to hash without fetching them), an
 * image outside the owner's Storage (validation refuses it, and a hit must never skip that), an object without a
 * content hash, or a script that is not readable. Such a request is generated as usual.
 */
export async function contentKeyOf(ports: Ports, uid: string, draft: Draft, doc: VideoRequest): Promise<string | null> {
  const images = async (refs: readonly ImageRef[]) => {
    const out: { md5: string; weight: number | null }[] = [];
    for (const ref of refs) {
      const md5 = await imageHash(ports, uid, ref);
      if (!md5) return null;
      out.push({ md5, weight: ref.weight ?? null });
    }
    return out;
  };
  const referenceImages = await images(draft.referenceImages);
  const characterImages = await images(draft.characterImages);
  const styleImage = draft.styleImage ? await images([draft.styleImage]) : [];
  if (!referenceImages || !characterImages || !styleImage) return null;

  let script: unknown = null;
  if (doc.scriptRequestId) {
    const snap = await ports.store.get<DocData>(docPaths.scriptRequest(uid, doc.scriptRequestId));
    if (!snap || snap.data.state !== 'ready' || typeof snap.data.script !== 'object' || !snap.data.script) return null;
    const { images: scriptImages, uid: _owner, ...rest } = snap.data.script as { images?: Record<string, ImageRef[] | ImageRef | undefined>; uid?: string };
    const hashed: Record<string, unknown> = {};
    for (const [role, value] of Object.entries(scriptImages ?? {})) {
      if (value === undefined) continue;
      const list = await images(Array.isArray(value) ? value : [value]);
      if (!list) return null;
      hashed[role] = list;
    }
    script = { ...rest, images: hashed };
  }

  const options: Record<string, unknown> = {};
  for (const name of VIDEO_SHAPING_OPTIONS) options[name] = doc.options[name] ?? null;
  const content = {
    v: CONTENT_KEY_VERSION,
    draft: { title: draft.title ?? null, text: draft.text, style: draft.style ?? null, referenceImages, characterImages, styleImage },
    options,
    script,
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

async function imageHash(ports: Ports, uid: string, ref: ImageRef): Promise<string | null> {
  if (!ref.path || !isOwnedBlobPath(uid, ref.path)) return null;
  return (await ports.blobs.stat(ref.path))?.md5Hash ?? null;
}

/**
 * JSON with object keys sorted at every level, so equal values give equal text whatever order a store hands the
 * fields back in (Firestore does not keep insertion order). The values here are plain JSON (strings, finite
 * numbers, booleans, null, arrays, objects); `undefined` fields are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
