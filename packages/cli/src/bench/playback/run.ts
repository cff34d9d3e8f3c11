/**
 * `d2v bench playback`: what a seeking player costs, on a large synthetic encrypted video (100 MB by default),
 * every figure a ratio against a baseline measured in the same run:
 *
 *   decrypt stage (the media port over a file read by range, as FileBlobStore reads it):
 *     - bytes decrypted per seek ÷ bytes requested, for short ranges at random offsets and for the tail;
 *     - ciphertext bytes read per seek ÷ bytes requested;
 *     - a whole-file decrypt (the baseline) and what a tail seek decrypts ÷ the file's size;
 *   HTTP stage (the real playback service and HTTP surface over SQLite documents and file blobs, fetched over
 *   loopback with a bearer token, exactly as the local stack serves it):
 *     - time to first byte of a seek near the end ÷ time to fetch the whole file;
 *     - time to first byte near the end ÷ time to first byte at the start (should be ~1: a seek costs no more
 *       than starting to play).
 * Timings never fail the command; targets are reported as met / not met.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createPlayback, createPlaybackHttp, sendHttpAnswer, silentLogger, type ByteRange, type CiphertextSource } from '@d2v/core';
import { FileBlobStore, LocalDatabase, SqliteDocumentStore } from '@d2v/local';
import { Keyring, createMedia, generateKek } from '@d2v/media';
import { blobPaths, docPaths, type EncryptionInfo } from '@d2v/schema';
import { median } from '../media/measure';
import { PLAYBACK_TARGETS, type PlaybackBenchReport, type SeekSample } from './report';

export interface PlaybackBenchOptions {
  quick?: boolean;
  /** Plaintext size of the synthetic video (default 100 MB; 8 MB with quick). */
  sizeMb?: number;
  /** Random short seeks measured (default 50; 10 with quick). */
  seeks?: number;
  /** Bytes each short seek asks for (default 256 KiB, about what a player reads after a seek). */
  seekBytes?: number;
  /** Repeats of each timed HTTP measurement, medians reported (default 9; 3 with quick). */
  repeats?: number;
  log?: (line: string) => void;
}

const MB = 1024 * 1024;
const UID = 'bench-user';
const REQUEST = 'bench-video';
const TOKEN = 'bench-token';
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Synthetic plaintext, written chunk by chunk (never held whole); its sha256 to check the reads. */
async function writeSynthetic(file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const pool = randomBytes(4 * MB);
  let produced = 0;
  const source = new Readable({
    read() {
      if (produced >= bytes) return void this.push(null);
      const n = Math.min(MB, bytes - produced);
      const chunk = pool.subarray(produced % pool.length, (produced % pool.length) + n);
      const piece = chunk.length === n ? chunk : Buffer.concat([chunk, pool.subarray(0, n - chunk.length)]);
      hash.update(piece);
      produced += n;
      this.push(piece);
    },
  });
  await pipeline(source, createWriteStream(file));
  return hash.digest('hex');
}

