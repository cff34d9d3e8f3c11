/**
 * The draft's images → Luma's `image_ref`, `character_ref` and `style_ref`.
 *
 * Only two kinds of image ever reach Luma: objects in the owner's own Storage folder (sent as short-lived signed
 * URLs from `signBlobUrl`) and https links on hosts of an explicit allow-list. Nothing is fetched here (no SSRF
 * through drafts). Checks run in two steps: `checkDraftImages` (synchronous: ownership, link policy, file type by
 * name, weights, limits, duplicates, which images are kept) and `resolveImages` (asynchronous: the runtime's
 * `inspectImage` when present — content type, byte size, dimensions — then signing). The first problem found, in
 * draft order, ends the plan with a PipelineError naming the image ("Reference image 2 …") — never another user's
 * path.
 */
import { isOwnedBlobPath, PipelineError, type Draft, type ImageRef } from '@d2v/schema';
import type { WeightedImage } from '@d2v/luma';
import {
  DEFAULT_IMAGE_LIMITS, DEFAULT_IMAGE_REF_WEIGHT, DEFAULT_STYLE_REF_WEIGHT, MAX_CHARACTER_IMAGES, MAX_IMAGE_REFS,
  MAX_LISTED_IMAGES, type ImageLimits,
} from './limits';

/** What the runtime knows about an object in Storage (null: there is no such object). */
export interface ImageInfo {
  contentType: string;
  bytes: number;
  width?: number;
  height?: number;
}
export type InspectImage = (ref: { path: string }) => Promise<ImageInfo | null>;

export interface ImageContext {
  signBlobUrl(path: string): Promise<string>;
  imageHostAllowList: readonly string[];
  inspectImage?: InspectImage;
  imageLimits?: Partial<ImageLimits>;
}

export type ImageRole = 'reference' | 'character' | 'style';

export interface CheckedImage {
  role: ImageRole;
  /** Position in its draft field (0-based). */
  index: number;
  /** "Reference image 2", "Character photo 1", "The style image". */
  label: string;
  /** File name or host, safe to show. */
  name: string;
  source: { kind: 'path'; path: string } | { kind: 'url'; url: string };
  /** Normalised to [0, 1]; absent for character photos. */
  weight?: number;
}

export interface CheckedImages {
  references: CheckedImage[];
  characters: CheckedImage[];
  style?: CheckedImage;
  /** What was left out, for the explanation. */
  dropped: { label: string; why: string }[];
}

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'webp']);
const UNSUPPORTED_IMAGE: Record<string, string> = {
  heic: 'HEIC photos are not supported by the video service; export the photo as JPEG',
  heif: 'HEIF photos are not supported by the video service; export the photo as JPEG',
  gif: 'GIF images are not supported; use a JPEG, PNG or WebP image',
  svg: 'SVG drawings are not supported; use a JPEG, PNG or WebP image',
  tif: 'TIFF images are not supported; use a JPEG, PNG or WebP image',
  tiff: 'TIFF images are not supported; use a JPEG, PNG or WebP image',
  bmp: 'BMP images are not supported; use a JPEG, PNG or WebP image',
};

function labelOf(role: ImageRole, index: number): string {
  if (role === 'style') return 'The style image';
  return role === 'reference' ? `Reference image ${index + 1}` : `Character photo ${index + 1}`;
}

function lowerLabel(label: string): string {
  return label.replace(/^The /, 'the ').replace(/^Reference/, 'reference').replace(/^Character/, 'character');
}

function extensionOf(name: string): string | undefined {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name);
  return m ? m[1]!.toLowerCase() : undefined;
}

function checkExtension(label: string, name: string): void {
  const ext = extensionOf(name);
  if (!ext || IMAGE_EXTENSIONS.has(ext)) return;
  const why = UNSUPPORTED_IMAGE[ext] ?? 'only JPEG, PNG or WebP images can be used';
  throw new PipelineError('IMAGE_INVALID', `${label} (${name}) is not an image the video service can read: ${why}.`, `file-type=${ext}`);
}

