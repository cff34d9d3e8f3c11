#!/usr/bin/env node
/**
 * Builds the deployable artifact, functions/lib/: CommonJS chunks of src/ with every workspace package (@d2v/*)
 * and pure-JS dependency (zod, axios, pino) inlined — `firebase deploy` uploads only functions/, where @d2v/* do
 * not exist. Kept external (installed by Cloud Build from functions/package.json): the Firebase SDKs and Google
 * clients (large, with native/optional parts and their own lazy loading), and the ffmpeg/ffprobe installers,
 * whose binaries are platform-specific packages resolved at run time.
 *
 * Chunks, so that a cold start loads only the wiring (docs/DECISIONS.md, "Functions cold start"). Each chunk is one file
 * built from one root module (CHUNKS); an import anywhere that resolves to another chunk's root is left as
 * `require('./<chunk>.js')`, so lib/index.js holds the triggers and nothing heavy, and the core, the ports and
 * the SDK adapters load from lib/pipeline.js when a trigger first needs them (the triggers already `await
 * import('../pipeline')`, ports.ts already `require()`s each heavy module on first use). The build fails if a
 * module other than a stateless @d2v/schema one ends up in two chunks (two copies of a class would break
 * `instanceof`; two copies of module state would disagree), or if the index inlines a third-party package.
 *
 * Usage: node scripts/bundle.mjs [--check] [--outdir DIR]
 *   --check   also load the index, list its exports and prove that loading it read no other chunk
 *   --outdir  build into DIR (inside functions/) instead of lib/
 */
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = outdirFromArgs(process.argv);

/**
 * lib/ unless `--outdir DIR` (tests build elsewhere, leaving lib/ alone). It must lie inside functions/: the
 * chunks require the external SDKs from functions/node_modules, and the directory is emptied first.
 */
function outdirFromArgs(argv) {
  const i = argv.indexOf('--outdir');
  if (i < 0) return join(root, 'lib');
  const dir = resolve(argv[i + 1] ?? '');
  const rel = relative(root, dir);
  if (!argv[i + 1] || rel === '' || rel.startsWith('..') || isAbsolute(rel) || ['src', 'test', 'scripts', 'node_modules'].includes(rel.split(sep)[0])) {
    console.error(`bundle: --outdir must be a directory inside functions/ other than src/, test/, scripts/ or node_modules/ (got ${argv[i + 1] ?? 'nothing'})`);
    process.exit(2);
  }
  return dir;
}

export const EXTERNAL = [
  'firebase-functions',
  'firebase-functions/*',
  'firebase-admin',
  'firebase-admin/*',
  '@google-cloud/*',
  '@ffmpeg-installer/*',
  '@ffprobe-installer/*',
];

/** Chunk name → its root module: a path relative to functions/, or a package as `require()` resolves it. */
export const CHUNKS = {
  /** `main`: every function's cold start. The triggers, their options and the parsing they do before the core. */
  index: 'src/index.ts',
  /** Params and secrets: read by the triggers' options at load and by the ports at run time. */
  config: 'src/config.ts',
  /** The runtime's log messages: written by the triggers and by the ports. */
  logs: 'src/logs.ts',
  /** A trigger's first event: the core (prompt builder and Luma client included), the ports, the adapters, zod, pino. */
  pipeline: 'src/pipeline.ts',
  /** When the ports first build the media port (the Storage trigger; the download task joining shots). */
  media: '../packages/media/src/index.ts',
  /** When the first LumaClient is made (@d2v/luma requires it there): the webhook and the task functions. */
  axios: 'axios',
};

/** What loading the index may read: the cold start of every function. `--check` holds the build to it. */
const COLD_START = ['index.js', 'config.js', 'logs.js'];

/**
 * Modules allowed in more than one chunk: @d2v/schema's data and pure functions (no classes, no module state,
 * no zod), which the index inlines for the trigger document patterns and the loop guard.
 */
const MAY_REPEAT = /^\.\.\/packages\/schema\/src\/(paths|states|errors|media)\.ts$/;

const requireHere = createRequire(join(root, 'package.json'));
const isFile = (path) => /\.[cm]?[jt]s$/.test(path);
const rootPath = (path) => (isFile(path) ? join(root, path) : requireHere.resolve(path));
const rootToChunk = new Map(Object.entries(CHUNKS).map(([name, path]) => [rootPath(path), name]));
const workspaceSource = `${sep}packages${sep}`;

/**
 * (1) An import of another chunk's root becomes `require('./<chunk>.js')`. (2) Workspace sources are
 * side-effect free (their modules only define things; none is imported for an effect), which lets esbuild drop
 * the parts of a package's barrel that a chunk does not use — the index takes two path helpers from
 * @d2v/schema, not its zod models.
 */
