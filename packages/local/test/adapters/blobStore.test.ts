import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describeBlobStoreContract } from '../../../core/test/contracts/blobStore.contract';
import {
  FileBlobStore,
  InvalidBlobPathError,
  OutboxDispatcher,
  verifySignedBlobRequest,
  type BlobOutboxEvent,
  type LocalDatabase,
} from '../../src/adapters';
import { FakeClock, tempWorkspace, type TempWorkspace } from './helpers';

const SECRET = 'test-signing-secret';

describeBlobStoreContract('FileBlobStore', async () => {
  const workspace = tempWorkspace();
  const blobs = new FileBlobStore({
    db: workspace.openDb(),
    rootDir: join(workspace.dir, 'blobs'),
    publicBaseUrl: 'http://127.0.0.1:9999',
    signingSecret: SECRET,
  });
  return { blobs, cleanup: async () => workspace.dispose() };
});

describe('FileBlobStore (local-only behaviour)', () => {
  let workspace: TempWorkspace;
  let db: LocalDatabase;
  let blobs: FileBlobStore;
  let baseUrl: string;
  const clock = new FakeClock(Date.parse('2025-03-01T12:00:00Z'));
  const rootDir = (): string => join(workspace.dir, 'blobs');
  const put = (path: string, text: string, custom?: Record<string, string>) =>
    blobs.upload(path, Readable.from([Buffer.from(text)]), { contentType: 'text/plain', ...(custom ? { custom } : {}) });

  beforeEach(() => {
    workspace = tempWorkspace();
    db = workspace.openDb();
    baseUrl = 'http://127.0.0.1:0';
    blobs = new FileBlobStore({ db, rootDir: rootDir(), publicBaseUrl: () => baseUrl, signingSecret: SECRET, clock });
    blobs.registerTrigger({ name: 'aiVideoFinalized', pattern: 'users/{uid}/ai-videos/{requestId}/{file}' });
    blobs.registerTrigger({ name: 'anyUploadDeleted', pattern: 'users/{uid}/{rest=**}', on: 'delete' });
  });

  afterEach(() => workspace.dispose());

  const outboxRows = () =>
    db.sqlite.prepare('SELECT trigger, kind, change, path, params, payload FROM outbox ORDER BY seq').all() as Array<{
      trigger: string;
      kind: string;
      change: string;
      path: string;
      params: string;
      payload: string;
    }>;

  describe('storage layout', () => {
    it('keeps objects as plain files under <rootDir>/objects and leaves no temp files behind', async () => {
      await put('users/u1/ai-videos/r1/raw.mp4', 'video bytes');
      const file = blobs.filePath('users/u1/ai-videos/r1/raw.mp4');
      expect(file).toBe(join(rootDir(), 'objects', 'users', 'u1', 'ai-videos', 'r1', 'raw.mp4'));
      expect(readFileSync(file, 'utf8')).toBe('video bytes');
      expect(readdirSync(join(rootDir(), 'tmp'))).toEqual([]);
    });

    it('removes the temp file and writes no metadata when the source fails', async () => {
      const failing = new Readable({
        read() {
          this.push(Buffer.from('partial'));
          this.destroy(new Error('network dropped'));
        },
      });
      await expect(blobs.upload('users/u1/ai-videos/r1/raw.mp4', failing, { contentType: 'video/mp4' })).rejects.toThrow('network dropped');
      expect(readdirSync(join(rootDir(), 'tmp'))).toEqual([]);
      expect(existsSync(blobs.filePath('users/u1/ai-videos/r1/raw.mp4'))).toBe(false);
      expect(outboxRows()).toHaveLength(0);
    });

    it('leaves file and metadata from the same upload when uploads to one path race', async () => {
      const texts = Array.from({ length: 8 }, (_, i) => `version-${i}-`.repeat(1000 + i * 37));
      await Promise.all(texts.map((text) => put('race/object.txt', text)));
      const info = await blobs.stat('race/object.txt');
      const content = readFileSync(blobs.filePath('race/object.txt'), 'utf8');
      expect(texts).toContain(content);
      expect(info!.size).toBe(Buffer.byteLength(content));
    });

    it('throws InvalidBlobPathError for unsafe paths, also from download()', () => {
      expect(() => blobs.download('../../etc/passwd')).toThrow(InvalidBlobPathError);
      expect(() => blobs.filePath('a/b\u0000c')).toThrow(/control characters/);
      expect(() => blobs.filePath('x/' + 'a'.repeat(1100))).toThrow(/1024 bytes/);
    });

    it('rejects uploads without a content type or with non-string custom metadata', async () => {
      await expect(blobs.upload('a/b', Readable.from([Buffer.from('x')]), { contentType: '' })).rejects.toThrow(/contentType/);
      await expect(
        blobs.upload('a/b', Readable.from([Buffer.from('x')]), { contentType: 'text/plain', custom: { n: 1 as unknown as string } }),
      ).rejects.toThrow(/custom/);
    });
  });

  describe('triggers (like onObjectFinalized / onObjectDeleted)', () => {
    it('records a finalize event with params and the blob info, in the same commit as the metadata', async () => {
      const info = await put('users/u1/ai-videos/r1/raw.mp4', 'v', { d2vGenerated: 'true' });
      const rows = outboxRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ trigger: 'aiVideoFinalized', kind: 'blob', change: 'finalize', path: 'users/u1/ai-videos/r1/raw.mp4' });
      expect(JSON.parse(rows[0]!.params)).toEqual({ uid: 'u1', requestId: 'r1', file: 'raw.mp4' });
      expect(JSON.parse(rows[0]!.payload)).toEqual({ blob: info });
    });

    it('records nothing for objects outside the pattern', async () => {
      await put('users/u1/uploads/ref.jpg', 'img');
      await put('users/u1/ai-videos/r1/nested/deeper.mp4', 'v');
      expect(outboxRows()).toHaveLength(0);
    });

    it('records a delete event (with the last metadata) only when something was deleted', async () => {
      const info = await put('users/u1/uploads/ref.jpg', 'img');
      await blobs.delete('users/u1/uploads/ref.jpg');
      await blobs.delete('users/u1/uploads/ref.jpg');
      const rows = outboxRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ trigger: 'anyUploadDeleted', change: 'delete' });
      expect(JSON.parse(rows[0]!.params)).toEqual({ uid: 'u1', rest: 'uploads/ref.jpg' });
      expect(JSON.parse(rows[0]!.payload)).toEqual({ blob: info });
    });

    it('delivers the event to a dispatcher handler that can read the finished object', async () => {
      const dispatcher = new OutboxDispatcher({ db, clock });
      const contents: string[] = [];
      dispatcher.on('aiVideoFinalized', async (event) => {
        const { blob } = event as BlobOutboxEvent;
        const chunks: Buffer[] = [];
        for await (const chunk of blobs.download(blob.path)) chunks.push(chunk as Buffer);
        contents.push(`${blob.generation}:${Buffer.concat(chunks).toString()}`);
      });
      dispatcher.start();
      try {
        const info = await put('users/u1/ai-videos/r1/raw.mp4', 'the video');
        await dispatcher.drain({ timeoutMs: 2000 });
        expect(contents).toEqual([`${info.generation}:the video`]);
      } finally {
        await dispatcher.stop();
      }
    });
  });

  describe('signed URLs', () => {
    const path = 'users/u1/ai-videos/r 1/vidéo.enc';
    const parse = (url: string) => {
      const parsed = new URL(url);
      return {
        parsed,
        path: decodeURI(parsed.pathname.replace(/^\/blobs\//, '')),
        expires: parsed.searchParams.get('expires')!,
        sig: parsed.searchParams.get('sig')!,
      };
    };

    it('has the documented shape, reading the base URL when signing (the port is known after listen)', async () => {
      baseUrl = 'http://127.0.0.1:43210/';
      const url = await blobs.signedUrl(path, { expiresInSeconds: 600 });
      const expires = Math.floor(clock.now() / 1000) + 600;
      expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:43210/blobs/${encodeURI(path).replace(/[.?]/g, '\\$&')}\\?expires=${expires}&sig=[0-9a-f]{64}$`));
    });

    it('verifies a valid request and refuses expired, forged, tampered and malformed ones', async () => {
      const signed = parse(await blobs.signedUrl(path, { expiresInSeconds: 60 }));
      expect(signed.path).toBe(path);
      const now = clock.now();
      expect(verifySignedBlobRequest(SECRET, signed.path, signed.expires, signed.sig, now)).toBe(true);
      expect(verifySignedBlobRequest(SECRET, signed.path, Number(signed.expires), signed.sig, now + 59_000)).toBe(true);
      // expired
      expect(verifySignedBlobRequest(SECRET, signed.path, signed.expires, signed.sig, now + 60_000)).toBe(false);
      // another object, a later expiry, another secret
      expect(verifySignedBlobRequest(SECRET, 'users/u1/ai-videos/r 1/other.enc', signed.expires, signed.sig, now)).toBe(false);
      expect(verifySignedBlobRequest(SECRET, signed.path, String(Number(signed.expires) + 3600), signed.sig, now)).toBe(false);
      expect(verifySignedBlobRequest('another-secret', signed.path, signed.expires, signed.sig, now)).toBe(false);
      // forged or malformed signatures and expiries
      const flipped = (signed.sig[0] === 'a' ? 'b' : 'a') + signed.sig.slice(1);
      expect(verifySignedBlobRequest(SECRET, signed.path, signed.expires, flipped, now)).toBe(false);
      expect(verifySignedBlobRequest(SECRET, signed.path, signed.expires, signed.sig.slice(0, 10), now)).toBe(false);
      expect(verifySignedBlobRequest(SECRET, signed.path, signed.expires, signed.sig.toUpperCase(), now)).toBe(false);
      expect(verifySignedBlobRequest(SECRET, signed.path, '1e20', signed.sig, now)).toBe(false);
      expect(verifySignedBlobRequest(SECRET, '../' + signed.path, signed.expires, signed.sig, now)).toBe(false);
    });

    it('clamps lifetimes to [1 s, 7 days] like the Firebase runtime, and refuses non-finite ones', async () => {
      const nowSeconds = Math.floor(clock.now() / 1000);
      const expiresOf = async (seconds: number) => Number(parse(await blobs.signedUrl(path, { expiresInSeconds: seconds })).expires);
      expect(await expiresOf(0)).toBe(nowSeconds + 1);
      expect(await expiresOf(8 * 24 * 3600)).toBe(nowSeconds + 7 * 24 * 3600);
      expect(await expiresOf(90.9)).toBe(nowSeconds + 90);
      await expect(blobs.signedUrl(path, { expiresInSeconds: Number.NaN })).rejects.toThrow(/finite/);
    });

    it('refuses an empty signing secret', () => {
      expect(() => new FileBlobStore({ db, rootDir: rootDir(), publicBaseUrl: 'http://x', signingSecret: '' })).toThrow(/signingSecret/);
    });
  });
});
