/**
 * The BlobStore contract: what the pipeline core relies on from any object store. Written only against the
 * port, so the local file adapter and the Cloud Storage adapter (against the emulator) run the same suite.
 * Every test writes under its own random prefix, so a shared bucket needs no cleaning between tests.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobStore } from '../../src/ports';
import { settle } from './settle';

export interface BlobStoreFixture {
  blobs: BlobStore;
  cleanup(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** A stream of `totalBytes` pseudo-random bytes made chunk by chunk (never held whole), and its sha256. */
function generatedStream(totalBytes: number, seed: number): { stream: Readable; sha256: Promise<string> } {
  const hash = createHash('sha256');
  let produced = 0;
  let state = seed;
  let resolveDigest!: (digest: string) => void;
  const sha256 = new Promise<string>((resolve) => (resolveDigest = resolve));
  const stream = new Readable({
    read() {
      if (produced >= totalBytes) {
        resolveDigest(hash.digest('hex'));
        this.push(null);
        return;
      }
      const size = Math.min(64 * 1024, totalBytes - produced);
      const chunk = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        chunk[i] = state >>> 24;
      }
      produced += size;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256 };
}

const sha256Of = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export function describeBlobStoreContract(name: string, makeStore: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let blobs: BlobStore;
    let prefix: string;
    let scratch: string;
    const at = (rest: string): string => `${prefix}/${rest}`;

    beforeEach(async () => {
      fixture = await makeStore();
      blobs = fixture.blobs;
      prefix = `contract/${randomUUID()}`;
      scratch = await mkdtemp(join(tmpdir(), 'blob-contract-'));
    });

    afterEach(async () => {
      await fixture.cleanup();
      await rm(scratch, { recursive: true, force: true });
    });

    it('uploads a stream and downloads the same bytes, with matching info from upload and stat', async () => {
      const body = Buffer.from('hello, blob\n'.repeat(100));
      const before = Date.now();
      const info = await blobs.upload(at('a/hello.txt'), Readable.from([body]), { contentType: 'text/plain' });
      expect(info.path).toBe(at('a/hello.txt'));
      expect(info.size).toBe(body.length);
      expect(info.contentType).toBe('text/plain');
      expect(typeof info.generation).toBe('string');
      expect(info.generation.length).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(info.updatedAt))).toBe(false);
      expect(Date.parse(info.updatedAt)).toBeGreaterThanOrEqual(before - 60_000);

      const stat = await blobs.stat(at('a/hello.txt'));
      expect(stat).toEqual(info);
      expect(await readAll(blobs.download(at('a/hello.txt')))).toEqual(body);
    });

    it('streams a multi-megabyte object through upload and download intact', async () => {
      const size = 3 * 1024 * 1024 + 17;
      const { stream, sha256 } = generatedStream(size, 7);
      const info = await blobs.upload(at('big.bin'), stream, { contentType: 'application/octet-stream' });
      expect(info.size).toBe(size);
      const downloaded = await readAll(blobs.download(at('big.bin')));
      expect(downloaded.length).toBe(size);
      expect(sha256Of(downloaded)).toBe(await sha256);
    });

    it('downloads byte ranges: inclusive ends, first and last byte, one byte, the whole object as a range', async () => {
      const body = Buffer.from(Array.from({ length: 200_003 }, (_, i) => (i * 31 + 7) % 256));
      await blobs.upload(at('ranged.bin'), Readable.from([body]), { contentType: 'application/octet-stream' });
      const last = body.length - 1;
      for (const [start, end] of [[0, 0], [0, 9], [10, 10], [65_530, 65_545], [last - 4, last], [last, last], [0, last], [123_456, 199_999]] as const) {
        const got = await readAll(blobs.download(at('ranged.bin'), { start, end }));
        expect({ start, end, bytes: got.length }).toEqual({ start, end, bytes: end - start + 1 });
        expect(got.equals(body.subarray(start, end + 1))).toBe(true);
      }
    });

    it('refuses invalid ranges and fails a ranged read of a missing object', async () => {
      await blobs.upload(at('r.txt'), Readable.from([Buffer.from('0123456789')]), { contentType: 'text/plain' });
      for (const range of [{ start: 5, end: 4 }, { start: -1, end: 3 }, { start: 0.5, end: 3 }, { start: 0, end: Number.NaN }]) {
        expect(await settle(async () => readAll(blobs.download(at('r.txt'), range)))).toBeInstanceOf(Error);
      }
      expect(await settle(() => readAll(blobs.download(at('missing.bin'), { start: 0, end: 3 })))).toBeInstanceOf(Error);
    });

    it('stores an empty object', async () => {
      const info = await blobs.upload(at('empty'), Readable.from([]), { contentType: 'application/octet-stream' });
      expect(info.size).toBe(0);
      expect((await readAll(blobs.download(at('empty')))).length).toBe(0);
    });

    it('uploads from a local file and downloads to a local file', async () => {
      const source = join(scratch, 'in.bin');
      const target = join(scratch, 'out.bin');
      const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
      await writeFile(source, body);
      const info = await blobs.uploadFile(at('files/in.bin'), source, { contentType: 'video/mp4' });
      expect(info.size).toBe(body.length);
      expect(info.contentType).toBe('video/mp4');
      await blobs.downloadToFile(at('files/in.bin'), target);
      expect(await readFile(target)).toEqual(body);
    });

    it('reports the MD5 of the bytes (Storage\'s md5Hash, base64) from upload, uploadFile and stat; an overwrite changes it', async () => {
      const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');
      const body = Buffer.from('the same bytes, the same hash\n'.repeat(3000));
      const streamed = await blobs.upload(at('h/a.bin'), Readable.from([body.subarray(0, 1000), body.subarray(1000)]), { contentType: 'image/png' });
      expect(streamed.md5Hash).toBe(md5(body));
      expect((await blobs.stat(at('h/a.bin')))!.md5Hash).toBe(md5(body));
      const file = join(scratch, 'h.bin');
      await writeFile(file, body);
      expect((await blobs.uploadFile(at('h/b.bin'), file, { contentType: 'image/png' })).md5Hash).toBe(md5(body));
      const other = Buffer.from('other bytes');
      await blobs.upload(at('h/a.bin'), Readable.from([other]), { contentType: 'image/png' });
      expect((await blobs.stat(at('h/a.bin')))!.md5Hash).toBe(md5(other));
      expect((await blobs.upload(at('h/empty'), Readable.from([]), { contentType: 'image/png' })).md5Hash).toBe(md5(Buffer.alloc(0)));
    });

    it('round-trips content type and custom metadata', async () => {
      const custom = { d2vGenerated: 'true', requestId: 'r1', 'x-note': 'ünïcode ✓' };
      const info = await blobs.upload(at('meta.jpg'), Readable.from([Buffer.from([0xff, 0xd8, 0xff])]), {
        contentType: 'image/jpeg',
        custom,
      });
      expect(info.custom).toEqual(custom);
      const stat = await blobs.stat(at('meta.jpg'));
      expect(stat!.contentType).toBe('image/jpeg');
      expect(stat!.custom).toEqual(custom);
    });

    it('replaces content and metadata on overwrite and changes the generation', async () => {
      const first = await blobs.upload(at('o.txt'), Readable.from([Buffer.from('one')]), {
        contentType: 'text/plain',
        custom: { v: '1' },
      });
      const second = await blobs.upload(at('o.txt'), Readable.from([Buffer.from('second')]), { contentType: 'text/markdown' });
      expect(second.generation).not.toBe(first.generation);
      expect(second.size).toBe(6);
      const stat = await blobs.stat(at('o.txt'));
      expect(stat!.generation).toBe(second.generation);
      expect(stat!.contentType).toBe('text/markdown');
      expect(stat!.custom ?? {}).toEqual({});
      expect((await readAll(blobs.download(at('o.txt')))).toString()).toBe('second');
    });

    it('reports missing objects: stat null, download stream errors, downloadToFile rejects', async () => {
      expect(await blobs.stat(at('missing'))).toBeNull();
      expect(await settle(() => readAll(blobs.download(at('missing'))))).toBeInstanceOf(Error);
      expect(await settle(() => blobs.downloadToFile(at('missing'), join(scratch, 'x')))).toBeInstanceOf(Error);
    });

    it('deletes an object; deleting a missing object succeeds', async () => {
      await blobs.upload(at('gone.txt'), Readable.from([Buffer.from('bye')]), { contentType: 'text/plain' });
      await blobs.delete(at('gone.txt'));
      expect(await blobs.stat(at('gone.txt'))).toBeNull();
      expect(await settle(() => readAll(blobs.download(at('gone.txt'))))).toBeInstanceOf(Error);
      await blobs.delete(at('gone.txt'));
    });

    it('creates nothing when the source stream fails mid-upload', async () => {
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1024, 1));
          this.destroy(new Error('source broke'));
        },
      });
      expect(await settle(() => blobs.upload(at('partial.bin'), failing, { contentType: 'application/octet-stream' }))).toBeInstanceOf(Error);
      expect(await blobs.stat(at('partial.bin'))).toBeNull();
    });

    it('keeps the previous version whole when an overwrite fails mid-upload', async () => {
      await blobs.upload(at('keep.txt'), Readable.from([Buffer.from('original')]), { contentType: 'text/plain' });
      const failing = new Readable({
        read() {
          this.push(Buffer.from('new bytes'));
          this.destroy(new Error('source broke'));
        },
      });
      await settle(() => blobs.upload(at('keep.txt'), failing, { contentType: 'text/plain' }));
      expect((await readAll(blobs.download(at('keep.txt')))).toString()).toBe('original');
    });

    it.each([
      ['a parent reference', '../escape.txt'],
      ['a nested parent reference', 'users/u1/../../escape.txt'],
      ['an absolute path', '/etc/passwd'],
      ['an empty segment', 'users//u1/x'],
      ['a trailing slash', 'users/u1/'],
      ['a dot segment', 'users/./x'],
      ['an empty path', ''],
    ])('refuses %s (%j)', async (_label, path) => {
      expect(await settle(() => blobs.upload(path, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' }))).toBeInstanceOf(Error);
      expect(await settle(() => blobs.stat(path))).toBeInstanceOf(Error);
      expect(await settle(() => blobs.signedUrl(path, { expiresInSeconds: 60 }))).toBeInstanceOf(Error);
    });

    it('signs URLs: absolute http(s), naming the object, with a signature that differs per object', async () => {
      await blobs.upload(at('users/u1/poster.jpg'), Readable.from([Buffer.from('x')]), { contentType: 'image/jpeg' });
      const url = new URL(await blobs.signedUrl(at('users/u1/poster.jpg'), { expiresInSeconds: 300 }));
      expect(['http:', 'https:']).toContain(url.protocol);
      expect(decodeURIComponent(url.pathname).endsWith(at('users/u1/poster.jpg'))).toBe(true);
      expect(url.search.length).toBeGreaterThan(1);
      const other = new URL(await blobs.signedUrl(at('users/u1/other.jpg'), { expiresInSeconds: 300 }));
      expect(other.search).not.toBe(url.search);
    });

    it('handles object names with spaces and non-ASCII characters', async () => {
      const path = at('users/u1/my video é.mp4');
      await blobs.upload(path, Readable.from([Buffer.from('v')]), { contentType: 'video/mp4' });
      expect((await blobs.stat(path))!.path).toBe(path);
      const url = new URL(await blobs.signedUrl(path, { expiresInSeconds: 60 }));
      expect(decodeURIComponent(url.pathname).endsWith(path)).toBe(true);
    });
  });
}
