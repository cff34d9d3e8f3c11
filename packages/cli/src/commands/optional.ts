import type { Command } from 'commander';
import { buildCoreConfig } from '@d2v/core';
import { FileBlobStore, LocalDatabase, loadLocalConfig } from '@d2v/local';
import { registerBenchMediaCommand } from './bench-media';
import { registerMediaCommands } from './media';
import { registerPromptCommands } from './prompt';

/** Subcommands that live in their own modules: media tools, prompts and scripts, benchmarks. */
export function registerOptionalCommands(program: Command): void {
  registerMediaCommands(program);
  registerBenchMediaCommand(program);
  const blobs = lazyLocalBlobStore();
  const core = buildCoreConfig({ webhookSecret: 'unused-by-prompt-commands' });
  const config = () => loadLocalConfig();
  registerPromptCommands(program, {
    // Storage paths become the local stack's own signed URLs: exactly what the pipeline would send to Luma.
    signBlobUrl: (path) => blobs().signedUrl(path, { expiresInSeconds: core.signedUrlTtlSeconds }),
    get imageHostAllowList() {
      return config().imageHostAllowList;
    },
    inspectImage: async ({ path }) => {
      const info = await blobs().stat(path);
      return info && { contentType: info.contentType, bytes: info.size };
    },
  });
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
