import { STATE_MACHINE, type VideoState } from '@d2v/schema';
import type { RequestDoc } from '@d2v/client';

/** The state machine's label for a person ("Luma is dreaming"); a fresh document has no state yet. */
export function stateLabel(doc: Pick<RequestDoc, 'state' | 'stateLabel'> | undefined): string {
  if (!doc?.state) return STATE_MACHINE.pending.label;
  return doc.stateLabel ?? STATE_MACHINE[doc.state as VideoState]?.label ?? doc.state;
}

export function isWorking(doc: RequestDoc | undefined): boolean {
  return !doc?.state || !STATE_MACHINE[doc.state].terminal;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

export function clockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function cents(n: number): string {
  return `$${(n / 100).toFixed(2)}`;
}
