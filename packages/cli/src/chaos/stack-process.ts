/**
 * The local stack as a child process of `d2v chaos`: the built CLI's `start --no-demo --json`, started, killed with
 * SIGKILL (no chance to hand anything back) and started again on the same data dir and port. The Luma simulator
 * lives in the parent, so its record of generations outlives every kill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ServeReady } from '../commands/start';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export class StackProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private errLog: WriteStream | undefined;
  /** How many times the stack was started. */
  starts = 0;
  current: ServeReady | undefined;

  constructor(
    private readonly mainJs: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the stack and resolves with its ready line (it has resumed what the last run left). */
  async start(): Promise<ServeReady> {
    if (this.child) throw new Error('the stack is already running');
    this.starts++;
    // Its own process group: a kill takes its ffmpeg children with it, as when the machine or container dies.
    const child = spawn(process.execPath, [this.mainJs, 'start', '--no-demo', '--json'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.errLog = createWriteStream(join(this.logDir, `stack-${this.starts}.log`));
    child.stderr!.pipe(this.errLog);
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    const ready = await new Promise<ServeReady>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the stack did not start within ${READY_TIMEOUT_MS} ms (see ${this.logDir})`)), READY_TIMEOUT_MS);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (!line) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as ServeReady);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the stack exited before it was ready (${signal ?? `code ${code}`}; see ${this.logDir})`));
      });
    });
    this.current = ready;
    return ready;
  }

  /**
   * SIGKILL to the stack's process group (node and the ffmpeg it runs), and wait until the process is gone (its pid
   * reaped, so its data-dir lock reads as stale).
   */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    killGroup(child, 'SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  /** A graceful stop (SIGTERM), SIGKILL if it takes too long. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
    this.child = undefined;
    this.errLog?.end();
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}
