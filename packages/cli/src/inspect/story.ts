/**
 * One request's whole story, in time order: its transitions, every task dispatch and trigger delivery with its
 * attempt and outcome, every Luma call and its answer, the webhook callbacks, the analytics events and the log
 * lines that name it. The sources differ per runtime (local-source.ts, firebase-source.ts); assembling and
 * printing them is the same.
 */
import type { AnalyticsEvent, Transition, VideoRequest } from '@d2v/schema';

export type StoryKind = 'transition' | 'task' | 'delivery' | 'luma' | 'webhook' | 'event' | 'log';

export interface StoryLine {
  at: string;
  kind: StoryKind;
  text: string;
}

/** A delivery attempt as the local stack records it (see @d2v/local delivery-attempts). */
export interface AttemptRecord {
  kind: 'task' | 'event';
  name: string;
  id: string;
  attempt: number;
  startedAt: number;
  finishedAt: number | null;
  outcome: string | null;
  error: string | null;
}

/** One JSON log line (pino, Cloud Logging shaped). */
export type LogRecord = Record<string, unknown> & { time?: string; message?: string; severity?: string };

export interface StorySources {
  request: VideoRequest | null;
  transitions: Transition[];
  attempts: AttemptRecord[];
  events: AnalyticsEvent[];
  logs: LogRecord[];
  /** What this source cannot show, and where to look instead (printed under the story). */
  notes: string[];
}

export interface RequestStory {
  requestId: string;
  request: VideoRequest | null;
  lines: StoryLine[];
  notes: string[];
}

/** Log messages already shown from a structured source (the transition log, the Luma call events). */
const SHOWN_ELSEWHERE = new Set(['state transition applied', 'Luma call answered']);
const WEBHOOK_ANSWERED = 'Luma webhook answered';
/** Log fields that are the line's frame, not its content. */
const FRAME_FIELDS = new Set(['time', 'message', 'severity', 'requestId', 'uid', 'runtime', 'service', 'function', 'stack_trace', '@type', 'serviceContext', 'context', 'eventTime']);

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function compact(fields: Record<string, unknown>): string {
  const parts = Object.entries(fields)
    .filter(([k, v]) => !FRAME_FIELDS.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function transitionLine(t: Transition): StoryLine {
  const error = t.error ? ` — ${t.error.code}: ${t.error.message}` : '';
  return { at: t.at, kind: 'transition', text: `#${t.n} ${t.from ?? '∅'} → ${t.to} by ${t.by}: ${t.reason}${error}` };
}

function attemptLine(a: AttemptRecord): StoryLine {
  const what = a.kind === 'task' ? `task ${a.name}` : `trigger ${a.name}`;
  const took = a.finishedAt !== null ? ` in ${seconds(a.finishedAt - a.startedAt)}` : '';
  const outcome = a.outcome ?? 'did not finish (process stopped?)';
  const error = a.error ? `: ${a.error.split('\n')[0]}` : '';
  return { at: new Date(a.startedAt).toISOString(), kind: a.kind === 'task' ? 'task' : 'delivery', text: `${what} attempt ${a.attempt} → ${outcome}${took}${error}` };
}

function eventLine(e: AnalyticsEvent): StoryLine | null {
  switch (e.type) {
    case 'transition':
    case 'request_created':
      return null; // the transition log says it, with the reason
    case 'luma_call': {
      const facts = [e.httpStatus ? String(e.httpStatus) : undefined, e.durationMs !== undefined ? `in ${seconds(e.durationMs)}` : undefined]
        .filter(Boolean)
        .join(' ');
      const extra = [e.generationId && `generation ${e.generationId}`, e.attrs?.lumaState && `Luma says ${e.attrs.lumaState}`, e.model, e.creditsCents && `${e.creditsCents}¢`]
        .filter(Boolean)
        .join(', ');
      return { at: e.at, kind: 'luma', text: `Luma ${e.lumaOp} → ${e.outcome} ${facts}${extra ? ` (${extra})` : ''}`.replace(/\s+/g, ' ').trim() };
    }
    case 'action':
      return { at: e.at, kind: 'event', text: `action ${e.action} → ${e.ok === false ? `refused${e.errorCode ? ` ${e.errorCode}` : ''}` : 'ok'}` };
    default:
      return { at: e.at, kind: 'event', text: `${e.type}${compact({ from: e.from, reason: e.reason, alert: e.alert, bytes: e.bytes, durationMs: e.durationMs, errorCode: e.errorCode })}` };
  }
}

function logLine(l: LogRecord): StoryLine | null {
  if (typeof l.time !== 'string' || typeof l.message !== 'string') return null;
  if (SHOWN_ELSEWHERE.has(l.message)) return null;
  if (l.message === WEBHOOK_ANSWERED) return { at: l.time, kind: 'webhook', text: `Luma callback answered ${l.httpStatus ?? ''}${compact({ answer: l.answer })}`.trim() };
  return { at: l.time, kind: 'log', text: `[${l.severity ?? 'DEFAULT'}] ${l.message}${compact(l)}` };
}

/** Everything the sources hold about the request, oldest first (same time: log order of the sources). */
export function assembleStory(requestId: string, src: StorySources): RequestStory {
  const lines: StoryLine[] = [
    ...src.transitions.map(transitionLine),
    ...src.attempts.map(attemptLine),
    ...src.events.map(eventLine).filter((l): l is StoryLine => l !== null),
    ...src.logs.map(logLine).filter((l): l is StoryLine => l !== null),
  ];
  const indexed = lines.map((line, i) => ({ line, i, t: Date.parse(line.at) }));
  indexed.sort((a, b) => a.t - b.t || a.i - b.i);
  return { requestId, request: src.request, lines: indexed.map((x) => x.line), notes: src.notes };
}

/** The story as text for a terminal: a header, one line per happening, relative times, then the notes. */
export function formatStory(story: RequestStory): string {
  const out: string[] = [];
  const r = story.request;
  if (!r) out.push(`request ${story.requestId}: no request document found`);
  else {
    out.push(`request ${r.requestId} of ${r.uid}: ${r.state}${r.error ? ` — ${r.error.code}: ${r.error.message}` : ''}`);
    out.push(`  created ${r.createdAt}, updated ${r.updatedAt}, ${r.transitionCount} transitions, model ${r.options?.model ?? '?'}${r.postId ? `, post ${r.postId}` : ''}`);
  }
  const start = story.lines.length ? Date.parse(story.lines[0]!.at) : 0;
  const width = Math.max(...story.lines.map((l) => l.kind.length), 4);
  for (const line of story.lines) {
    const offset = `+${((Date.parse(line.at) - start) / 1000).toFixed(3)}s`.padStart(10);
    out.push(`${line.at} ${offset}  ${line.kind.padEnd(width)}  ${line.text}`);
  }
  for (const note of story.notes) out.push(`note: ${note}`);
  return `${out.join('\n')}\n`;
}
