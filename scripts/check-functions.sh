#!/usr/bin/env bash
# npm run check:functions — the real Functions + Cloud Tasks emulators (pure Node; no Java needed) load the
# deployable bundle and:
#   1. every exported function is registered (the emulator's /backends list) and none failed to load;
#   2. a task enqueued through our CloudTasksQueue adapter (hashed id, enqueued twice) reaches its
#      onTaskDispatched function exactly once;
#   3. lumaWebhook answers over HTTP: 405 for GET, 404 for an unknown route, 400 INVALID_ID for a bad id, 403 for a
#      forged token (that one runs the whole path: params + secrets → core config → core handler);
#   4. videoPlayback answers over HTTP: 401 without a token and for one firebase-admin cannot decode, 400
#      INVALID_ID, 404 for an unknown route.
# Offline; prints PASS/FAIL; exits non-zero on failure.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PROJECT="demo-draft2video"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/d2v-check-functions.XXXXXX")"
LOG="$WORK/emulators.log"
SECRETS="$ROOT/functions/.secret.local"
ENV_LOCAL="$ROOT/functions/.env.local"
CREATED_SECRETS=0

# functions/.env.local is the emulator-only dotenv file: the probe switch goes there (the CLI discovers
# functions with the dotenv files' variables only, not this shell's), and the emulator also writes the
# params' resolved defaults into it. Whatever was there before is restored on exit.
if [ -f "$ENV_LOCAL" ]; then cp "$ENV_LOCAL" "$WORK/env.local.backup"; fi

cleanup() {
  if [ "$CREATED_SECRETS" = 1 ]; then rm -f "$SECRETS"; fi
  if [ -f "$WORK/env.local.backup" ]; then cp "$WORK/env.local.backup" "$ENV_LOCAL"; else rm -f "$ENV_LOCAL"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "check:functions FAIL: $*"
  if [ -f "$LOG" ]; then
    echo "----- emulator log (last 60 lines) -----"
    tail -n 60 "$LOG"
  fi
  exit 1
}

echo "check:functions: building the bundle"
node functions/scripts/bundle.mjs || fail "bundle build failed"

# Emulator-only secret values (the emulator would otherwise try Secret Manager, which is offline here).
if [ ! -f "$SECRETS" ]; then
  CREATED_SECRETS=1
  {
    echo "LUMAAI_API_KEY=emulator-luma-key"
    echo "LUMA_WEBHOOK_SECRET=emulator-webhook-secret-0123456789"
    echo "VIDEO_KEK=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')"
    echo "PLAYBACK_LINK_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')"
  } > "$SECRETS"
fi

export D2V_PROBE_FILE="$WORK/probe-arrivals.txt"
{
  if [ -f "$WORK/env.local.backup" ]; then cat "$WORK/env.local.backup"; echo; fi
  echo "D2V_FUNCTIONS_PROBE=1"
  echo "D2V_PROBE_FILE=$D2V_PROBE_FILE"
} > "$ENV_LOCAL"
export NO_UPDATE_NOTIFIER=1
export FIREBASE_CLI_DISABLE_UPDATE_CHECK=true
: > "$D2V_PROBE_FILE"

echo "check:functions: starting the Functions + Cloud Tasks emulators"
timeout 170 npx --no-install firebase emulators:exec \
  --project "$PROJECT" --only functions,tasks \
  "node scripts/check-functions.probe.mjs" > "$LOG" 2>&1
STATUS=$?

# The probe's own verdict lines.
grep -E '^(probe|PASS|FAIL)' "$LOG" || true

if [ "$STATUS" = 124 ]; then fail "timed out after 170 s"; fi
if grep -q "Failed to load function definition" "$LOG"; then fail "a function failed to load (see log)"; fi
if [ "$STATUS" != 0 ]; then fail "emulators:exec exited with $STATUS"; fi
if ! grep -q "^PASS" "$LOG"; then fail "the probe did not report PASS"; fi
echo "check:functions PASS"
