/**
 * Cloud Storage on the local disk: objects are files under `<rootDir>/objects/`, their metadata (content type,
 * custom metadata, size, generation) lives in SQLite, and a finished upload announces itself through the outbox
 * like Storage's onObjectFinalized.
 *
 * An upload streams into a temp file first; only when it is complete is it renamed over the object (rename is
 * atomic on one filesystem), in the same synchronous step as the metadata row and the trigger event are
 * committed. A reader therefore sees the old object or the new one, never half of one, and an event is
 * recorded exactly when an object becomes visible.
 */
import type { BlobInfo, BlobMetadata, BlobStore, Clock } from '@d2v/core';
import { NotFoundError } from '@d2v/core';
import { assertByteRange, type ByteRange } from '@d2v/schema';
import { createHash, createHmac, randomUUID, timingSafeEqual, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LocalDatabase } from './db';
import { insertOutboxRow, type BlobChange } from './outbox';
import { compilePathPattern, matchPathPattern, type PathPattern } from './patterns';
import { silentLog, systemClock, type AdapterLog } from './runtime';

export interface BlobTrigger {
  /** Handler name the OutboxDispatcher routes the event to; unique per store. */
  name: string;
  /** e.g. `users/{uid}/ai-videos/{requestId}/{file}`; `{rest=**}` as the last segment matches deeper paths. */
  pattern: string;
  /** `finalize` (default, like onObjectFinalized) or `delete` (onObjectDeleted). */
  on?: BlobChange;
}

export interface FileBlobStoreOptions {
  db: LocalDatabase;
  rootDir: string;
  /** Base of signed URLs, e.g. `http://127.0.0.1:8080`; a function when the port is known only after listen. */
  publicBaseUrl: string | (() => string);
  /** HMAC key for signed URLs (a secret: never logged). */
  signingSecret: string | Buffer;
  clock?: Clock;
  log?: AdapterLog;
}

/** A path that could escape the store or that Cloud Storage would not accept as an object name. */
export class InvalidBlobPathError extends Error {
  override readonly name = 'InvalidBlobPathError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`invalid blob path ${JSON.stringify(path)}: ${reason}`);
  }
}

/** Signed URLs live at most 7 days, like Storage v4 signatures. */
export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600;
const MAX_PATH_BYTES = 1024;

/**
 * Refuses anything that could leave the root directory or that Storage refuses: empty or absolute paths,
 * `.`/`..`/empty segments (so no trailing slash), control characters, names over 1024 bytes. The same rules as
 * the Firebase runtime's `assertSafeObjectName`, so a name is accepted by both or by neither.
 */
export function assertSafeBlobPath(path: string): void {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidBlobPathError(String(path), 'empty');
  if (path.startsWith('/')) throw new InvalidBlobPathError(path, 'absolute paths are not allowed');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new InvalidBlobPathError(path, 'control characters are not allowed');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) throw new InvalidBlobPathError(path, `longer than ${MAX_PATH_BYTES} bytes`);
  for (const segment of path.split('/')) {
    if (segment.length === 0) throw new InvalidBlobPathError(path, 'empty segment');
    if (segment === '.' || segment === '..') throw new InvalidBlobPathError(path, `"${segment}" segments are not allowed`);
  }
}

/** What the signature covers. The newline (never valid inside a path) keeps `path`/`expires` unambiguous. */
function signature(secret: string | Buffer, path: string, expires: number): string {
  return createHmac('sha256', secret).update(`${path}\n${expires}`).digest('hex');
}

/**
 * Checks a request for `/blobs/<path>?expires=…&sig=…` (path already URL-decoded). False when expired, forged,
 * malformed or not a safe path; the signature comparison takes constant time.
 */
