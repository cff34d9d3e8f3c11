// Run by `firebase emulators:exec` from scripts/check-functions.sh (see there). Node built-ins only.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const PROJECT = 'demo-draft2video';
const REGION = 'us-central1';
const FUNCTIONS = `http://127.0.0.1:5001`;
const EXPECTED = [
  'onVideoRequestCreated',
  'onVideoRequestUpdated',
  'onScriptRequestCreated',
  'submitTask',
  'pollTask',
  'downloadTask',
  'processTask',
  'lumaWebhook',
  'videoPlayback',
  'onRawVideoFinalized',
  'sweeper',
  'analyticsAggregator',
  'probeEnqueue',
  'probeTask',
];

const failures = [];
const check = (ok, what) => {
  console.log(`probe ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  // 1. Every exported function registered.
  const backends = await (await fetch(`${FUNCTIONS}/backends`)).json();
  const defs = backends.backends.flatMap((b) => b.functionTriggers ?? []);
  const names = new Set(defs.map((d) => d.entryPoint ?? d.name));
  for (const name of EXPECTED) check(names.has(name), `function ${name} loaded`);
  const unexpected = [...names].filter((n) => !EXPECTED.includes(n));
  check(unexpected.length === 0, `no unexpected functions (${unexpected.join(', ') || 'none'})`);
  const submit = defs.find((d) => (d.entryPoint ?? d.name) === 'submitTask');
  check(Boolean(submit?.taskQueueTrigger), 'submitTask is a task-queue function');

  // 2. A task enqueued through CloudTasksQueue (twice, same dedupe id) reaches probeTask once.
  const nonce = `n${randomBytes(6).toString('hex')}`;
  const enq = await fetch(`${FUNCTIONS}/${PROJECT}/${REGION}/probeEnqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nonce, dedupeId: `probe-${nonce}` }),
  });
  const enqBody = await enq.json().catch(() => ({}));
  check(enq.status === 200, `probeEnqueue answered 200 (got ${enq.status} ${JSON.stringify(enqBody)})`);
  check(/^[0-9a-f]{64}$/.test(enqBody.taskId ?? ''), 'task id is a sha256 hex digest');
  let arrivals = [];
  for (let i = 0; i < 60 && arrivals.length === 0; i++) {
    await sleep(500);
    arrivals = readFileSync(process.env.D2V_PROBE_FILE, 'utf8').split('\n').filter((l) => l === nonce);
  }
  check(arrivals.length >= 1, 'the enqueued task reached probeTask');
  await sleep(2000);
  arrivals = readFileSync(process.env.D2V_PROBE_FILE, 'utf8').split('\n').filter((l) => l === nonce);
  check(arrivals.length === 1, `the duplicate enqueue was dropped (arrivals: ${arrivals.length})`);

  // 3. The webhook over HTTP.
  const hook = `${FUNCTIONS}/${PROJECT}/${REGION}/lumaWebhook`;
  const get = await fetch(`${hook}/u1/r1?token=x`);
  check(get.status === 405, `lumaWebhook GET → 405 (got ${get.status})`);
  const bad = await fetch(`${hook}/only-one-segment`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  check(bad.status === 404, `lumaWebhook unknown route → 404 (got ${bad.status})`);
  const hookBadId = await fetch(`${hook}/u1/..%2F..%2Fother?token=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const hookBadIdBody = await hookBadId.json().catch(() => ({}));
  check(hookBadId.status === 400 && hookBadIdBody?.error?.code === 'INVALID_ID', `lumaWebhook bad id → 400 INVALID_ID (got ${hookBadId.status} ${JSON.stringify(hookBadIdBody)})`);
  const forged = await fetch(`${hook}/u1/r1?token=forged`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'gen-1', state: 'completed' }),
  });
  check(forged.status === 403, `lumaWebhook forged token → 403 (got ${forged.status})`);

  // 4. videoPlayback over HTTP: the route, the id check and firebase-admin's own verifyIdToken (a token that
  //    does not decode is refused before any key is fetched, so this runs offline).
  const play = `${FUNCTIONS}/${PROJECT}/${REGION}/videoPlayback`;
  const anonymous = await fetch(`${play}/v1/posts/ai_x/video`);
  check(anonymous.status === 401, `videoPlayback without a token → 401 (got ${anonymous.status})`);
  const garbage = await fetch(`${play}/v1/posts/ai_x/video`, { headers: { authorization: 'Bearer not-a-jwt' } });
  check(garbage.status === 401, `videoPlayback with a token that is not a JWT → 401 (got ${garbage.status})`);
  const badId = await fetch(`${play}/v1/posts/bad%20id/video`);
  const badIdBody = await badId.json().catch(() => ({}));
  check(badId.status === 400 && badIdBody?.error?.code === 'INVALID_ID', `videoPlayback bad id → 400 INVALID_ID (got ${badId.status} ${JSON.stringify(badIdBody)})`);
  const unknown = await fetch(`${play}/v1/nothing`);
  check(unknown.status === 404, `videoPlayback unknown route → 404 (got ${unknown.status})`);

  console.log(failures.length === 0 ? 'PASS functions emulator probe' : `FAIL functions emulator probe: ${failures.length} check(s) failed`);
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((err) => {
  console.log(`FAIL functions emulator probe: ${err?.stack ?? err}`);
  process.exit(1);
});
