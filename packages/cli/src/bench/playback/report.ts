/**
 * The shape of a `d2v bench playback` report and the targets it is judged by. Kept apart from the run so the
 * formatter and the tests depend on the shape, not on how it was measured.
 */
export interface SeekSample {
  kind: 'random' | 'tail' | 'last byte';
  start: number;
  requested: number;
  received: number;
  /** Plaintext bytes decrypted (whole segments), from the media port's counters. */
  decrypted: number;
  ciphertextRead: number;
  segments: number;
  ms: number;
}

export interface PlaybackBenchReport {
  mode: 'full' | 'quick' | 'custom';
  machine: { cores: number; cpu: string; node: string; loadAverage: { start: number; end: number } };
  file: { plaintextBytes: number; ciphertextBytes: number; segmentSize: number; headerBytesRead: number };
  decrypt: {
    /** The baseline: decrypting the whole file. */
    wholeMs: number;
    wholeMBps: number;
    seekBytes: number;
    seeks: number;
    decryptedPerRequested: { median: number; max: number };
    readPerRequested: { median: number; max: number };
    segmentsPerSeek: { median: number; max: number };
    /** What a seek to the last `seekBytes` decrypts, as a fraction of the file. */
    tailDecryptedOfFile: number;
    lastByteDecrypted: number;
    seekMsMedian: number;
    samples: SeekSample[];
  };
  http: {
    repeats: number;
    wholeFetchMs: number;
    ttfbNearEndMs: number;
    ttfbStartMs: number;
    /** Time to first byte of a seek near the end ÷ time to fetch the whole file (median of per-repeat ratios). */
    ttfbNearEndOfWhole: number;
    /** … ÷ time to first byte at the start. */
    ttfbNearEndOfStart: number;
  };
  targets: { name: string; target: string; value: number; met: boolean }[];
}

interface Target {
  name: string;
  describe: string;
  value(r: PlaybackBenchReport): number;
  met(r: PlaybackBenchReport): boolean;
}

export const PLAYBACK_TARGETS: Target[] = [
  {
    name: 'bytes decrypted per seek ÷ bytes requested (max)',
    // A range touches at most one partial segment at each end.
    describe: '≤ 1 + 2 × segment ÷ request',
    value: (r) => r.decrypt.decryptedPerRequested.max,
    met: (r) => r.decrypt.decryptedPerRequested.max <= 1 + (2 * r.file.segmentSize) / r.decrypt.seekBytes,
  },
  {
    // Nothing of the file before the range is touched: for a 100 MB file and 256 KiB that is ~0.4 %.
    name: 'a seek to the tail decrypts, of the file',
    describe: '≤ (request + 2 × segment) ÷ file',
    value: (r) => r.decrypt.tailDecryptedOfFile,
    met: (r) => r.decrypt.tailDecryptedOfFile <= (r.decrypt.seekBytes + 2 * r.file.segmentSize) / r.file.plaintextBytes,
  },
  {
    name: 'time to first byte near the end ÷ whole-file fetch',
    describe: '< 0.1',
    value: (r) => r.http.ttfbNearEndOfWhole,
    met: (r) => r.http.ttfbNearEndOfWhole < 0.1,
  },
  {
    name: 'time to first byte near the end ÷ at the start',
    describe: '≤ 2',
    value: (r) => r.http.ttfbNearEndOfStart,
    met: (r) => r.http.ttfbNearEndOfStart <= 2,
  },
];
