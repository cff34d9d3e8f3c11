#!/usr/bin/env node
/**
 * Builds the deployable artifact: functions/lib/index.js, one CommonJS bundle of src/index.ts with every
 * workspace package (@d2v/*) and pure-JS dependency (zod, axios, pino) inlined — `firebase deploy` uploads only
 * functions/, where @d2v/* do not exist. Kept external (installed by Cloud Build from functions/package.json):
 * the Firebase SDKs and Google clients (large, with native/optional parts and their own lazy loading), and the
 * ffmpeg/ffprobe installers, whose binaries are platform-specific packages resolved at run time.
 *
 * Usage: node scripts/bundle.mjs [--check]   (--check: also loads the bundle and lists its exports)
 */
import { build } from 'esbuild';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'lib');
const outfile = join(outdir, 'index.js');

export const EXTERNAL = [
  'firebase-functions',
  'firebase-functions/*',
  'firebase-admin',
  'firebase-admin/*',
  '@google-cloud/*',
  '@ffmpeg-installer/*',
  '@ffprobe-installer/*',
];

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'src/index.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // @d2v/* resolve to their TypeScript sources through functions/tsconfig.json `paths`.
  tsconfig: join(root, 'tsconfig.json'),
  external: EXTERNAL,
  sourcemap: true,
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});

const bytes = statSync(outfile).size;
const inputs = Object.keys(result.metafile.inputs);
const workspace = inputs.filter((p) => p.includes('packages/')).length;
console.log(`bundle: ${relative(process.cwd(), outfile)} ${(bytes / 1024).toFixed(0)} KiB, ${inputs.length} inputs (${workspace} from packages/)`);

if (process.argv.includes('--check')) {
  // What the Functions runtime provides; the Storage trigger needs a default bucket to be defined.
  process.env.GCLOUD_PROJECT ??= 'demo-draft2video';
  process.env.FIREBASE_CONFIG ??= JSON.stringify({ projectId: 'demo-draft2video', storageBucket: 'demo-draft2video.appspot.com' });
  const require = createRequire(import.meta.url);
  const mod = require(outfile);
  const names = Object.keys(mod).filter((k) => mod[k] && typeof mod[k] === 'function' && mod[k].__endpoint);
  console.log(`bundle exports ${names.length} functions: ${names.join(', ')}`);
}
