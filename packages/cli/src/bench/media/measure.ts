/**
 * Measuring helpers the benchmark's stages share: wall and CPU time of a run (children's CPU read from /proc, since
 * CPU time is what a busy shared machine distorts least), medians, and the rounding and units the report uses.
 * Kept in one module so every stage measures the same way and the ratios they print compare like with like.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const MB = 1024 * 1024;
export const round2 = (n: number): number => Math.round(n * 100) / 100;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * CPU seconds of this process's exited children (cutime + cstime in /proc/self/stat; libuv reaps every child).
 * CPU time is what a busy 2-core machine distorts least, so it is reported next to wall time. Null off Linux.
 */
function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
    const ticksPerSecond = 100; // USER_HZ on every Linux architecture Node supports
    return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
  } catch {
    return null;
  }
}

export interface RunTiming {
  wallSeconds: number;
  /** ffmpeg/ffprobe CPU (+ this process's own CPU for our compress); null where it cannot be read. */
  cpuSeconds: number | null;
}

/** Times `run`, counting CPU of children it waited for and, if `includeSelf`, of this process. */
export async function timed(run: () => Promise<void>, includeSelf: boolean): Promise<RunTiming> {
  const childrenBefore = childrenCpuSeconds();
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  const wallSeconds = (performance.now() - started) / 1000;
  const self = process.cpuUsage(selfBefore);
  const childrenAfter = childrenCpuSeconds();
  const cpuSeconds =
    childrenBefore === null || childrenAfter === null
      ? null
      : childrenAfter - childrenBefore + (includeSelf ? (self.user + self.system) / 1e6 : 0);
  return { wallSeconds, cpuSeconds };
}
