/**
 * How the draft commands (`d2v prompt`, `d2v script`) answer: JSON on stdout, and an exit code that says whose
 * problem it was. Shared by the commands, owned by none.
 */
import { PipelineError } from '@d2v/schema';

/** Exit codes: 0 ok, 1 something broke on our side, 2 the draft (or the command line) cannot be used. */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_UNUSABLE = 2;

export interface Output {
  write(text: string): void;
  exit(code: number): void;
}

export interface OutputDeps {
  /** Where output goes; default stdout. */
  write?: (text: string) => void;
  /** How the exit code is reported; default `process.exitCode`. */
  setExitCode?: (code: number) => void;
}

export function outputOf(deps: OutputDeps): Output {
  return {
    write: deps.write ?? ((text) => void process.stdout.write(text)),
    exit: deps.setExitCode ?? ((code) => void (process.exitCode = code)),
  };
}

/** A mistake in how the command was used (an argument, a missing data dir): exit 2 with its own code. */
export class CommandUsageError extends Error {
  override readonly name = 'CommandUsageError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Prints the error as the last line and sets the exit code (2 for a problem with the input, 1 otherwise). */
export function reportError(out: Output, e: unknown): void {
  if (e instanceof PipelineError || e instanceof CommandUsageError) {
    out.write(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
    out.exit(EXIT_UNUSABLE);
    return;
  }
  out.write(`${JSON.stringify({ error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } })}\n`);
  out.exit(EXIT_INTERNAL);
}

/**
 * Runs a command body and returns its exit code: whatever it throws is reported as the last line. The body calls
 * `out.exit(EXIT_OK)` itself once it has printed its answer.
 */
export async function runReporting(deps: OutputDeps, body: (out: Output) => Promise<void>): Promise<number> {
  const out = outputOf(deps);
  let code = EXIT_OK;
  const tracking: Output = { write: out.write, exit: (c) => ((code = c), out.exit(c)) };
  try {
    await body(tracking);
  } catch (e) {
    reportError(tracking, e);
  }
  return code;
}
