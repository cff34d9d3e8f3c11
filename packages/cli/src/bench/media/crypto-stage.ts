/**
 * The crypto stage of `d2v bench media`: encrypt and decrypt throughput of @d2v/media's streams with an in-memory
 * source and sink, each round against `openssl speed -elapsed -evp aes-256-gcm` (16 KB blocks) run right before
 * it, so both sides of every ratio are measured on the same machine at nearly the same moment.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Keyring, createDecryptStream, createEncryptStream, generateKek } from '@d2v/media';
import { median } from './measure';

/**
 * openssl's AES-256-GCM figure for 16 KB blocks, in bytes per second (null when openssl is unavailable).
 * `elapsed` divides by wall-clock time (openssl's -elapsed) instead of its default, user CPU time.
 */
export function opensslGcmBytesPerSecond(seconds: number, opts: { elapsed?: boolean } = {}): number | null {
  const run = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8', timeout: (seconds * 8 + 30) * 1000 });
  const elapsed = opts.elapsed ? ['-elapsed'] : [];
  let result = run(['speed', ...elapsed, '-evp', 'aes-256-gcm', '-bytes', '16384', '-seconds', String(seconds)]);
  if (result.status !== 0) result = run(['speed', ...elapsed, '-evp', 'aes-256-gcm', '-seconds', String(seconds)]);
  if (result.status !== 0 || typeof result.stdout !== 'string') return null;
  const lines = result.stdout.split('\n');
  const header = lines.find((line) => line.startsWith('type'));
  const row = lines.find((line) => /^aes-256-gcm\s/i.test(line));
  if (!header || !row) return null;
  // Columns after the name are per block size ("16384 bytes"); figures are in 1000s of bytes per second.
  const sizes = [...header.matchAll(/(\d+) bytes/g)].map((m) => Number(m[1]));
  const figures = [...row.matchAll(/([\d.]+)k/g)].map((m) => Number(m[1]));
  const column = sizes.indexOf(16384);
  const figure = figures[column];
  return column >= 0 && figure !== undefined ? figure * 1000 : null;
}

export interface CryptoRound {
  /** openssl speed, 16 KB blocks, bytes per wall-clock second (-elapsed); null if openssl is unavailable. */
  openssl: number | null;
  /** Ours, bytes per wall-clock second: what the ratios use. */
  encryptPerWall: number;
  decryptPerWall: number;
  /** Ours, bytes per second of this process's CPU time (user + system, GC helper threads included). */
  encryptPerCpu: number;
  decryptPerCpu: number;
}

export interface CryptoMeasurement {
  rounds: CryptoRound[];
  /** Medians over the rounds; ratios are medians of each round's ours / openssl. */
  encryptPerWall: number;
  decryptPerWall: number;
  encryptPerCpu: number;
  decryptPerCpu: number;
  openssl: number | null;
  encryptRatio: number | null;
  decryptRatio: number | null;
}

/**
 * Encrypt and decrypt throughput with an in-memory source and sink, against `openssl speed -elapsed -evp
 * aes-256-gcm` run right before each round: both sides of every ratio are wall-clock throughput measured on the
 * same machine at nearly the same moment, which keeps the ratio meaningful when other work shares the cores.
 * Per-CPU-second figures are kept beside them (they include V8's parallel GC threads, so they run lower than
 * wall-clock on an idle second core).
 *
 * The timed encrypt writes into a discarding sink (retaining its output would time allocation and GC, not AES).
 * The decrypt replays one ciphertext of at most 4 MB through fresh decryptors: holding more ciphertext makes V8
 * collect garbage more often than a real upload or download ever does (32 MB held already costs a quarter of
 * the encrypt throughput on this machine), and that is not what this measures.
 */
export async function measureCrypto(opts: { bytesPerRound: number; segmentSize: number; rounds: number; opensslSeconds: number }): Promise<CryptoMeasurement> {
  const { bytesPerRound, segmentSize, rounds: roundCount, opensslSeconds } = opts;
  const keyring = new Keyring(generateKek('bench'));
  const pool = randomBytes(16 * 1024 * 1024);
  const chunkSize = 64 * 1024;
  function* plaintext(bytes: number): Generator<Buffer> {
    for (let at = 0; at < bytes; at += chunkSize) {
      const offset = at % pool.length;
      yield pool.subarray(offset, offset + Math.min(chunkSize, bytes - at));
    }
  }
  const discard = () => new Writable({ highWaterMark: 1024 * 1024, write(_chunk: Buffer, _e, cb) { cb(); } });
  const measure = async (run: () => Promise<void>): Promise<{ wall: number; cpu: number }> => {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await run();
    const cpu = process.cpuUsage(cpuBefore);
    return { wall: (performance.now() - started) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };

  const sampleBytes = Math.min(bytesPerRound, 4 * 1024 * 1024);
  const replays = Math.ceil(bytesPerRound / sampleBytes);
  const decryptedBytes = replays * sampleBytes;
  const ciphertext: Buffer[] = [];
  const maker = createEncryptStream(keyring, { segmentSize });
  await pipeline(Readable.from(plaintext(sampleBytes)), maker.stream, new Writable({ write(chunk: Buffer, _e, cb) { ciphertext.push(chunk); cb(); } }));
  // Warm-up: JIT and OpenSSL initialisation are not what we want to time.
  await pipeline(Readable.from(plaintext(sampleBytes)), createEncryptStream(keyring, { segmentSize }).stream, discard());

  const rounds: CryptoRound[] = [];
  for (let round = 0; round < roundCount; round++) {
    const openssl = opensslGcmBytesPerSecond(opensslSeconds, { elapsed: true });
    const encrypted = await measure(async () => {
      await pipeline(Readable.from(plaintext(bytesPerRound)), createEncryptStream(keyring, { segmentSize }).stream, discard());
    });
    const decrypted = await measure(async () => {
      for (let replay = 0; replay < replays; replay++) await pipeline(Readable.from(ciphertext), createDecryptStream(keyring), discard());
    });
    rounds.push({
      openssl,
      encryptPerCpu: bytesPerRound / encrypted.cpu,
      decryptPerCpu: decryptedBytes / decrypted.cpu,
      encryptPerWall: bytesPerRound / encrypted.wall,
      decryptPerWall: decryptedBytes / decrypted.wall,
    });
  }
  ciphertext.length = 0;
  const withOpenssl = rounds.filter((r): r is CryptoRound & { openssl: number } => r.openssl !== null);
  return {
    rounds,
    encryptPerCpu: median(rounds.map((r) => r.encryptPerCpu)),
    decryptPerCpu: median(rounds.map((r) => r.decryptPerCpu)),
    encryptPerWall: median(rounds.map((r) => r.encryptPerWall)),
    decryptPerWall: median(rounds.map((r) => r.decryptPerWall)),
    openssl: withOpenssl.length ? median(withOpenssl.map((r) => r.openssl)) : null,
    encryptRatio: withOpenssl.length ? median(withOpenssl.map((r) => r.encryptPerWall / r.openssl)) : null,
    decryptRatio: withOpenssl.length ? median(withOpenssl.map((r) => r.decryptPerWall / r.openssl)) : null,
  };
}