const chunksPlugin = {
  name: 'd2v-chunks',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.resolving || args.kind === 'entry-point') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { resolving: true },
      });
      if (resolved.errors.length > 0 || resolved.external) return resolved;
      const chunk = rootToChunk.get(resolved.path);
      if (chunk) return { path: `./${chunk}.js`, external: true };
      if (resolved.path.includes(workspaceSource)) return { ...resolved, sideEffects: false };
      return resolved;
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: Object.fromEntries(Object.entries(CHUNKS).map(([name, path]) => [name, rootPath(path)])),
  outdir,
  // Metafile paths (checked below) relative to functions/, whatever directory the build is run from.
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // `await import('../pipeline')` → `require('./pipeline.js')` behind a resolved promise: one module cache and
  // CommonJS loading for every chunk (a native import() would go through the ESM loader and guess the exports).
  supported: { 'dynamic-import': false },
  // @d2v/* resolve to their TypeScript sources through functions/tsconfig.json `paths`.
  tsconfig: join(root, 'tsconfig.json'),
  external: EXTERNAL,
  plugins: [chunksPlugin],
  sourcemap: true,
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});

// ---------------------------------------------------------------------------------------------------------------
// Report and invariants

const chunkOf = (output) => relative(outdir, join(root, output)).replace(/\.js$/, '');
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const homes = new Map();
for (const [file, out] of outputs) {
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
    // A module that contributes no code (a type-only file, a barrel whose re-exports were all dropped) has no copy.
    if (bytesInOutput > 0) homes.set(input, [...(homes.get(input) ?? []), chunkOf(file)]);
  }
}
const problems = [];
let zodWhole = false;
for (const [input, chunks] of homes) {
  if (chunks.length > 1 && !MAY_REPEAT.test(input)) problems.push(`${input} is in ${chunks.join(' and ')}`);
}
const packageDir = (input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
for (const [name, path] of Object.entries(CHUNKS)) {
  if (isFile(path)) continue;
  // A package with a chunk of its own must not also be inlined elsewhere (e.g. through its ESM entry).
  for (const [input, chunks] of homes) {
    if (packageDir(input) === path && chunks.some((c) => c !== name)) problems.push(`${input} (${path}) is inlined in ${chunks.join(', ')}`);
  }
}
for (const [input, chunks] of homes) {
  if (chunks.includes('index') && input.includes('node_modules')) problems.push(`the index inlines ${input} (load it through a chunk)`);
  // `import { z } from 'zod'` takes zod's namespace as a value, which keeps all of zod (every locale, ~570 KiB
  // more to parse); `import * as z from 'zod'` lets esbuild keep only what is used.
  if (/node_modules\/zod\/v4\/locales\/(?!en\.js$|index\.js$)/.test(input)) zodWhole = true;
}
if (zodWhole) problems.push("all of zod's locales are bundled: import zod as `import * as z from 'zod'`, never `{ z }`");
if (problems.length > 0) {
  const shown = problems.slice(0, 12).concat(problems.length > 12 ? [`… and ${problems.length - 12} more`] : []);
  console.error(`bundle: chunking invariants broken:\n  ${shown.join('\n  ')}`);
  process.exit(1);
}

const inputs = [...homes.keys()];
const workspace = inputs.filter((p) => p.includes('packages/')).length;
const sizes = outputs.map(([file, out]) => `${chunkOf(file)} ${(out.bytes / 1024).toFixed(0)} KiB`).join(', ');
console.log(`bundle: ${relative(process.cwd(), outdir) || '.'}/ ${sizes}; ${inputs.length} inputs (${workspace} from packages/)`);

if (process.argv.includes('--check')) {
  // What the Functions runtime provides; the Storage trigger needs a default bucket to be defined.
  process.env.GCLOUD_PROJECT ??= 'demo-draft2video';
  process.env.FIREBASE_CONFIG ??= JSON.stringify({ projectId: 'demo-draft2video', storageBucket: 'demo-draft2video.appspot.com' });
  const require = createRequire(import.meta.url);
  const mod = require(join(outdir, 'index.js'));
  const names = Object.keys(mod).filter((k) => mod[k] && typeof mod[k] === 'function' && mod[k].__endpoint);
  console.log(`bundle exports ${names.length} functions: ${names.join(', ')}`);
  const loaded = Object.keys(require.cache).filter((f) => f.startsWith(outdir + sep)).map((f) => relative(outdir, f));
  const unexpected = loaded.filter((f) => !COLD_START.includes(f));
  if (unexpected.length > 0) {
    console.error(`bundle: loading the index also loaded ${unexpected.join(', ')} (the cold start must not)`);
    process.exit(1);
  }
  console.log(`bundle: the cold start loads ${loaded.join(', ')}`);
}
