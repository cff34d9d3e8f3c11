/** Shared fixtures for the adapter tests: temp directories, databases that close after each test, a fake clock. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDatabase } from '../../src/adapters';

export interface TempWorkspace {
  dir: string;
  dbFile: string;
  /** Opens (another connection to) the workspace's database; closed by `dispose`. */
  openDb(): LocalDatabase;
  dispose(): void;
}

export function tempWorkspace(): TempWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'd2v-adapters-'));
  const dbFile = join(dir, 'db', 'local.sqlite');
  const opened: LocalDatabase[] = [];
  return {
    dir,
    dbFile,
    openDb() {
      const db = new LocalDatabase({ file: dbFile });
      opened.push(db);
      return db;
    },
    dispose() {
      for (const db of opened) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock the test moves by hand (starts at a fixed instant). */
export class FakeClock {
  constructor(private current = Date.parse('2025-01-01T00:00:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** Polls `condition` on real time until it holds (or fails the test after `timeoutMs`). */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise the test resolves when it decides to. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A pino-compatible log that keeps what it is told. */
export function capturingLog(): { log: AdapterLogLike; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, fields, message });
    };
  return { log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, entries };
}

type AdapterLogLike = Record<LogEntry['level'], (fields: Record<string, unknown>, message: string) => void>;