/** `*.example.com` allows subdomains of example.com; anything else must match the host exactly. */
export function hostAllowed(host: string, allowList: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return allowList.some((entry) => {
    const e = entry.trim().toLowerCase().replace(/\.$/, '');
    if (!e) return false;
    if (e.startsWith('*.')) return h.endsWith(e.slice(1)) && h.length > e.length - 1;
    return h === e;
  });
}

function checkSource(uid: string, ref: ImageRef, label: string, allowList: readonly string[]): Pick<CheckedImage, 'name' | 'source'> {
  const path = (ref as { path?: unknown }).path;
  const url = (ref as { url?: unknown }).url;
  const hasPath = typeof path === 'string' && path.length > 0;
  const hasUrl = typeof url === 'string' && url.length > 0;
  if (hasPath === hasUrl) {
    throw new PipelineError('INVALID_REQUEST', `${label} needs exactly one of a Storage path or a link.`);
  }
  if (hasPath) {
    const p = path as string;
    const traversal = /[\u0000-\u001F\u007F\\]/.test(p) || /%2e|%2f|%5c/i.test(p) || p.length > 1024;
    if (!traversal && isOwnedBlobPath(uid, p)) {
      const name = p.slice(p.lastIndexOf('/') + 1);
      if (!name) throw new PipelineError('IMAGE_INVALID', `${label} points at a folder, not an image.`);
      checkExtension(label, name);
      return { name, source: { kind: 'path', path: p } };
    }
    // Never echo the path: it may name another person's folder.
    const malformed = traversal || p.includes('..') || p.includes('//') || p.startsWith('/');
    const other = !malformed && /^users\/[^/]+\//.test(p);
    throw new PipelineError(
      'IMAGE_NOT_ALLOWED',
      other
        ? `${label} is in another person's storage; only your own uploads can be used.`
        : `${label} is not in your own storage folder; only your own uploads can be used.`,
      other ? 'owner-mismatch' : 'outside-owner-folder',
    );
  }
  let u: URL;
  try {
    u = new URL(url as string);
  } catch {
    throw new PipelineError('IMAGE_NOT_ALLOWED', `${label} is not a valid link.`, 'bad-url');
  }
  const host = u.hostname.toLowerCase();
  if (u.protocol !== 'https:') {
    throw new PipelineError('IMAGE_NOT_ALLOWED', `${label} is a link that does not use https (${u.protocol}); only https links from allowed image hosts can be used.`, 'scheme');
  }
  if (u.username || u.password || u.port) {
    throw new PipelineError('IMAGE_NOT_ALLOWED', `${label} is a link with credentials or a port (${host}); only plain https links from allowed image hosts can be used.`, 'url-form');
  }
  if (!hostAllowed(host, allowList)) {
    throw new PipelineError('IMAGE_NOT_ALLOWED', `${label} links to ${host}, which is not on the list of image hosts we fetch from.`, `host=${host}`);
  }
  const name = decodeURIComponentSafe(u.pathname.slice(u.pathname.lastIndexOf('/') + 1)) || host;
  checkExtension(label, name);
  u.hash = '';
  return { name, source: { kind: 'url', url: u.href } };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * Weights are Luma's 0–1. Missing → Luma's example weight; 1 < w ≤ 100 is read as a percentage (the app's slider
 * may send 0–100) with a warning; not a number, negative or above 100 is an error.
 */
export function normaliseWeight(weight: unknown, label: string, fallback: number, warnings: string[]): number {
  if (weight === undefined || weight === null) return fallback;
  if (typeof weight !== 'number' || !Number.isFinite(weight)) {
    throw new PipelineError('INVALID_REQUEST', `${label} has a weight that is not a number; weights go from 0 to 1.`, 'weight-not-finite');
  }
  if (weight < 0) {
    throw new PipelineError('INVALID_REQUEST', `${label} has a negative weight (${weight}); weights go from 0 to 1.`, 'weight-negative');
  }
  if (weight <= 1) return round3(weight);
  if (weight <= 100) {
    const w = round3(weight / 100);
    warnings.push(`${label} has weight ${weight}, read as a percentage: ${w}.`);
    return w;
  }
  throw new PipelineError('INVALID_REQUEST', `${label} has weight ${weight}; weights go from 0 to 1 (or 0–100 %).`, 'weight-too-large');
}

function keyOf(img: CheckedImage): string {
  return img.source.kind === 'path' ? `path:${img.source.path}` : `url:${img.source.url}`;
}

function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Synchronous checks and selection; see the module comment. */
export function checkDraftImages(
  draft: Pick<Draft, 'uid' | 'referenceImages' | 'characterImages' | 'styleImage'>,
  allowList: readonly string[],
  warnings: string[],
): CheckedImages {
  const refs = draft.referenceImages ?? [];
  const chars = draft.characterImages ?? [];
  for (const [list, what] of [[refs, 'reference images'], [chars, 'character photos']] as const) {
    if (list.length > MAX_LISTED_IMAGES) {
      throw new PipelineError(
        'INVALID_REQUEST',
        `The draft has ${list.length} ${what}; at most ${MAX_LISTED_IMAGES} can be used (Luma itself takes ${what === 'reference images' ? MAX_IMAGE_REFS : MAX_CHARACTER_IMAGES}).`,
        'too-many-images',
      );
    }
  }
  const dropped: CheckedImages['dropped'] = [];

  // Every image is checked, including those later left out: a draft pointing at someone else's file is refused.
  let references: CheckedImage[] = refs.map((ref, index) => {
    const label = labelOf('reference', index);
    const src = checkSource(draft.uid, ref, label, allowList);
    return { role: 'reference', index, label, ...src, weight: normaliseWeight(ref.weight, label, DEFAULT_IMAGE_REF_WEIGHT, warnings) };
  });
  let characters: CheckedImage[] = chars.map((ref, index) => {
    const label = labelOf('character', index);
    return { role: 'character', index, label, ...checkSource(draft.uid, ref, label, allowList) };
  });
  if (chars.some((c) => c.weight !== undefined)) {
    warnings.push('Character photos have no weight in Luma; the weights given for them were ignored.');
  }
  let style: CheckedImage | undefined;
  if (draft.styleImage) {
    const label = labelOf('style', 0);
    style = {
      role: 'style',
      index: 0,
      label,
      ...checkSource(draft.uid, draft.styleImage, label, allowList),
      weight: normaliseWeight(draft.styleImage.weight, label, DEFAULT_STYLE_REF_WEIGHT, warnings),
    };
  }

  // Duplicates: one entry per image (the strongest weight).
  const dedupe = (list: CheckedImage[], what: string): CheckedImage[] => {
    const byKey = new Map<string, CheckedImage>();
    const out: CheckedImage[] = [];
    for (const img of list) {
      const first = byKey.get(keyOf(img));
      if (!first) {
        byKey.set(keyOf(img), img);
        out.push(img);
        continue;
      }
      if (img.weight !== undefined && (first.weight ?? 0) < img.weight) first.weight = img.weight;
      warnings.push(`${img.label} is the same ${what} as ${lowerLabel(first.label)}; it was used once.`);
      dropped.push({ label: img.label, why: `duplicate of ${lowerLabel(first.label)}` });
    }
    return out;
  };
  references = dedupe(references, 'image');
  characters = dedupe(characters, 'photo');

  const zero = references.filter((r) => r.weight === 0);
  if (zero.length) {
    warnings.push(`${listing(zero.map((r) => r.label))} ${zero.length > 1 ? 'have' : 'has'} weight 0 and ${zero.length > 1 ? 'were' : 'was'} left out.`);
    for (const r of zero) dropped.push({ label: r.label, why: 'weight 0' });
    references = references.filter((r) => r.weight !== 0);
  }

  if (references.length > MAX_IMAGE_REFS) {
    const ranked = [...references].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0) || a.index - b.index);
    const out = ranked.slice(MAX_IMAGE_REFS).sort((a, b) => a.index - b.index);
    warnings.push(
      `Luma takes at most ${MAX_IMAGE_REFS} reference images: the ${MAX_IMAGE_REFS} strongest were kept and ` +
        `${listing(out.map((r) => `${lowerLabel(r.label)} (weight ${r.weight})`))} ${out.length > 1 ? 'were' : 'was'} left out.`,
    );
    for (const r of out) dropped.push({ label: r.label, why: `weaker than the ${MAX_IMAGE_REFS} kept` });
    references = ranked.slice(0, MAX_IMAGE_REFS);
  } else {
    references = [...references].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0) || a.index - b.index);
  }

  if (characters.length > MAX_CHARACTER_IMAGES) {
    const out = characters.slice(MAX_CHARACTER_IMAGES);
    warnings.push(
      `Luma takes at most ${MAX_CHARACTER_IMAGES} character photos: the first ${MAX_CHARACTER_IMAGES} were kept and ` +
        `${listing(out.map((c) => lowerLabel(c.label)))} ${out.length > 1 ? 'were' : 'was'} left out.`,
    );
    for (const c of out) dropped.push({ label: c.label, why: `only the first ${MAX_CHARACTER_IMAGES} photos are used` });
    characters = characters.slice(0, MAX_CHARACTER_IMAGES);
  }

  return { references, characters, ...(style ? { style } : {}), dropped };
}

