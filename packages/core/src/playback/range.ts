/**
 * The `Range` request header (RFC 9110 §14): `bytes=a-b`, `bytes=a-` and the suffix form `bytes=-n`, for one
 * representation of `size` bytes. A pure function from header to decision, so its corner cases are unit-tested
 * without a server:
 *   - no header, another unit, or a header that does not parse → the whole representation (a server MAY ignore
 *     a Range it does not understand, §14.2; it must not fail the request for it);
 *   - `last-pos` past the end is clamped to the last byte; a suffix longer than the file means the whole file;
 *   - none of the ranges satisfiable (`first-pos` ≥ size, `-0`, anything on an empty file) → 416;
 *   - several ranges: those that overlap or touch are coalesced (§14.1.1 allows it); if one range is left it is
 *     served as a single-part 206, otherwise the whole representation is sent — one range per request is what
 *     players use, and a multipart/byteranges body is not worth its complexity here.
 */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const RANGE_SPEC = /^(\d*)-(\d*)$/;

/** Digits → a number; absurdly long positions saturate (they can only be past the end of any file). */
function position(digits: string): number {
  return digits.length > 15 ? Number.MAX_SAFE_INTEGER : Number(digits);
}

export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0) return { kind: 'full' };
  const satisfiable: { start: number; end: number }[] = [];
  for (const spec of specs) {
    const m = RANGE_SPEC.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
    if (m[1] === '') {
      const suffix = position(m[2]!);
      if (suffix > 0 && size > 0) satisfiable.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const first = position(m[1]!);
    const last = m[2] === '' ? Number.MAX_SAFE_INTEGER : position(m[2]!);
    // last < first makes the whole header invalid (§14.1.1): ignore it.
    if (last < first) return { kind: 'full' };
    if (first < size) satisfiable.push({ start: first, end: Math.min(last, size - 1) });
  }
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  satisfiable.sort((a, b) => a.start - b.start);
  const merged = [satisfiable[0]!];
  for (const next of satisfiable.slice(1)) {
    const current = merged[merged.length - 1]!;
    if (next.start <= current.end + 1) current.end = Math.max(current.end, next.end);
    else merged.push({ ...next });
  }
  if (merged.length > 1) return { kind: 'full' };
  const only = merged[0]!;
  return { kind: 'partial', start: only.start, end: only.end };
}

/** `Content-Range` of a 206 (`bytes a-b/size`) or of a 416 (`bytes *\/size`). */
export function contentRange(size: number, range?: { start: number; end: number }): string {
  return range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}
