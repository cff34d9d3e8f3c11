/**
 * Issue #10 item 2: a happy-path request (text draft, auto-post, 9 transitions) costs at most 20 document
 * writes, counting every write the pipeline causes — request document, transition log, post, profile entry,
 * intent and leases, progress, statistics. Real stack (SQLite, the simulator over HTTP, ffmpeg); the store the
 * pipeline uses is wrapped in the core's CountingDocumentStore (the client API's own reads and writes are the
 * app's, not the pipeline's).
 *
 * Two settings make the count independent of this machine's speed, not smaller: the progress throttle and the
 * typical dreaming time are the production defaults (the shared test helper shortens the latter for a lively
 * bar), and the statistics aggregator runs once after the request instead of on its timer — one batch, which is
 * what its writes cost per request when a batch carries many requests (a lone request spanning several timer
 * flushes would be billed one bucket write per flush).
 */
import { CountingDocumentStore, formatBreakdown, SHARED, type CountBreakdown } from '@d2v/core';
import type { LocalStack } from '../src';
import { startTestStack } from './helpers';

const UID = 'demo-user';
const FAST_VIDEO = { resolution: '540p', aspectRatio: '16:9', duration: '5s', autoPost: true } as const;
const WRITE_BUDGET = 20;

describe('document writes and reads of one happy-path request (counting store over the real local stack)', () => {
  let stack: LocalStack;
  let cleanup: () => Promise<void>;
  let counter: CountingDocumentStore;
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({
      wrapStore: (store) => (counter = new CountingDocumentStore(store)),
      config: { statsFlushIntervalMs: 3_600_000 },
      core: { expectedDreamingMs: 40_000 },
    }));
  });
  afterAll(() => cleanup?.());

  it(`stays within ${WRITE_BUDGET} writes (and prints where writes and reads go)`, async () => {
    counter.reset();
    const { requestId } = await stack.api.createRequest(UID, { draftId: 'demo-sunrise', options: FAST_VIDEO });
    const done = await stack.waitForState(UID, requestId, ['posted', 'failed'], 120_000);
    expect(done.state).toBe('posted');
    await stack.flushStats();
    const own = counter.forRequest(requestId);
    const shared = counter.forRequest(SHARED);
    const total: CountBreakdown = { reads: own.reads + shared.reads, writes: own.writes + shared.writes, byPattern: { ...own.byPattern, ...shared.byPattern } };
    process.stdout.write(`${formatBreakdown(`happy-path request (request ${own.writes} + aggregation ${shared.writes})`, total)}\n`);

    expect(total.writes).toBeLessThanOrEqual(WRITE_BUDGET);
    // What the budget is made of: the log and its request writes, the post and the profile entry, one bucket.
    const log = total.byPattern['users/{uid}/videoRequests/{requestId}/transitions/{n}']!;
    expect(log.writes).toBe(9);
    expect(total.byPattern['posts/{postId}']!.writes).toBe(1);
    expect(total.byPattern['users/{uid}/profileVideos/{id}']!.writes).toBe(1);
    expect(total.byPattern['stats/{day}/buckets/{bucket}']!.writes).toBe(1);
    // Nine transitions, seven commits: pending → validating → queued and ready → posted are one write each.
    expect(total.byPattern['users/{uid}/videoRequests/{requestId}']!.writes).toBeLessThanOrEqual(WRITE_BUDGET - 12);
    // Reads: every transaction reads what it changes; nothing polls the store.
    expect(total.reads).toBeLessThanOrEqual(30);
  });
});