export function verifySignedBlobRequest(
  secret: string | Buffer,
  path: string,
  expires: string | number,
  sig: string,
  nowMs: number,
): boolean {
  try {
    assertSafeBlobPath(path);
  } catch {
    return false;
  }
  const expiresText = String(expires);
  if (!/^\d{1,15}$/.test(expiresText) || typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return false;
  const expiresAt = Number(expiresText);
  if (expiresAt * 1000 <= nowMs) return false;
  const expected = Buffer.from(signature(secret, path, expiresAt), 'hex');
  return timingSafeEqual(expected, Buffer.from(sig, 'hex'));
}

interface BlobRow {
  path: string;
  content_type: string;
  custom: string | null;
  size: number;
  generation: number;
  updated_at: number;
  md5: string | null;
}

const BLOB_COLUMNS = 'path, content_type, custom, size, generation, updated_at, md5';

function toBlobInfo(row: BlobRow): BlobInfo {
  return {
    path: row.path,
    contentType: row.content_type,
    // Always present (possibly empty), as Storage reports it.
    custom: row.custom === null ? {} : (JSON.parse(row.custom) as Record<string, string>),
    size: row.size,
    generation: String(row.generation),
    updatedAt: new Date(row.updated_at).toISOString(),
    ...(row.md5 ? { md5Hash: row.md5 } : {}),
  };
}

function validateMetadata(meta: BlobMetadata): void {
  if (typeof meta?.contentType !== 'string' || meta.contentType.length === 0) throw new Error('blob metadata: contentType is required');
  for (const [key, value] of Object.entries(meta.custom ?? {})) {
    if (typeof value !== 'string') throw new Error(`blob metadata: custom["${key}"] must be a string`);
  }
}

/** Counts and hashes bytes on their way through (size and MD5, like Storage's, without buffering anything). */
class ByteCounter extends Transform {
  bytes = 0;
  private readonly md5: Hash = createHash('md5');
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.md5.update(chunk);
    callback(null, chunk);
  }
  /** Base64, as Storage's `md5Hash`; call once, after the stream ended. */
  digest(): string {
    return this.md5.digest('base64');
  }
}

interface CompiledBlobTrigger {
  name: string;
  on: BlobChange;
  pattern: PathPattern;
}

export class FileBlobStore implements BlobStore {
  private readonly db: LocalDatabase;
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  private readonly publicBaseUrl: () => string;
  private readonly signingSecret: string | Buffer;
  private readonly clock: Clock;
  private readonly log: AdapterLog;
  private readonly triggers: CompiledBlobTrigger[] = [];

