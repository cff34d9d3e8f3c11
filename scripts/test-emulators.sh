#!/usr/bin/env bash
# npm run test:emulators — the full Firebase emulator suite (Firestore, Storage, Pub/Sub, Functions, Tasks,
# Auth) via `firebase emulators:exec`, running:
#   - the DocumentStore/BlobStore contract suites (packages/core/test/contracts) against the Firestore and
#     Storage adapters (functions/test-emulators/contracts.test.ts),
#   - the security rules tests, every allow and deny (functions/test-emulators/rules.test.ts),
#   - one request end to end through the deployed functions (functions/test-emulators/e2e.test.ts),
# after seeding emulator-data/ through the Admin SDK (scripts/seed-emulators.ts).
# The Firestore/Storage/Pub/Sub emulators need Java 21 (firebase-tools 15) and download their jars on first
# start: where Java is older this prints one line saying so and exits 0 — a skip, never reported as a pass.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

java_major() {
  local v
  v="$(java -version 2>&1 | head -n 1 | sed -E 's/.*version "([^"]+)".*/\1/')"
  case "$v" in
    1.*) echo "$v" | cut -d. -f2 ;;
    *) echo "$v" | cut -d. -f1 | cut -d- -f1 ;;
  esac
}

if ! command -v java > /dev/null 2>&1; then
  echo "test:emulators skipped: Firestore/Storage/Pub/Sub emulators need Java 21 (found no Java)"
  exit 0
fi
JAVA_MAJOR="$(java_major)"
if ! [ "$JAVA_MAJOR" -ge 21 ] 2> /dev/null; then
  echo "test:emulators skipped: Firestore/Storage/Pub/Sub emulators need Java 21 (found Java ${JAVA_MAJOR:-unknown})"
  exit 0
fi

PROJECT="demo-draft2video"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/d2v-test-emulators.XXXXXX")"
ENV_LOCAL="$ROOT/functions/.env.local"
SECRETS="$ROOT/functions/.secret.local"
for f in "$ENV_LOCAL" "$SECRETS"; do
  if [ -f "$f" ]; then cp "$f" "$WORK/$(basename "$f").backup"; fi
done
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2> /dev/null || true; fi
  for f in "$ENV_LOCAL" "$SECRETS"; do
    if [ -f "$WORK/$(basename "$f").backup" ]; then cp "$WORK/$(basename "$f").backup" "$f"; else rm -f "$f"; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "test:emulators: building the functions bundle"
node functions/scripts/bundle.mjs || { echo "test:emulators FAIL: bundle build failed"; exit 1; }

# The Luma simulator stands in for Luma (no internet here); the functions reach it through LUMAAI_BASE_URL.
SIM_PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
# Bundled inside the repo's node_modules so its external requires (the ffmpeg installers) resolve.
CACHE="$ROOT/node_modules/.cache/d2v"
mkdir -p "$CACHE"
npx --no-install esbuild packages/luma-sim/src/main.ts --bundle --platform=node --target=node20 \
  --tsconfig=functions/tsconfig.json '--external:@ffmpeg-installer/*' '--external:@ffprobe-installer/*' \
  --outfile="$CACHE/luma-sim.js" --log-level=warning \
  || { echo "test:emulators FAIL: could not build the Luma simulator"; exit 1; }
LUMA_SIM_PORT="$SIM_PORT" LUMA_SIM_API_KEY="emulator-luma-key" LUMA_SIM_QUEUED_MS=200 LUMA_SIM_DREAMING_MS=1500 node "$CACHE/luma-sim.js" > "$WORK/luma-sim.log" 2>&1 &
SIM_PID=$!

{
  echo "LUMAAI_BASE_URL=http://127.0.0.1:${SIM_PORT}/dream-machine/v1"
  echo "POLL_INTERVAL_SECONDS=2"
} > "$ENV_LOCAL"
{
  echo "LUMAAI_API_KEY=emulator-luma-key"
  echo "LUMA_WEBHOOK_SECRET=emulator-webhook-secret-0123456789"
  echo "VIDEO_KEK=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')"
  echo "PLAYBACK_LINK_SECRET=emulator-playback-link-secret-0123456789"
} > "$SECRETS"

INNER="bash scripts/seed-emulators.sh && npx --no-install jest --runInBand --testMatch '<rootDir>/functions/test-emulators/**/*.test.ts'"
echo "test:emulators: starting the emulator suite"
npx --no-install firebase emulators:exec --project "$PROJECT" \
  --only firestore,storage,pubsub,functions,tasks,auth "$INNER"
STATUS=$?
if [ "$STATUS" = 0 ]; then echo "test:emulators PASS"; else echo "test:emulators FAIL (exit $STATUS)"; fi
exit "$STATUS"
