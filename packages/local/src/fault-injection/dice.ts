/**
 * Seeded decisions for fault injection: the same seed fails the same calls, so a failing run can be replayed.
 * mulberry32, one stream per wrapper (a store fault never shifts which blob calls fail).
 */
export class FaultDice {
  private state: number;

  constructor(
    seed: number,
    label: string,
    /** Share of calls that fail (0–1). */
    readonly rate: number,
  ) {
    let h = (seed >>> 0) ^ 0x9e3779b9;
    for (const ch of label) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
    this.state = h;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Null when this call succeeds; otherwise one of `kinds`, drawn by their weights. */
  roll<K extends string>(kinds: Readonly<Record<K, number>>): K | null {
    if (!(this.rate > 0) || this.next() >= this.rate) return null;
    const entries = Object.entries(kinds) as [K, number][];
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let pick = this.next() * total;
    for (const [kind, weight] of entries) {
      pick -= weight;
      if (pick < 0) return kind;
    }
    return entries[entries.length - 1]![0];
  }
}

/** How many faults of each kind a wrapper injected (tests report them, so a run that injected nothing shows it). */
export type FaultCounts = Record<string, number>;

export function countFault(counts: FaultCounts, kind: string): void {
  counts[kind] = (counts[kind] ?? 0) + 1;
}
