/**
 * One local stack per data dir. The stack's crash recovery rests on it: at start, everything an earlier
 * incarnation left in flight (leases, task and outbox rows) is known to be dead and is resumed at once — true only
 * if no other process is working on the same files. A second `npm start` on the same dir refuses with a sentence.
 *
 * The lock is a file holding the owner's pid and incarnation. A lock whose process no longer exists (the stack was
 * killed) is stale and taken over; that check is what makes a restart after SIGKILL immediate, where a lock kept
 * fresh by touching it (proper-lockfile's approach) would make the restart wait for the lock to go stale.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'stack.lock';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data dir ${dataDir} is in use by another d2v local stack (pid ${pid}). Stop that one first, or give this one ` +
        'another directory with D2V_DATA_DIR.',
    );
  }
}

interface LockContent {
  pid: number;
  incarnation: string;
  startedAt: string;
}

/** Data dirs locked by stacks of this very process (a pid match alone cannot tell them from a stale lock). */
const lockedHere = new Set<string>();

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

export function lockDataDir(dataDir: string, incarnation: string): DataDirLock {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  const content: LockContent = { pid: process.pid, incarnation, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(content));
      } finally {
        closeSync(fd);
      }
      lockedHere.add(dir);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          lockedHere.delete(dir);
          // Only our own lock: never remove one another process took over meanwhile.
          if (readLock(file)?.incarnation === incarnation) rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(file);
    if (holder && holderIsAlive(holder, dir)) throw new DataDirLockedError(dir, holder.pid);
    // Stale (its process is gone) or unreadable (a crash while writing it): take it over.
    rmSync(file, { force: true });
  }
  throw new Error(`could not lock the data dir ${dir}: its lock file keeps changing`);
}

function readLock(file: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' && typeof parsed.incarnation === 'string' ? (parsed as LockContent) : null;
  } catch {
    return null;
  }
}

function holderIsAlive(holder: LockContent, dir: string): boolean {
  if (holder.pid === process.pid) return lockedHere.has(dir);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
