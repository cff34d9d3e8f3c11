/**
 * A walk over the top-level boxes of an ISO base media file (MP4 / MOV / 3GP), reading only box headers.
 * ffprobe happily reports a "+faststart" MP4 whose media data was cut off (the index at the front is intact), and
 * it reads any file named .mp4 with its MOV demuxer, so "not an MP4 at all" and "MP4 cut short" both need this
 * cheap structural check.
 */
import { open } from 'node:fs/promises';

export interface TopLevelBox {
  type: string;
  offset: number;
  size: number;
}

export type IsoBmffShape =
  /** The file does not start with a box header: it is not an ISO-BMFF file whatever its name says. */
  | { kind: 'not-isobmff' }
  /** Well-formed boxes up to a box that claims more bytes than the file has. */
  | { kind: 'truncated'; boxes: TopLevelBox[]; missingBytes: number }
  /** A box header in the middle of the file is nonsense (a size smaller than the header itself). */
  | { kind: 'malformed'; boxes: TopLevelBox[]; offset: number }
  /** Box headers tile the file exactly. */
  | { kind: 'complete'; boxes: TopLevelBox[] };

/** Box types that can legitimately open a QuickTime/ISO file (QuickTime files need not start with ftyp). */
const OPENING_BOX_TYPES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'styp', 'sidx', 'junk', 'pdin']);
/** Top-level boxes beyond which we stop looking (fragmented MP4s have one moof+mdat pair per fragment). */
const MAX_BOXES = 100_000;

function isBoxType(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte < 0x20 || byte > 0x7e) return false;
  return true;
}

export async function inspectIsoBmff(file: string): Promise<IsoBmffShape> {
  const handle = await open(file, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const header = Buffer.alloc(16);
    const boxes: TopLevelBox[] = [];
    let offset = 0;
    while (offset < fileSize && boxes.length < MAX_BOXES) {
      const { bytesRead } = await handle.read(header, 0, 16, offset);
      const typeBytes = header.subarray(4, 8);
      if (bytesRead < 8 || !isBoxType(typeBytes)) {
        if (boxes.length === 0) return { kind: 'not-isobmff' };
        // Trailing bytes that are not a whole box header: the file was cut inside a header.
        return { kind: 'truncated', boxes, missingBytes: 8 - Math.min(bytesRead, 8) };
      }
      const type = typeBytes.toString('latin1');
      if (boxes.length === 0 && !OPENING_BOX_TYPES.has(type)) return { kind: 'not-isobmff' };
      let size = header.readUInt32BE(0);
      let headerSize = 8;
      if (size === 1) {
        if (bytesRead < 16) return { kind: 'truncated', boxes, missingBytes: 16 - bytesRead };
        size = Number(header.readBigUInt64BE(8));
        headerSize = 16;
      } else if (size === 0) {
        size = fileSize - offset; // "extends to the end of the file"
      }
      if (size < headerSize) {
        if (boxes.length === 0) return { kind: 'not-isobmff' };
        return { kind: 'malformed', boxes, offset };
      }
      boxes.push({ type, offset, size });
      if (offset + size > fileSize) return { kind: 'truncated', boxes, missingBytes: offset + size - fileSize };
      offset += size;
    }
    if (boxes.length === 0) return { kind: 'not-isobmff' };
    return { kind: 'complete', boxes };
  } finally {
    await handle.close();
  }
}
