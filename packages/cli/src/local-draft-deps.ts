/**
 * The draft commands' view of the local stack: Storage paths become the local stack's own signed URLs (exactly
 * what the pipeline would send to Luma), images are checked against its blob store, hosts come from its config.
 * Nothing is opened until a command needs it, so `d2v --help` touches no database.
 */
import { buildCoreConfig } from '@d2v/core';
import { FileBlobStore, LocalDatabase, loadLocalConfig } from '@d2v/local';
import type { DraftCommandDeps } from './draft-input';

export function localDraftCommandDeps(): DraftCommandDeps {
  const blobs = lazyLocalBlobStore();
  const core = buildCoreConfig({ webhookSecret: 'unused-by-prompt-commands' });
  const config = () => loadLocalConfig();
  return {
    signBlobUrl: (path) => blobs().signedUrl(path, { expiresInSeconds: core.signedUrlTtlSeconds }),
    get imageHostAllowList() {
      return config().imageHostAllowList;
    },
    inspectImage: async ({ path }) => {
      const info = await blobs().stat(path);
      return info && { contentType: info.contentType, bytes: info.size };
    },
  };
}

/** Opens the local stack's blob store (same data dir, secrets and URL) only when a command needs it. */
function lazyLocalBlobStore(): () => FileBlobStore {
  let store: FileBlobStore | undefined;
  return () => {
    if (store) return store;
    const config = loadLocalConfig();
    const db = new LocalDatabase({ file: config.dbFile });
    process.once('exit', () => db.close());
    store = new FileBlobStore({
      db,
      rootDir: config.blobDir,
      publicBaseUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
      signingSecret: config.blobSigningSecret,
    });
    return store;
  };
}
