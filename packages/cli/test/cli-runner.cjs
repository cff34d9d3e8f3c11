/**
 * Runs `d2v prompt|script …` the way the real CLI does — a real commander program in a real Node process, with the
 * command modules from packages/cli/src/commands (registered as main.ts does) — but from TypeScript sources (compiled on the fly with swc, as
 * jest does) so the test needs no build. Jest cannot load commander 15 itself (ESM-only), Node 20.19+ can.
 *
 * The only fake is at the URL-signing boundary: Storage paths are "signed" as http://127.0.0.1:1/blobs/<path>?sig=test.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '..', '..', '..');

require.extensions['.ts'] = (mod, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  mod._compile(code, filename);
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const m = /^@d2v\/([a-z-]+)$/.exec(request);
  if (m) return path.join(root, 'packages', m[1], 'src', 'index.ts');
  try {
    return resolve.call(this, request, parent, ...rest);
  } catch (e) {
    // Relative imports of TypeScript files without an extension.
    if (request.startsWith('.')) {
      const base = path.resolve(path.dirname(parent.filename), request);
      for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
    }
    throw e;
  }
};

// The CLI's own commander (the workspace may hoist another version for other tools).
const { Command } = require(require.resolve('commander', { paths: [path.join(root, 'packages', 'cli')] }));
const { registerPromptCommand } = require(path.join(root, 'packages', 'cli', 'src', 'commands', 'prompt.ts'));
const { registerScriptCommand } = require(path.join(root, 'packages', 'cli', 'src', 'commands', 'script.ts'));

const program = new Command('d2v');
const deps = {
  signBlobUrl: async (p) => `http://127.0.0.1:1/blobs/${p}?sig=test`,
  imageHostAllowList: ['images.example.com'],
};
registerPromptCommand(program, deps);
registerScriptCommand(program, deps);
program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
});
