/**
 * Issue #10 item 2: a happy-path request (text draft, auto-post, 9 transitions) costs at most 20 document (today 17)
 * writes, counting every write the pipeline causes — request document, transition log, post, profile entry,
 * intent and leases, progress, the credits ledger (on the request), the quota, statistics, the owner's notification. Real stack (SQLite, the simulator over HTTP, ffmpeg); the store the
 * pipeline uses is wrapped in the core's CountingDocumentStore (the client API's own reads and writes are the
 * app's, not the pipeline's).
 *
 * Progress writes are the one part that depends on time: the throttle allows one per progressMinIntervalMs (and
 * 5 points of the bar), so a slow machine compressing for longer earns more. The budget holds with one progress
 * write; every further one is checked to be a throttled progress write (bar moved ≥ 5 points, ≥ 5 s after the
 * request's previous write) and not counted against it. Two settings make the count independent of the
 * machine, not smaller: the typical dreaming time is the production default (the shared helper shortens it), and the statistics aggregator runs once after the request instead of on its timer — one batch,
 * which is what its writes cost per request when a batch carries many requests (a lone request spanning several
 * timer flushes would be billed one bucket write per flush).
 */
import { CountingDocumentStore, formatBreakdown, SHARED, type CommittedWrite, type CountBreakdown } from '@d2v/core';
import type { VideoRequest } from '@d2v/schema';
import { listDeliveryAttempts, type LocalStack } from '../src';
import { startTestStack } from './helpers';

const UID = 'demo-user';
const FAST_VIDEO = { resolution: '540p', aspectRatio: '16:9', duration: '5s', autoPost: true } as const;
// The issue asks for at most 20; the request costs 17 since the log is one document per commit, and a new write
// should be a decision, not a drift.
const WRITE_BUDGET = 17;

describe('document writes and reads of one happy-path request (counting store over the real local stack)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  let counter: CountingDocumentStore;
  const commits: (readonly CommittedWrite[])[] = [];
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({
      wrapStore: (store) => (counter = new CountingDocumentStore(store, { onCommit: (writes) => void commits.push(writes) })),
      config: { statsFlushIntervalMs: 3_600_000 },
      core: { expectedDreamingMs: 40_000 },
    }));
  });
  afterAll(() => cleanup?.());

  it(`stays within ${WRITE_BUDGET} writes (and prints where writes and reads go)`, async () => {
    counter.reset();
    commits.length = 0;
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: FAST_VIDEO });
    const done = await stack.waitForState(UID, requestId, ['posted', 'failed'], 120_000);
    expect(done.state).toBe('posted');
    await stack.flushStats();
    const own = counter.forRequest(requestId);
    const shared = counter.forRequest(SHARED);
    const total: CountBreakdown = { reads: own.reads + shared.reads, writes: own.writes + shared.writes, byPattern: { ...own.byPattern, ...shared.byPattern } };
    process.stdout.write(`${formatBreakdown(`happy-path request (request ${own.writes} + aggregation ${shared.writes})`, total)}\n`);

    // Progress writes: commits that only write the request, changing its progress and nothing but bookkeeping.
    let previous: VideoRequest | undefined;
    const progressWrites: { from: number; to: number; afterMs: number }[] = [];
    for (const writes of commits) {
      const own = writes.filter((w) => w.path.endsWith(`/videoRequests/${requestId}`));
      const doc = own.at(-1)?.data as VideoRequest | undefined;
      if (!doc) continue;
      if (writes.length === 1 && previous && doc.state === previous.state && doc.progress > previous.progress) {
        progressWrites.push({ from: previous.progress, to: doc.progress, afterMs: Date.parse(doc.updatedAt) - Date.parse(previous.updatedAt) });
      }
      previous = doc;
    }
    for (const p of progressWrites) {
      expect(p.to - p.from).toBeGreaterThanOrEqual(0.05 - 1e-9);
      expect(p.afterMs).toBeGreaterThanOrEqual(5000);
    }
    process.stdout.write(`progress writes: ${JSON.stringify(progressWrites)}\n`);
    expect(total.writes - Math.max(0, progressWrites.length - 1)).toBeLessThanOrEqual(WRITE_BUDGET);
    // What the budget is made of: the log and its request writes, the post and the profile entry, one bucket.
    // The log is one document per commit: nine transitions in six commits (see below).
    const log = total.byPattern['users/{uid}/videoRequests/{requestId}/transitions/{n}']!;
    expect(log.writes).toBe(6);
    expect(total.byPattern['posts/{postId}']!.writes).toBe(1);
    expect(total.byPattern['users/{uid}/profileVideos/{id}']!.writes).toBe(1);
    expect(total.byPattern['stats/{day}/buckets/{bucket}']!.writes).toBe(1);
    // The owner's notification (issue #13): one document for the outcome. It fits because the content cache no
    // longer keeps an index document per content (a query on the request's own contentKey finds the source).
    expect(total.byPattern['users/{uid}/notifications/{id}']!.writes).toBe(1);
    expect(total.byPattern['users/{uid}/videoCache/{id}']).toBeUndefined();
    // The credits ledger is `charges` on the request, written by the transition that records the generation.
    expect(total.byPattern['users/{uid}/creditLedger/{id}']).toBeUndefined();
    // Nine transitions in six commits (pending → validating → queued and processing → ready → posted are one
    // write each; the download task's claim is dreaming → downloading with its lease), and the progress writes.
    expect(total.byPattern['users/{uid}/videoRequests/{requestId}']!.writes).toBe(6 + progressWrites.length);
    // Reads: every transaction reads what it changes, nothing else polls the store; a poll of Luma that learns
    // nothing reads the request once (more polls when Luma takes longer, so the bound counts them).
    const polls = listDeliveryAttempts(stack.database, { requestId }).filter((a) => a.name === 'poll').length;
    process.stdout.write(`reads: ${total.reads} with ${polls} polls\n`);
    expect(total.reads).toBeLessThanOrEqual(24 + polls);
  });
});
