/**
 * Deterministic PRNG (mulberry32). Each fault kind draws from its own stream derived from the seed, so e.g.
 * turning on 5xx injection does not change which generations fail: runs stay comparable.
 */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream named `label` under `seed`: the same (seed, label) always yields the same sequence. */
export function namedStream(seed: number, label: string): Random {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (const ch of label) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mulberry32(h);
}