export function hasImages(c: CheckedImages): boolean {
  return c.references.length + c.characters.length + (c.style ? 1 : 0) > 0;
}

export interface ResolvedImages {
  image_ref?: WeightedImage[];
  character_ref?: { identity0: { images: string[] } };
  style_ref?: WeightedImage[];
}

async function inspect(img: CheckedImage, ctx: ImageContext): Promise<void> {
  if (img.source.kind !== 'path' || !ctx.inspectImage) return;
  const limits = { ...DEFAULT_IMAGE_LIMITS, ...(ctx.imageLimits ?? {}) };
  const info = await ctx.inspectImage({ path: img.source.path });
  const what = `${img.label} (${img.name})`;
  if (!info) throw new PipelineError('IMAGE_INVALID', `${what} could not be found in your uploads.`, 'missing');
  const type = info.contentType.split(';')[0]!.trim().toLowerCase();
  if (!limits.contentTypes.includes(type)) {
    throw new PipelineError('IMAGE_INVALID', `${what} is not a JPEG, PNG or WebP image (it is ${type || 'of unknown type'}).`, `content-type=${type}`);
  }
  if (!(info.bytes > 0)) throw new PipelineError('IMAGE_INVALID', `${what} is an empty file.`, 'empty');
  if (info.bytes > limits.maxBytes) {
    const mb = (n: number) => `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
    throw new PipelineError('IMAGE_INVALID', `${what} is ${mb(info.bytes)}; images can be at most ${mb(limits.maxBytes)}.`, 'too-large-bytes');
  }
  const { width, height } = info;
  if (width !== undefined && height !== undefined) {
    if (Math.min(width, height) < limits.minSide) {
      throw new PipelineError('IMAGE_INVALID', `${what} is only ${width}×${height} pixels; images need at least ${limits.minSide} pixels on each side.`, 'too-small');
    }
    if (Math.max(width, height) > limits.maxSide) {
      throw new PipelineError('IMAGE_INVALID', `${what} is ${width}×${height} pixels; images can be at most ${limits.maxSide} pixels on a side.`, 'too-large-dimensions');
    }
  }
}

async function urlFor(img: CheckedImage, ctx: ImageContext): Promise<string> {
  return img.source.kind === 'path' ? ctx.signBlobUrl(img.source.path) : img.source.url;
}

/** Inspects (when the runtime can) and signs the kept images, one at a time so the first error is stable. */
export async function resolveImages(c: CheckedImages, ctx: ImageContext): Promise<ResolvedImages> {
  const kept = [...c.references, ...c.characters, ...(c.style ? [c.style] : [])];
  for (const img of kept) await inspect(img, ctx);
  const out: ResolvedImages = {};
  if (c.references.length) {
    out.image_ref = [];
    for (const r of c.references) out.image_ref.push({ url: await urlFor(r, ctx), weight: r.weight ?? DEFAULT_IMAGE_REF_WEIGHT });
  }
  if (c.characters.length) {
    const images: string[] = [];
    for (const ch of c.characters) images.push(await urlFor(ch, ctx));
    out.character_ref = { identity0: { images } };
  }
  if (c.style) out.style_ref = [{ url: await urlFor(c.style, ctx), weight: c.style.weight ?? DEFAULT_STYLE_REF_WEIGHT }];
  return out;
}
