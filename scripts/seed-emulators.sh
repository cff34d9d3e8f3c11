#!/usr/bin/env bash
# Seeds the running Firebase emulators from emulator-data/ (see scripts/seed-emulators.ts).
# Usage: bash scripts/seed-emulators.sh [emulator-data dir]
# With `firebase emulators:start` running elsewhere, export FIRESTORE_EMULATOR_HOST=127.0.0.1:8080 and
# FIREBASE_STORAGE_EMULATOR_HOST=127.0.0.1:9199 first (emulators:exec sets them itself).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/node_modules/.cache/d2v"
mkdir -p "$CACHE"
npx --no-install esbuild "$ROOT/scripts/seed-emulators.ts" --bundle --platform=node --target=node20 \
  --tsconfig="$ROOT/functions/tsconfig.json" '--external:firebase-admin' '--external:firebase-admin/*' \
  '--external:@google-cloud/*' '--external:@ffmpeg-installer/*' '--external:@ffprobe-installer/*' \
  --outfile="$CACHE/seed-emulators.js" --log-level=warning
node "$CACHE/seed-emulators.js" "${1:-$ROOT/emulator-data}"
