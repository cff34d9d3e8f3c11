#!/usr/bin/env node
// The `d2v` command (`npx d2v …`). This file is committed, not built: npm links a workspace's bin only if its
// file exists at install time, and dist/ does not exist yet after `npm ci`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('d2v: the command is not built yet: run "npm run build" first (npm start and npm test build too).\n');
  process.exit(1);
}
require(main).runCli(process.argv);
