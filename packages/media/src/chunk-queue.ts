/**
 * Zero-copy byte plumbing for the encryption streams: a FIFO of incoming chunks that hands out byte ranges as
 * slices of the original buffers, and a helper that splits a segment's slices into body and GCM tag. Kept apart
 * from crypto.ts because it knows nothing of keys or the file format, only of buffers; it is what lets a stream
 * hold at most one segment plus one incoming chunk without ever concatenating the bulk of the data.
 */

/** A FIFO of buffers that hands out byte ranges as slices of the original chunks (no copying). */
export class ChunkQueue {
  private chunks: Buffer[] = [];
  private head = 0; // offset into chunks[0]
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Removes the first `count` bytes and returns them as slices. */
  take(count: number): Buffer[] {
    const out: Buffer[] = [];
    let remaining = count;
    while (remaining > 0) {
      const first = this.chunks[0]!;
      const available = first.length - this.head;
      if (available <= remaining) {
        out.push(this.head === 0 ? first : first.subarray(this.head));
        this.chunks.shift();
        this.head = 0;
        remaining -= available;
      } else {
        out.push(first.subarray(this.head, this.head + remaining));
        this.head += remaining;
        remaining = 0;
      }
    }
    this.length -= count;
    return out;
  }

  /** A copy of the first `count` bytes, left in the queue (for small fields). */
  peek(count: number): Buffer {
    const out = Buffer.alloc(count);
    let at = 0;
    let offset = this.head;
    for (const chunk of this.chunks) {
      at += chunk.copy(out, at, offset, Math.min(chunk.length, offset + count - at));
      offset = 0;
      if (at === count) break;
    }
    return out;
  }

  /** Removes the first `count` bytes into one buffer (for small fields: headers, tags). */
  takeContiguous(count: number): Buffer {
    const parts = this.take(count);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, count);
  }
}

/** Splits slices `parts` (totalling `total` bytes) into the first `total - tail` bytes and the last `tail`. */
export function splitTail(parts: Buffer[], tail: number): { body: Buffer[]; tail: Buffer } {
  const last = parts[parts.length - 1];
  if (last && last.length >= tail) {
    // The usual case: the tag sits inside the last slice.
    const body = parts.slice(0, -1);
    if (last.length > tail) body.push(last.subarray(0, last.length - tail));
    return { body, tail: last.subarray(last.length - tail) };
  }
  const queue = new ChunkQueue();
  let total = 0;
  for (const part of parts) {
    queue.push(part);
    total += part.length;
  }
  const body = queue.take(total - tail);
  return { body, tail: queue.takeContiguous(tail) };
}
