/**
 * `d2v inspect` and `d2v stats` on a real local stack's data dir (simulator over HTTP, ffmpeg, SQLite, the pino
 * log file): a request that failed, was retried by its owner, met a Luma outage (5xx) on the retry's create —
 * so its submit task ran more than once — and was posted. The story must show every step, in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createLogger } from '@d2v/core';
import { LocalStack, listDeliveryAttempts } from '@d2v/local';
import type { Transition } from '@d2v/schema';
import { runInspect } from '../src/commands/inspect';
import { runStats } from '../src/commands/stats';
import { readFirestoreStory, type FirestoreDoc, type FirestoreReader } from '../src/inspect/firebase-source';
import { assembleStory } from '../src/inspect/story';

jest.setTimeout(180_000);
const UID = 'demo-user';

let dataDir: string;
let stack: LocalStack;
let requestId: string;

async function capture(run: (write: (t: string) => void) => Promise<number>): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await run((t) => void (text += t));
  return { code, text };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'd2v-inspect-'));
  stack = await LocalStack.start({
    env: { ...process.env, MEDIA_X264_PRESET: 'veryfast', LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' },
    logger: createLogger({ level: 'debug', destination: pino.destination({ dest: join(dataDir, 'd2v.log'), sync: true }) }),
    config: { dataDir, port: 0, pollIntervalSeconds: 1, sweepIntervalMs: 600_000 },
    core: { pollIntervalSeconds: 1, expectedDreamingMs: 2000 },
    simulator: { seed: 11, timing: { queuedMs: 200, dreamingMs: 1200 } },
  });
  const sim = stack.simulator!;
  sim.setFaults({ failureRate: 1 });
  ({ requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: { resolution: '540p', aspectRatio: '16:9', duration: '5s', autoPost: true } }));
  expect((await stack.waitForState(UID, requestId, ['failed', 'posted'], 60_000)).state).toBe('failed');
  // The retry meets a Luma outage on its create: the submit task fails, is retried by the queue, then works.
  sim.setFaults({ failureRate: 0, serverErrorRate: 1 });
  await stack.api.requestAction(UID, requestId, { type: 'retry' });
  for (let i = 0; ; i++) {
    if (listDeliveryAttempts(stack.database, { requestId }).some((a) => a.name === 'submit' && a.outcome === 'retry')) break;
    if (i > 600) throw new Error('the retried submit never failed');
    await new Promise((r) => setTimeout(r, 50));
  }
  sim.setFaults({ serverErrorRate: 0 });
  expect((await stack.waitForState(UID, requestId, ['posted', 'failed'], 90_000)).state).toBe('posted');
  await stack.stop();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('d2v inspect <requestId> (local data dir)', () => {
  let text: string;
  let lines: string[];
  beforeAll(async () => {
    const out = await capture((write) => runInspect(requestId, { dataDir }, {}, write));
    expect(out.code).toBe(0);
    text = out.text;
    lines = text.trim().split('\n');
  });
  const index = (pattern: RegExp, from = 0): number => {
    const i = lines.findIndex((l, n) => n >= from && pattern.test(l));
    if (i < 0) throw new Error(`no line matches ${pattern} after line ${from}:\n${text}`);
    return i;
  };

  it('starts with the request as it ended', () => {
    expect(lines[0]).toBe(`request ${requestId} of ${UID}: posted`);
  });

  it('lists the happenings in time order', () => {
    const times = lines.filter((l) => /^\d{4}-/.test(l)).map((l) => Date.parse(l.slice(0, 24)));
    expect(times.length).toBeGreaterThan(30);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!);
  });

  it('shows every step of the failure, the retry, the outage and the success, in order', () => {
    const created = index(/transition\s+#0 ∅ → pending by client/);
    const firstCreate = index(/luma\s+Luma create_video → ok 200/, created);
    const failed = index(/transition\s+#\d+ dreaming → failed by luma: .* — LUMA_/, firstCreate);
    const retry = index(/event\s+action retry → ok/, failed);
    const requeued = index(/transition\s+#\d+ failed → queued by client: retried by the owner/, failed);
    const outage = index(/luma\s+Luma create_video → server 50\d/, requeued);
    const taskRetry = index(/task\s+task submit attempt 1 → retry/, requeued);
    const warned = index(/\[WARNING\] Luma create failed with a retryable error/, requeued);
    const secondCreate = index(/luma\s+Luma create_video → ok 200/, outage);
    const submitDone = index(/task\s+task submit attempt [2-9] → done/, taskRetry);
    const callback = index(/webhook\s+Luma callback answered 200/, secondCreate);
    const posted = index(/transition\s+#\d+ ready → posted by system/, callback);
    expect(retry).toBeGreaterThan(failed);
    expect(warned).toBeGreaterThan(requeued);
    expect(submitDone).toBeLessThan(posted);
    // Triggers and the processing of the stored video, with their attempts.
    index(/delivery\s+trigger onVideoRequestCreated attempt 1 → done/);
    index(/delivery\s+trigger onRawVideoFinalized attempt 1 → done/);
    index(/task\s+task download attempt 1 → done/);
  });

  it('has every transition of the log, once, in log order', async () => {
    const log: Transition[] = await (async () => {
      const s = await LocalStack.start({ env: { ...process.env, LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' }, logger: 'silent', seedDir: false, config: { dataDir, port: 0 } });
      try {
        return await s.api.listTransitions(UID, requestId);
      } finally {
        await s.stop();
      }
    })();
    const shown = lines.filter((l) => /\stransition\s+#\d+/.test(l)).map((l) => Number(/#(\d+)/.exec(l)![1]));
    expect(shown).toEqual(log.map((t) => t.n));
  });

  it('prints JSON with --json, and exits 2 with a sentence for an unknown or malformed id', async () => {
    const json = await capture((write) => runInspect(requestId, { dataDir, json: true }, {}, write));
    expect(JSON.parse(json.text)).toMatchObject({ requestId, request: { state: 'posted' } });
    const unknown = await capture((write) => runInspect('no-such-request', { dataDir }, {}, write));
    expect(unknown.code).toBe(2);
    expect(unknown.text).toContain('no request document found');
    const malformed = await capture((write) => runInspect('../etc', { dataDir }, {}, write));
    expect(malformed.code).toBe(2);
    expect(JSON.parse(malformed.text.trim()).error.code).toBe('INVALID_REQUEST');
    const nowhere = await capture((write) => runInspect(requestId, { dataDir: join(dataDir, 'missing') }, {}, write));
    expect(nowhere.code).toBe(2);
    expect(JSON.parse(nowhere.text.trim().split('\n').pop()!).error.code).toBe('NO_LOCAL_DATA');
    expect(nowhere.text).toContain('No local stack data');
  });
});

describe('d2v stats (local data dir)', () => {
  it('prints rates per model, failures by code, latencies and credits; JSON with --json', async () => {
    const out = await capture((write) => runStats({ dataDir }, {}, write));
    expect(out.code).toBe(0);
    expect(out.text).toMatch(/requests\s+created 1, succeeded 1, failed 1 \(success 50\.0%\)/);
    expect(out.text).toMatch(/ray-2\s+created 1, ok 1, failed 1/);
    expect(out.text).toMatch(/failures\s+expected 1, unexpected 0 — LUMA_\w+ 1/);
    expect(out.text).toMatch(/latency\s+stage\s+count\s+p50\s+p95\s+p99/);
    expect(out.text).toMatch(/\n\s+dreaming\s+2\s/);
    // The credits ledger: the failed generation (refunded by Luma) and the retry's, each charged once.
    expect(out.text).toMatch(/spend\s+\$0\.40 net: 2 generations charged \$0\.80, 1 refunded \$0\.40 \(credits ledger\)/);
    const json = JSON.parse((await capture((write) => runStats({ dataDir, json: true, since: '1d' }, {}, write))).text);
    expect(json.total.outcomes).toMatchObject({ succeeded: 1, failed: 1 });
    expect(json.total.luma.rateLimited).toBe(0);
    expect(json.total.ledger).toEqual({ generations: 2, chargedCents: 80, refunds: 1, refundedCents: 40, netCents: 40 });
    expect(json.total.luma.outcomes.server).toBeGreaterThanOrEqual(1);
  });

  it('refuses a --since it cannot read (exit 2)', async () => {
    const out = await capture((write) => runStats({ dataDir, since: 'last week' }, {}, write));
    expect(out.code).toBe(2);
    expect(JSON.parse(out.text.trim()).error).toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('d2v inspect --project (Firestore reads through a fake Firestore: no emulator runs here)', () => {
  it('reads the request and its log by requestId, and prints the Cloud Logging filter for the rest', async () => {
    const s = await LocalStack.start({ env: { ...process.env, LUMAAI_API_KEY: '', LUMAAI_BASE_URL: '' }, logger: 'silent', seedDir: false, config: { dataDir, port: 0 } });
    try {
      const request = await s.api.getRequest(UID, requestId);
      const log = await s.api.listTransitions(UID, requestId);
      const doc = (data: unknown, sub: FirestoreDoc[] = []): FirestoreDoc => ({
        data: () => data as Record<string, unknown>,
        ref: { collection: (id) => ({ orderBy: (field) => (expect([id, field]).toEqual(['transitions', 'n']), { get: async () => ({ docs: sub }) }) }) },
      });
      const fake: FirestoreReader = {
        collectionGroup: (id) => ({
          where: (field, _op, value) => ({
            limit: () => ({ get: async () => ({ docs: id === 'videoRequests' && field === 'requestId' && value === requestId ? [doc(request, log.map((t) => doc(t)))] : [] }) }),
          }),
        }),
      };
      const story = assembleStory(requestId, await readFirestoreStory(fake, 'demo-project', requestId));
      expect(story.lines.map((l) => l.text.split(' ')[0])).toEqual(log.map((t) => `#${t.n}`));
      expect(story.notes.join('\n')).toContain(`gcloud logging read 'resource.type="cloud_run_revision" AND jsonPayload.requestId="${requestId}" AND timestamp>="`);
      expect(story.notes.join('\n')).toContain('--project demo-project');
    } finally {
      await s.stop();
    }
  });
});
