/**
 * BlobStore on Cloud Storage (the default bucket, through firebase-admin). Uploads stream (never a whole video
 * in memory), custom metadata travels as object metadata (the Storage trigger's loop guard reads
 * `d2vGenerated` from it), and signed URLs are V4 read URLs. Signing in Cloud Functions uses the IAM
 * signBlob API: the runtime service account needs "Service Account Token Creator" on itself.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Bucket, FileMetadata } from '@google-cloud/storage';
import type { BlobInfo, BlobMetadata, BlobStore } from '@d2v/core';
import { assertByteRange, type ByteRange } from '@d2v/schema';
import { classifyGoogleError } from './errors';

export class UnsafeObjectNameError extends Error {
  override readonly name = 'UnsafeObjectNameError';
  constructor(readonly objectName: string, reason: string) {
    super(`refusing object name ${JSON.stringify(objectName)}: ${reason}`);
  }
}

/**
 * Cloud Storage accepts almost any name, but a name with `..`, `.`, empty segments or a leading/trailing slash
 * would mean something else on the local stack's disk (and confuses every tool that maps names to paths): the
 * port refuses them in both runtimes.
 */
export function assertSafeObjectName(name: string): void {
  if (name === '') throw new UnsafeObjectNameError(name, 'empty');
  if (Buffer.byteLength(name, 'utf8') > 1024) throw new UnsafeObjectNameError(name, 'longer than 1024 bytes');
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new UnsafeObjectNameError(name, 'control characters');
  if (name.startsWith('/')) throw new UnsafeObjectNameError(name, 'absolute');
  if (name.endsWith('/')) throw new UnsafeObjectNameError(name, 'trailing slash');
  for (const seg of name.split('/')) {
    if (seg === '') throw new UnsafeObjectNameError(name, 'empty segment');
    if (seg === '.' || seg === '..') throw new UnsafeObjectNameError(name, 'dot segment');
  }
}

/** Object metadata as Storage reports it → the port's BlobInfo (custom values stringified). */
export function toBlobInfo(path: string, meta: FileMetadata): BlobInfo {
  const custom: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta.metadata ?? {})) {
    if (v !== null && v !== undefined) custom[k] = String(v);
  }
  return {
    path: meta.name ?? path,
    size: Number(meta.size ?? 0),
    contentType: meta.contentType ?? 'application/octet-stream',
    custom,
    updatedAt: meta.updated ?? meta.timeCreated ?? new Date(0).toISOString(),
    generation: String(meta.generation ?? ''),
    // Storage's own content hash (base64 MD5); composite objects have none.
    ...(typeof meta.md5Hash === 'string' && meta.md5Hash ? { md5Hash: meta.md5Hash } : {}),
  };
}

/** What we send to Storage for a BlobMetadata. */
export function toStorageMetadata(meta: BlobMetadata): { contentType: string; metadata: Record<string, string> } {
  return { contentType: meta.contentType, metadata: { ...(meta.custom ?? {}) } };
}

export function signedUrlExpiry(nowMs: number, expiresInSeconds: number): number {
  // V4 signed URLs live at most 7 days.
  const seconds = Math.min(Math.max(1, Math.floor(expiresInSeconds)), 7 * 24 * 3600);
  return nowMs + seconds * 1000;
}

export class StorageBlobStore implements BlobStore {
  constructor(
    private readonly bucket: Bucket,
    private readonly now: () => number = Date.now,
  ) {}

  async upload(path: string, source: Readable, meta: BlobMetadata): Promise<BlobInfo> {
    assertSafeObjectName(path);
    const file = this.bucket.file(path);
    const sm = toStorageMetadata(meta);
    await pipeline(
      source,
      file.createWriteStream({
        // Resumable uploads survive a dropped connection mid-video; they cost one extra round trip.
        resumable: true,
        contentType: sm.contentType,
        metadata: sm,
      }),
    );
    const [m] = await file.getMetadata();
    return toBlobInfo(path, m);
  }

  async uploadFile(path: string, localFile: string, meta: BlobMetadata): Promise<BlobInfo> {
    assertSafeObjectName(path);
    const sm = toStorageMetadata(meta);
    const [file] = await this.bucket.upload(localFile, {
      destination: path,
      contentType: sm.contentType,
      metadata: sm,
    });
    const [m] = await file.getMetadata();
    return toBlobInfo(path, m);
  }

  /** `range` becomes `Range: bytes=start-end` (the client's `end` is inclusive, like the port's). */
  download(path: string, range?: ByteRange): Readable {
    assertSafeObjectName(path);
    if (!range) return this.bucket.file(path).createReadStream();
    assertByteRange(range);
    return this.bucket.file(path).createReadStream({ start: range.start, end: range.end });
  }

  async downloadToFile(path: string, localFile: string): Promise<void> {
    assertSafeObjectName(path);
    await this.bucket.file(path).download({ destination: localFile });
  }

  async stat(path: string): Promise<BlobInfo | null> {
    assertSafeObjectName(path);
    try {
      const [m] = await this.bucket.file(path).getMetadata();
      return toBlobInfo(path, m);
    } catch (err) {
      if (classifyGoogleError(err) === 'not-found') return null;
      throw err;
    }
  }

  async delete(path: string): Promise<void> {
    assertSafeObjectName(path);
    await this.bucket.file(path).delete({ ignoreNotFound: true });
  }

  async signedUrl(path: string, opts: { expiresInSeconds: number }): Promise<string> {
    assertSafeObjectName(path);
    const [url] = await this.bucket.file(path).getSignedUrl({
      version: 'v4',
      action: 'read',
      expires: signedUrlExpiry(this.now(), opts.expiresInSeconds),
    });
    return url;
  }
}
