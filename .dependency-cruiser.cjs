/**
 * `npm run check:cycles` (part of `npm test`): the imports of every package's sources (and functions/src) must
 * not form a cycle, and the workspace floors keep their direction. Resolves `@d2v/*` to the packages' sources
 * (tsconfig.test.json `paths`), so cycles through a package's index count too. Offline: it only reads files.
 * scripts/test/check-cycles.test.ts proves the check fails on a cycle.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the direction of every import must say who depends on whom (type-only imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'prompt-is-a-library',
      severity: 'error',
      comment: '@d2v/prompt turns a draft into Luma requests: it needs @d2v/schema and the types of @d2v/luma, nothing of the pipeline.',
      from: { path: '^packages/prompt/src/' },
      to: { path: '^(packages/(?!prompt/|schema/|luma/)|functions/)' },
    },
    {
      name: 'prompt-takes-luma-types-only',
      severity: 'error',
      comment: '@d2v/prompt builds Luma requests but never talks to Luma: only `import type` from @d2v/luma.',
      from: { path: '^packages/prompt/src/' },
      to: { path: '^packages/luma/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-imports-no-firebase',
      severity: 'error',
      comment: 'The pipeline core runs on both runtimes: no Firebase import (functions/ adapts it).',
      from: { path: '^packages/core/src/' },
      // Matched resolved (node_modules/…) or not (the core's package.json does not list them, so they may not resolve).
      to: { path: '(^|node_modules/)(firebase|firebase-admin|firebase-functions|@firebase|@google-cloud)(/|$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|lib|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.test.json' },
    // Type-only imports count: a cycle of types still says two modules know about each other.
    tsPreCompilationDeps: true,
  },
};