async function drainCounting(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

/** Fetches `range` (or the whole file); times to the response head, the first body byte and the end. */
async function timedFetch(url: string, range?: string): Promise<{ status: number; ttfbMs: number; totalMs: number; bytes: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}`, ...(range ? { range } : {}) } });
  const reader = res.body!.getReader();
  let bytes = 0;
  let ttfbMs = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes === 0) ttfbMs = performance.now() - started;
    bytes += value.length;
  }
  return { status: res.status, ttfbMs, totalMs: performance.now() - started, bytes };
}

export async function runPlaybackBenchmark(opts: PlaybackBenchOptions = {}): Promise<PlaybackBenchReport> {
  const log = opts.log ?? (() => undefined);
  const quick = opts.quick === true;
  const size = Math.round((opts.sizeMb ?? (quick ? 8 : 100)) * MB);
  const seekCount = opts.seeks ?? (quick ? 10 : 50);
  const seekBytes = opts.seekBytes ?? 256 * 1024;
  const repeats = opts.repeats ?? (quick ? 3 : 9);
  const work = await mkdtemp(join(tmpdir(), 'd2v-bench-playback-'));
  const keyring = new Keyring(generateKek('bench'));
  const media = createMedia({ keyring });
  let server: Server | undefined;
  let db: LocalDatabase | undefined;
  try {
    const load = [loadavg()[0]!];
    log(`writing ${Math.round(size / MB)} MB of synthetic plaintext and encrypting it`);
    const plainFile = join(work, 'video.mp4');
    const plainSha = await writeSynthetic(plainFile, size);
    const encFile = join(work, 'video.enc');
    const sealed = media.encrypt(createReadStream(plainFile));
    await pipeline(sealed.stream, createWriteStream(encFile));
    const enc = await sealed.result;
    await rm(plainFile);
    const encryption: EncryptionInfo = { scheme: enc.scheme, keyId: enc.keyId, wrappedKey: enc.wrappedKey, segmentSize: enc.segmentSize, plaintextBytes: enc.plaintextBytes };
    const source: CiphertextSource = {
      size: (await stat(encFile)).size,
      read: (r: ByteRange) => createReadStream(encFile, { start: r.start, end: r.end }),
    };

    // ---- decrypt stage: what a read decrypts, from the media port's own counters.
    log('decrypt stage: whole file, then seeks');
    const video = await media.openEncrypted(source, { ...encryption });
    const wholeStarted = performance.now();
    const whole = video.read();
    const wholeHash = createHash('sha256');
    for await (const chunk of whole.stream) wholeHash.update(chunk as Buffer);
    const wholeMs = performance.now() - wholeStarted;
    if (wholeHash.digest('hex') !== plainSha) throw new Error('the whole-file decrypt does not match the plaintext');
    const samples: SeekSample[] = [];
    const seek = async (kind: SeekSample['kind'], start: number, end: number): Promise<void> => {
      const { stream, stats } = video.read({ start, end });
      const started = performance.now();
      const got = await drainCounting(stream);
      samples.push({ kind, start, requested: end - start + 1, received: got, decrypted: stats.bytesDecrypted, ciphertextRead: stats.ciphertextBytesRead, segments: stats.segments, ms: performance.now() - started });
    };
    for (let i = 0; i < seekCount; i++) {
      const start = Math.floor(Math.random() * (size - seekBytes));
      await seek('random', start, start + seekBytes - 1);
    }
    await seek('tail', size - seekBytes, size - 1);
    await seek('last byte', size - 1, size - 1);
    if (samples.some((s) => s.received !== s.requested)) throw new Error('a seek returned the wrong number of bytes');
    const random = samples.filter((s) => s.kind === 'random');
    const tail = samples.find((s) => s.kind === 'tail')!;

    // ---- HTTP stage: the real service over SQLite + file blobs, fetched over loopback.
    log('HTTP stage: time to first byte near the end vs the whole file');
    db = new LocalDatabase({ file: join(work, 'd2v.sqlite') });
    const store = new SqliteDocumentStore({ db });
    const blobs = new FileBlobStore({ db, rootDir: join(work, 'blobs'), publicBaseUrl: 'http://127.0.0.1', signingSecret: 'bench-signing-secret-0123456789' });
    const videoPath = blobPaths.encryptedVideo(UID, REQUEST);
    await blobs.uploadFile(videoPath, encFile, { contentType: 'application/octet-stream' });
    await rm(encFile);
    await store.runTransaction(async (tx) =>
      tx.set(docPaths.videoRequest(UID, REQUEST), {
        uid: UID, requestId: REQUEST, state: 'ready',
        outputs: { videoPath, posterPath: blobPaths.poster(UID, REQUEST), bytes: source.size, durationMs: 1, width: 1, height: 1, encryption },
      }),
    );
    let base = '';
    const ports = { store, blobs, media, log: silentLogger };
    const http = createPlaybackHttp({
      playback: createPlayback(ports),
      authenticate: async (token) => (token === TOKEN ? UID : null),
      linkSecret: randomBytes(32),
      publicBaseUrl: () => base,
      clock: { now: () => Date.now() },
      log: silentLogger,
    });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      void http
        .answer({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers })
        .then((answer) => (answer ? sendHttpAnswer(res, answer, silentLogger) : void res.writeHead(404).end()));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = `${base}/v1/requests/${REQUEST}/video`;
    await timedFetch(url, 'bytes=0-0'); // warm-up: JIT, first SQLite statements
    const wholeFetch: number[] = [];
    const ttfbEnd: number[] = [];
    const ttfbStart: number[] = [];
    const nearEnd = size - 2 * MB;
    for (let i = 0; i < repeats; i++) {
      const full = await timedFetch(url);
      if (full.status !== 200 || full.bytes !== size) throw new Error(`the whole-file fetch answered ${full.status} with ${full.bytes} bytes`);
      wholeFetch.push(full.totalMs);
      const end = await timedFetch(url, `bytes=${nearEnd}-`);
      if (end.status !== 206 || end.bytes !== size - nearEnd) throw new Error(`the seek near the end answered ${end.status} with ${end.bytes} bytes`);
      ttfbEnd.push(end.ttfbMs);
      ttfbStart.push((await timedFetch(url, 'bytes=0-')).ttfbMs);
    }
    load.push(loadavg()[0]!);

    const report: PlaybackBenchReport = {
      mode: opts.sizeMb || opts.seeks ? 'custom' : quick ? 'quick' : 'full',
      machine: { cores: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version, loadAverage: { start: round3(load[0]!), end: round3(load[1]!) } },
      file: { plaintextBytes: size, ciphertextBytes: source.size, segmentSize: video.segmentSize, headerBytesRead: video.headerBytesRead },
      decrypt: {
        wholeMs: round3(wholeMs),
        wholeMBps: round3(size / MB / (wholeMs / 1000)),
        seekBytes,
        seeks: samples.length,
        decryptedPerRequested: { median: round3(median(random.map((s) => s.decrypted / s.requested))), max: round3(Math.max(...random.map((s) => s.decrypted / s.requested))) },
        readPerRequested: { median: round3(median(random.map((s) => s.ciphertextRead / s.requested))), max: round3(Math.max(...random.map((s) => s.ciphertextRead / s.requested))) },
        segmentsPerSeek: { median: median(random.map((s) => s.segments)), max: Math.max(...random.map((s) => s.segments)) },
        tailDecryptedOfFile: tail.decrypted / size,
        lastByteDecrypted: samples.find((s) => s.kind === 'last byte')!.decrypted,
        seekMsMedian: round3(median(random.map((s) => s.ms))),
        samples,
      },
      http: {
        repeats,
        wholeFetchMs: round3(median(wholeFetch)),
        ttfbNearEndMs: round3(median(ttfbEnd)),
        ttfbStartMs: round3(median(ttfbStart)),
        // Medians of each repeat's own ratio: the three fetches of a repeat run back to back, so they share
        // whatever else the machine is doing at that moment.
        ttfbNearEndOfWhole: round3(median(ttfbEnd.map((t, i) => t / wholeFetch[i]!))),
        ttfbNearEndOfStart: round3(median(ttfbEnd.map((t, i) => t / ttfbStart[i]!))),
      },
      targets: [],
    };
    report.targets = PLAYBACK_TARGETS.map((t) => ({ name: t.name, target: t.describe, value: t.value(report), met: t.met(report) }));
    return report;
  } finally {
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    db?.close();
    await rm(work, { recursive: true, force: true });
  }
}
