/** Tests run the TypeScript sources directly (swc strips types; `npm run typecheck` checks them). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/functions', '<rootDir>/scripts'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleNameMapper: {
    '^@d2v/client/firebase$': '<rootDir>/packages/client/src/firebase',
    '^@d2v/prompt/script-schema$': '<rootDir>/packages/prompt/src/script-schema',
    '^@d2v/([a-z-]+)$': '<rootDir>/packages/$1/src',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/lib/'],
  testTimeout: 60000,
  // ffmpeg-heavy suites share two cores; running them all at once only makes each slower.
  maxWorkers: 2,
};
