/**
 * Running README commands as a newcomer would: through bash, from the repository's root, with only what keeps
 * runs apart added to the environment (a data dir of the test's own, a free port).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with bash to its end (killed, and failing, after `timeoutMs`). */
export function runToEnd(command: string, opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      reject(new Error(`\`${command}\` did not end within ${opts.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs a command that serves until stopped: waits for `ready` in its output, then presses Ctrl-C (SIGINT to the
 * process group, as a terminal does) and waits for it to exit.
 */
export function serveThenInterrupt(command: string, ready: RegExp, opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Ran & { readyAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('bash', ['-c', command], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let readyAfterMs = -1;
    const check = () => {
      if (readyAfterMs < 0 && ready.test(stdout + stderr)) {
        readyAfterMs = Date.now() - started;
        killGroup(child.pid, 'SIGINT');
      }
    };
    child.stdout.on('data', (b: Buffer) => ((stdout += b.toString()), check()));
    child.stderr.on('data', (b: Buffer) => ((stderr += b.toString()), check()));
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      reject(new Error(`\`${command}\` never printed ${ready} within ${opts.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (readyAfterMs < 0) reject(new Error(`\`${command}\` exited (${code}) before printing ${ready}\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr, readyAfterMs });
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Quotes `text` for a single-quoted bash word. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
