/**
 * Analytics aggregation: every event published by the pipeline (Pub/Sub in Firebase) becomes counter
 * increments in `stats/{day}` — transitions per target state (so success/failure rates are posted+ready vs
 * failed), errors per code, client actions, Luma calls and credits, and latency sums for finished requests.
 *
 * Pub/Sub delivers at least once, so each event is counted once: a marker `stats/{day}/events/{eventId}` is
 * created in the same transaction as the increment (a redelivery finds the marker and does nothing). The
 * counting itself (`countersForEvent`, `addCounters`) is pure; `applyAnalyticsEvent` needs only the core's
 * DocumentStore port, so it runs unchanged on Firestore and on the local stack's store.
 */
import { createHash } from 'node:crypto';
import { docPaths, type AnalyticsEvent } from '@d2v/schema';
import type { DocData, DocumentStore } from './ports';

/** Flat counter increments keyed by a dotted path into the stats document (`transitions.ready`). */
export type Counters = Record<string, number>;

/** Firestore map keys: keep codes/states readable but never let a dot or slash split a path. */
function key(part: string): string {
  const cleaned = part.replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

/** The UTC day an event belongs to (`2025-06-01`). */
export function eventDay(event: Pick<AnalyticsEvent, 'at'>): string {
  const t = Date.parse(event.at);
  if (Number.isNaN(t)) throw new Error(`analytics event has an invalid time: ${event.at}`);
  return new Date(t).toISOString().slice(0, 10);
}

/** What one event adds to its day's counters. */
export function countersForEvent(event: AnalyticsEvent): Counters {
  const c: Counters = {};
  const inc = (path: string, by = 1): void => {
    c[path] = (c[path] ?? 0) + by;
  };
  inc('events.total');
  inc(`events.${key(event.type)}`);
  switch (event.type) {
    case 'transition':
      if (event.to) inc(`transitions.${key(event.to)}`);
      if (event.to === 'failed' && event.errorCode) inc(`errors.${key(event.errorCode)}`);
      if (event.durationMs !== undefined && event.to && ['ready', 'posted', 'failed'].includes(event.to)) {
        inc(`latency.${key(event.to)}.count`);
        inc(`latency.${key(event.to)}.totalMs`, Math.max(0, Math.round(event.durationMs)));
      }
      break;
    case 'action':
      inc(`actions.${key(event.action ?? 'unknown')}`);
      break;
    case 'luma_call':
      inc('luma.calls');
      if (event.errorCode) inc(`luma.errors.${key(event.errorCode)}`);
      break;
    case 'error':
      inc(`errors.${key(event.errorCode ?? 'UNKNOWN')}`);
      break;
  }
  if (event.creditsCents !== undefined && event.creditsCents > 0) {
    inc('credits.cents', event.creditsCents);
    inc('credits.creates');
  }
  return c;
}

/** Adds flat counters into a nested stats document (pure; returns a new object). */
export function addCounters(doc: DocData, counters: Counters): DocData {
  const out = JSON.parse(JSON.stringify(doc)) as DocData;
  for (const [path, by] of Object.entries(counters)) {
    const parts = path.split('.');
    let node = out as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1]!;
    const current = typeof node[leaf] === 'number' ? (node[leaf] as number) : 0;
    node[leaf] = current + by;
  }
  return out;
}

/** A Firestore-safe document id for an event id (hashed when it has characters ids cannot hold). */
export function markerId(eventId: string): string {
  return /^[A-Za-z0-9_-]{1,128}$/.test(eventId) ? eventId : createHash('sha256').update(eventId).digest('hex');
}

export function statsMarkerPath(day: string, eventId: string): string {
  return `${docPaths.stats(day)}/events/${markerId(eventId)}`;
}

export type ApplyResult = 'counted' | 'duplicate';

/** Counts one event exactly once into `stats/{day}`. */
export async function applyAnalyticsEvent(store: DocumentStore, event: AnalyticsEvent, nowIso: string): Promise<ApplyResult> {
  const day = eventDay(event);
  const statsPath = docPaths.stats(day);
  const marker = statsMarkerPath(day, event.eventId);
  return store.runTransaction(async (tx) => {
    const seen = await tx.get(marker);
    if (seen) return 'duplicate' as const;
    const current = await tx.get(statsPath);
    const next = addCounters(current?.data ?? { day }, countersForEvent(event));
    next.day = day;
    next.updatedAt = nowIso;
    tx.set(statsPath, next);
    tx.create(marker, { eventId: event.eventId, type: event.type, at: event.at, countedAt: nowIso });
    return 'counted' as const;
  });
}
