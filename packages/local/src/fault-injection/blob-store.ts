import { PassThrough, type Readable } from 'node:stream';
import type { BlobInfo, BlobMetadata, BlobStore } from '@d2v/core';
import { countFault, type FaultCounts, type FaultDice } from './dice';
import { storageError } from './errors';

/**
 * A BlobStore that fails a share of calls the way Cloud Storage does (503 backendError): an upload fails before
 * the object exists (Storage finalizes an object only when the whole upload succeeded), a download stream errors,
 * stat/delete/signing answer 503.
 */
export class FaultyBlobStore implements BlobStore {
  readonly injected: FaultCounts = {};

  constructor(
    private readonly inner: BlobStore,
    private readonly dice: FaultDice,
  ) {}

  async upload(path: string, source: Readable, meta: BlobMetadata): Promise<BlobInfo> {
    if (this.fails('upload')) {
      source.destroy();
      throw storageError();
    }
    return this.inner.upload(path, source, meta);
  }

  async uploadFile(path: string, localFile: string, meta: BlobMetadata): Promise<BlobInfo> {
    if (this.fails('uploadFile')) throw storageError();
    return this.inner.uploadFile(path, localFile, meta);
  }

  download(path: string): Readable {
    if (!this.fails('download')) return this.inner.download(path);
    const broken = new PassThrough();
    process.nextTick(() => broken.destroy(storageError()));
    return broken;
  }

  async downloadToFile(path: string, localFile: string): Promise<void> {
    if (this.fails('downloadToFile')) throw storageError();
    return this.inner.downloadToFile(path, localFile);
  }

  async stat(path: string): Promise<BlobInfo | null> {
    if (this.fails('stat')) throw storageError();
    return this.inner.stat(path);
  }

  async delete(path: string): Promise<void> {
    if (this.fails('delete')) throw storageError();
    return this.inner.delete(path);
  }

  async signedUrl(path: string, opts: { expiresInSeconds: number }): Promise<string> {
    if (this.fails('signedUrl')) throw storageError();
    return this.inner.signedUrl(path, opts);
  }

  private fails(call: string): boolean {
    if (!this.dice.roll({ unavailable: 1 })) return false;
    countFault(this.injected, `${call}:503`);
    return true;
  }
}
