/**
 * Aggregation without a hot document. Events are folded in batches into hourly, sharded bucket documents,
 * `stats/{day}/buckets/{HH}-{shard}`, never into one document per day: a bucket only takes writes during its
 * hour, from the batches holding events of requests that hash to its shard, so the write rate on any one document is the flush
 * rate of the aggregators (bounded by configuration, see docs/DECISIONS.md), not the event rate.
 *
 * Exactly once without markers: an event always lands in the same bucket (its hour, and a shard chosen by its
 * request), and the bucket keeps the short ids of the events it counted, so a redelivered event finds itself there
 * and adds nothing — in the same transaction as the counters, at no extra write. Readers sum a day's buckets
 * (stats-read.ts); the sweeper rolls each day up into `stats/{day}` for dashboards.
 */
import { createHash } from 'node:crypto';
import { docPaths, type AnalyticsEvent } from '@d2v/schema';
import type { DocData, DocumentStore } from '../ports';
import { addCounters, countersForEvent, type Counters } from './counters';

export const STATS_BUCKETS_COLLECTION = 'buckets';

/** The UTC day an event belongs to (`2025-06-01`). */
export function eventDay(event: Pick<AnalyticsEvent, 'at'>): string {
  return eventTime(event).toISOString().slice(0, 10);
}

function eventTime(event: Pick<AnalyticsEvent, 'at'>): Date {
  const t = Date.parse(event.at);
  if (Number.isNaN(t)) throw new Error(`analytics event has an invalid time: ${event.at}`);
  return new Date(t);
}

function digest(eventId: string): string {
  return createHash('sha256').update(eventId).digest('hex');
}

/** What a bucket remembers of a counted event: 64 bits of its id's hash (collisions are negligible per bucket). */
export function seenId(eventId: string): string {
  return digest(eventId).slice(0, 16);
}

export function bucketsCollection(day: string): string {
  return `${docPaths.stats(day)}/${STATS_BUCKETS_COLLECTION}`;
}

/**
 * The bucket an event is counted in: its UTC day and hour, and a shard from its request (from its own id when
 * it has none). A redelivered event has the same time and request, so it meets its seen-id; a request's events
 * share a shard, so a batch writes one bucket per request at most, and many requests spread over the shards.
 */
export function bucketPath(event: Pick<AnalyticsEvent, 'at' | 'eventId' | 'requestId'>, shards: number): string {
  const time = eventTime(event);
  const day = time.toISOString().slice(0, 10);
  const hour = String(time.getUTCHours()).padStart(2, '0');
  const shard = parseInt(digest(event.requestId ?? event.eventId).slice(0, 8), 16) % Math.max(1, Math.floor(shards));
  return `${bucketsCollection(day)}/${hour}-${String(shard).padStart(2, '0')}`;
}

export interface StatsBucket {
  day: string;
  hour: number;
  shard: number;
  /** Nested counters (see counters.ts). */
  counters: DocData;
  /** Short ids (`seenId`) of the events counted here. */
  seen: string[];
  events: number;
  updatedAt: string;
}

export interface BatchResult {
  counted: number;
  duplicates: number;
  /** Bucket documents written. */
  buckets: number;
}

/** Firestore takes at most 500 writes per transaction; a batch writes one per bucket, far fewer. */
export const MAX_BATCH_EVENTS = 500;

/**
 * Counts a batch of events exactly once: one transaction reading the buckets the batch touches and writing
 * those that gained an event. Events already counted (a redelivery, in this batch or an earlier one) add
 * nothing; a batch of nothing but duplicates writes nothing.
 */
export async function applyAnalyticsBatch(
  store: DocumentStore,
  events: readonly AnalyticsEvent[],
  opts: { shards: number; nowIso: string },
): Promise<BatchResult> {
  if (events.length > MAX_BATCH_EVENTS) throw new Error(`an analytics batch holds at most ${MAX_BATCH_EVENTS} events (got ${events.length})`);
  const byBucket = new Map<string, Map<string, AnalyticsEvent>>();
  for (const event of events) {
    const path = bucketPath(event, opts.shards);
    const inBucket = byBucket.get(path) ?? new Map<string, AnalyticsEvent>();
    inBucket.set(seenId(event.eventId), event);
    byBucket.set(path, inBucket);
  }
  return store.runTransaction(async (tx) => {
    const current = new Map<string, StatsBucket | undefined>();
    for (const path of byBucket.keys()) current.set(path, (await tx.get<StatsBucket>(path))?.data);
    const result: BatchResult = { counted: 0, duplicates: events.length, buckets: 0 };
    for (const [path, inBucket] of byBucket) {
      const bucket = current.get(path);
      const seen = new Set(bucket?.seen ?? []);
      const counters: Counters = {};
      let fresh = 0;
      for (const [id, event] of inBucket) {
        if (seen.has(id)) continue;
        seen.add(id);
        fresh++;
        for (const [key, by] of Object.entries(countersForEvent(event))) counters[key] = (counters[key] ?? 0) + by;
      }
      if (fresh === 0) continue;
      const [hour, shard] = path.slice(path.lastIndexOf('/') + 1).split('-').map(Number);
      const next: StatsBucket = {
        day: eventDay(inBucket.values().next().value!),
        hour: hour!,
        shard: shard!,
        counters: addCounters(bucket?.counters ?? {}, counters),
        seen: [...seen],
        events: (bucket?.events ?? 0) + fresh,
        updatedAt: opts.nowIso,
      };
      tx.set(path, next as unknown as DocData);
      result.counted += fresh;
      result.buckets++;
    }
    result.duplicates = events.length - result.counted;
    return result;
  });
}
