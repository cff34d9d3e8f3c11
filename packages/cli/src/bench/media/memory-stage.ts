/**
 * The memory stage of `d2v bench media`: the peak RSS of a fresh Node process encrypting and decrypting a small
 * and a large file through @d2v/media's streams, whose difference shows whether memory grows with the input (it
 * must not: the streams hold one segment). Each measurement runs in its own child so that one run's heap cannot
 * inflate the next; the child loads the compiled package, since it cannot load the TypeScript sources.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MB } from './measure';
import { TARGETS, type MediaBenchReport } from './report';

/** The script each RSS child runs: encrypt a file to a file, decrypt it back, report peak RSS. */
const RSS_CHILD_SCRIPT = `
const [entry, input, work] = process.argv.slice(1);
const media = require(entry);
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
(async () => {
  const keyring = new media.Keyring(media.generateKek('bench'));
  const enc = path.join(work, 'rss.enc');
  const dec = path.join(work, 'rss.dec');
  const encryptor = media.createEncryptStream(keyring);
  await pipeline(fs.createReadStream(input), encryptor.stream, fs.createWriteStream(enc));
  await encryptor.result;
  await pipeline(fs.createReadStream(enc), media.createDecryptStream(keyring), fs.createWriteStream(dec));
  if (fs.statSync(dec).size !== fs.statSync(input).size) throw new Error('round trip size mismatch');
  fs.rmSync(enc); fs.rmSync(dec);
  // VmHWM belongs to this address space; ru_maxrss (resourceUsage().maxRSS) survives exec on Linux and would
  // report the parent's peak instead.
  let peakKb = process.resourceUsage().maxRSS;
  try { peakKb = Number(/VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); } catch {}
  process.stdout.write(JSON.stringify({ maxRssKb: peakKb }));
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

/** The compiled @d2v/media entry point (a child process cannot load the TypeScript sources). */
function compiledMediaEntry(): string {
  const packageJson = require.resolve('@d2v/media/package.json');
  const main = (JSON.parse(readFileSync(packageJson, 'utf8')) as { main?: string }).main ?? 'dist/index.js';
  const entry = join(dirname(packageJson), main);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build @d2v/media first (npm run build)`);
  return entry;
}

async function writeRandomFile(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    const block = randomBytes(1024 * 1024);
    for (let written = 0; written < bytes; written += block.length) {
      await handle.write(block, 0, Math.min(block.length, bytes - written));
      block.writeUInt32LE(written, 0); // not all blocks identical
    }
  } finally {
    await handle.close();
  }
}

async function childPeakRssMb(entry: string, input: string, work: string): Promise<number> {
  const child = spawn(process.execPath, ['-e', RSS_CHILD_SCRIPT, entry, input, work], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`RSS child failed: ${err.trim().split('\n')[0]}`);
  return (JSON.parse(out) as { maxRssKb: number }).maxRssKb / 1024;
}

export interface MemoryStageOptions {
  smallMb: number;
  largeMb: number;
  /** Scratch directory for the inputs (the caller removes it). */
  work: string;
  /** ffmpeg's own peak RSS from the compression stage, reported beside ours. */
  ffmpegPeakRssMb: number | null;
  log: (line: string) => void;
}

/** Peak RSS on both inputs and its growth; a failure to measure is reported in the section, not thrown. */
export async function measureMemory(opts: MemoryStageOptions): Promise<MediaBenchReport['memory']> {
  const { smallMb, largeMb, work, log } = opts;
  const memory: MediaBenchReport['memory'] = {
    smallInputMb: smallMb,
    largeInputMb: largeMb,
    nodePeakRssSmallMb: null,
    nodePeakRssLargeMb: null,
    growthMb: null,
    ffmpegPeakRssMb: opts.ffmpegPeakRssMb,
    met: null,
  };
  try {
    log(`measuring peak RSS on ${smallMb} MB and ${largeMb} MB inputs…`);
    const entry = compiledMediaEntry();
    const small = join(work, 'rss-small.bin');
    const large = join(work, 'rss-large.bin');
    await writeRandomFile(small, smallMb * MB);
    await writeRandomFile(large, largeMb * MB);
    memory.nodePeakRssSmallMb = await childPeakRssMb(entry, small, work);
    memory.nodePeakRssLargeMb = await childPeakRssMb(entry, large, work);
    memory.growthMb = memory.nodePeakRssLargeMb - memory.nodePeakRssSmallMb;
    memory.met = memory.growthMb <= TARGETS.rssGrowthMaxMb;
  } catch (err) {
    memory.error = (err as Error).message;
  }
  return memory;
}