  constructor(options: FileBlobStoreOptions) {
    if (options.signingSecret.length === 0) throw new Error('FileBlobStore: signingSecret must not be empty');
    this.db = options.db;
    this.objectsDir = join(options.rootDir, 'objects');
    this.tmpDir = join(options.rootDir, 'tmp');
    const base = options.publicBaseUrl;
    this.publicBaseUrl = typeof base === 'function' ? base : () => base;
    this.signingSecret = options.signingSecret;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLog;
    mkdirSync(this.objectsDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  /** Every later upload (or delete, with `on: 'delete'`) of a matching object gets an outbox row. */
  registerTrigger(trigger: BlobTrigger): this {
    if (this.triggers.some((existing) => existing.name === trigger.name)) {
      throw new Error(`blob trigger "${trigger.name}" is already registered`);
    }
    const on = trigger.on ?? 'finalize';
    if (on !== 'finalize' && on !== 'delete') throw new Error(`blob trigger "${trigger.name}": unknown kind "${String(on)}"`);
    this.triggers.push({ name: trigger.name, on, pattern: compilePathPattern(trigger.pattern) });
    return this;
  }

  /** Where an object's bytes live on disk (for an HTTP server that wants to send the file itself). */
  filePath(path: string): string {
    assertSafeBlobPath(path);
    return join(this.objectsDir, ...path.split('/'));
  }

  async upload(path: string, source: Readable, meta: BlobMetadata): Promise<BlobInfo> {
    const target = this.filePath(path);
    validateMetadata(meta);
    const tmpFile = join(this.tmpDir, `${randomUUID()}.part`);
    const counter = new ByteCounter();
    try {
      await pipeline(source, counter, createWriteStream(tmpFile, { flush: true }));
      await mkdir(dirname(target), { recursive: true });
      return this.commitUpload(path, target, tmpFile, counter.bytes, counter.digest(), meta);
    } catch (err) {
      await rm(tmpFile, { force: true });
      throw err;
    }
  }

  async uploadFile(path: string, localFile: string, meta: BlobMetadata): Promise<BlobInfo> {
    this.filePath(path);
    return this.upload(path, createReadStream(localFile), meta);
  }

  /** Streams the object (or bytes `range.start`…`range.end` of it); a missing object fails with NotFoundError. */
  download(path: string, range?: ByteRange): Readable {
    const file = this.filePath(path);
    if (range) assertByteRange(range);
    const out = new PassThrough();
    // fs takes the same inclusive end as the port (and as HTTP ranges).
    const source = createReadStream(file, range ? { start: range.start, end: range.end } : {});
    source.on('error', (err: NodeJS.ErrnoException) => {
      out.destroy(err.code === 'ENOENT' || err.code === 'EISDIR' ? new NotFoundError(path) : err);
    });
    // A consumer that gives up early must not leave the file handle open.
    out.on('close', () => source.destroy());
    source.pipe(out);
    return out;
  }

  async downloadToFile(path: string, localFile: string): Promise<void> {
    if (!(await this.stat(path))) throw new NotFoundError(path);
    try {
      await pipeline(this.download(path), createWriteStream(localFile));
    } catch (err) {
      await rm(localFile, { force: true });
      throw err;
    }
  }

  /** Paths of the stored objects under `prefix`, sorted (for tests, tools and operators; not part of the port). */
  list(prefix: string): string[] {
    const rows = this.db
      .statement(`SELECT path FROM blobs WHERE substr(path, 1, length(@prefix)) = @prefix ORDER BY path`)
      .all({ prefix }) as { path: string }[];
    return rows.map((r) => r.path);
  }

  async stat(path: string): Promise<BlobInfo | null> {
    assertSafeBlobPath(path);
    const row = this.db
      .statement(`SELECT ${BLOB_COLUMNS} FROM blobs WHERE path = ?`)
      .get(path) as BlobRow | undefined;
    return row ? toBlobInfo(row) : null;
  }

  /** Removes the object; deleting a missing object succeeds (the Firebase adapter passes ignoreNotFound). */
  async delete(path: string): Promise<void> {
    const file = this.filePath(path);
    let eventsWritten = 0;
    this.db.immediate(() => {
      const row = this.db
        .statement(`SELECT ${BLOB_COLUMNS} FROM blobs WHERE path = ?`)
        .get(path) as BlobRow | undefined;
      this.db.statement('DELETE FROM blobs WHERE path = ?').run(path);
      if (row) eventsWritten = this.recordTriggerEvents('delete', toBlobInfo(row), this.clock.now());
      try {
        unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    });
    if (eventsWritten > 0) this.db.notifyCommitted('outbox');
  }

  async signedUrl(path: string, opts: { expiresInSeconds: number }): Promise<string> {
    assertSafeBlobPath(path);
    if (!Number.isFinite(opts.expiresInSeconds)) throw new Error('signedUrl: expiresInSeconds must be a finite number');
    // Clamped to [1 s, 7 days] like the Firebase runtime's V4 URLs, so both runtimes answer the same request.
    const seconds = Math.min(Math.max(1, Math.floor(opts.expiresInSeconds)), MAX_SIGNED_URL_SECONDS);
    const expires = Math.floor(this.clock.now() / 1000) + seconds;
    const base = this.publicBaseUrl().replace(/\/+$/, '');
    return `${base}/blobs/${encodeURI(path)}?expires=${expires}&sig=${signature(this.signingSecret, path, expires)}`;
  }

  /**
   * Rename, metadata row and trigger events in one synchronous SQLite transaction: nothing else in this process
   * can run in between, so concurrent uploads to one path leave file and metadata from the same upload.
   */
  private commitUpload(path: string, target: string, tmpFile: string, size: number, md5: string, meta: BlobMetadata): BlobInfo {
    let eventsWritten = 0;
    const info = this.db.immediate(() => {
      const generation = this.db.nextSequence('blob_generation');
      const now = this.clock.now();
      const custom = meta.custom && Object.keys(meta.custom).length > 0 ? JSON.stringify(meta.custom) : null;
      this.db
        .statement(
          `INSERT INTO blobs (${BLOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (path) DO UPDATE SET content_type = excluded.content_type, custom = excluded.custom,
             size = excluded.size, generation = excluded.generation, updated_at = excluded.updated_at, md5 = excluded.md5`,
        )
        .run(path, meta.contentType, custom, size, generation, now, md5);
      const blob = toBlobInfo({ path, content_type: meta.contentType, custom, size, generation, updated_at: now, md5 });
      eventsWritten = this.recordTriggerEvents('finalize', blob, now);
      // Last, so a failure above rolls back without touching the visible object.
      renameSync(tmpFile, target);
      return blob;
    });
    if (eventsWritten > 0) this.db.notifyCommitted('outbox');
    this.log.debug({ path, size, generation: info.generation }, 'blob stored');
    return info;
  }

  private recordTriggerEvents(change: BlobChange, blob: BlobInfo, now: number): number {
    let written = 0;
    for (const trigger of this.triggers) {
      if (trigger.on !== change) continue;
      const params = matchPathPattern(trigger.pattern, blob.path);
      if (!params) continue;
      insertOutboxRow(this.db, {
        trigger: trigger.name,
        kind: 'blob',
        change,
        path: blob.path,
        params,
        payloadJson: JSON.stringify({ blob }),
        createdAt: now,
      });
      written++;
    }
    return written;
  }
}
