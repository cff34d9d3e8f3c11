/**
 * Reading the statistics: a day is the sum of its bucket documents (at most 24 × shards reads), a range the sum
 * of its days. The sweeper rolls each recent day up into `stats/{day}` — counters plus the derived summary —
 * so a dashboard listens to one document per day instead of summing buckets itself; that document is written
 * by one scheduled job only, a few times an hour, never by the pipeline.
 */
import { docPaths, type StatsReport } from '@d2v/schema';
import type { DocData, DocumentStore } from '../ports';
import { bucketsCollection, type StatsBucket } from './buckets';
import { addCounters, flattenCounters, type Counters } from './counters';
import { summarizeCounters, type StatsSummary } from './summary';

export type { StatsReport };

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** The UTC day of an epoch time. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Every day from `since` to `until`, inclusive (both `YYYY-MM-DD`). */
export function daysBetween(since: string, until: string): string[] {
  if (!DAY_RE.test(since) || !DAY_RE.test(until)) throw new RangeError(`days must look like 2025-06-01 (got ${since}, ${until})`);
  const out: string[] = [];
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= Date.parse(`${until}T00:00:00Z`); t += DAY_MS) out.push(dayOf(t));
  return out;
}

/**
 * `--since` as people write it: a day (`2025-06-01`) or a span back from today (`7d`, `24h`, `90m`); the
 * first day of the range. Throws a RangeError with a sentence for anything else.
 */
export function parseSince(since: string | undefined, nowMs: number): string {
  if (since === undefined || since === '') return dayOf(nowMs);
  if (DAY_RE.test(since) && !Number.isNaN(Date.parse(`${since}T00:00:00Z`))) return since;
  const m = /^(\d{1,4})([dhm])$/.exec(since);
  if (!m) throw new RangeError(`"since" must be a day like 2025-06-01 or a span like 7d, 24h or 90m (got "${since}")`);
  const ms = Number(m[1]) * (m[2] === 'd' ? DAY_MS : m[2] === 'h' ? 3_600_000 : 60_000);
  return dayOf(nowMs - ms);
}

/** At most this many days per read (a year): `/v1/stats?since=…` must not turn into a full scan. */
export const MAX_STATS_DAYS = 366;

export async function readDayCounters(store: DocumentStore, day: string): Promise<Counters> {
  const buckets = await store.query<StatsBucket>({ collection: bucketsCollection(day) });
  let sum: DocData = {};
  for (const bucket of buckets) sum = addCounters(sum, flattenCounters(bucket.data.counters));
  return flattenCounters(sum);
}


export async function readStats(store: DocumentStore, range: { since: string; until: string }): Promise<StatsReport> {
  const days = daysBetween(range.since, range.until);
  if (days.length > MAX_STATS_DAYS) throw new RangeError(`at most ${MAX_STATS_DAYS} days at once (asked for ${days.length})`);
  const perDay: StatsReport['days'] = [];
  let total: DocData = {};
  for (const day of days) {
    const counters = await readDayCounters(store, day);
    if (Object.keys(counters).length === 0) continue;
    perDay.push({ day, ...summarizeCounters(counters) });
    total = addCounters(total, counters);
  }
  const counters = flattenCounters(total);
  return { since: range.since, until: range.until, days: perDay, total: summarizeCounters(counters), counters };
}

/** The dashboard's document for one day. */
export interface DayRollUp {
  day: string;
  counters: DocData;
  summary: StatsSummary;
  rolledUpAt: string;
}

/**
 * Writes `stats/{day}` from the day's buckets; no write when nothing changed since the last roll-up.
 * Returns whether it wrote.
 */
export async function rollUpDay(store: DocumentStore, day: string, nowIso: string): Promise<boolean> {
  const counters = await readDayCounters(store, day);
  if (Object.keys(counters).length === 0) return false;
  const nested = addCounters({}, counters);
  return store.runTransaction(async (tx) => {
    const path = docPaths.stats(day);
    const current = (await tx.get<DayRollUp>(path))?.data;
    if (current && sameCounters(flattenCounters(current.counters), counters)) return false;
    const doc: DayRollUp = { day, counters: nested, summary: summarizeCounters(counters), rolledUpAt: nowIso };
    tx.set(path, doc as unknown as DocData);
    return true;
  });
}

function sameCounters(a: Counters, b: Counters): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
