/**
 * Checking a script the person edited: the one place the script's rules are applied to an input. Browser-safe
 * (no Node imports), so the web console's script editor validates live with exactly what the server runs — the
 * local API's `PUT /v1/scripts/{id}` and the core's video-from-script path (planFromScript) both parse here.
 */
import { PipelineError } from '@d2v/schema';
import { describeIssues } from './issues';
import { ScriptSchema, type Script } from './types';

export interface ScriptIssue {
  /** Where in the script, e.g. `['scenes', 1, 'durationMs']`; `[]` for the script as a whole. */
  path: (string | number)[];
  /** zod's issue code (`too_small`, `too_big`, `invalid_value`, `custom`…). */
  code: string;
  message: string;
}

export type ScriptCheck = { ok: true; script: Script } | { ok: false; issues: ScriptIssue[] };

/** Every problem of a script (none: the parsed script, defaults filled and descriptions trimmed). */
export function checkScript(input: unknown): ScriptCheck {
  const parsed = ScriptSchema.safeParse(input);
  if (parsed.success) return { ok: true, script: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), code: i.code, message: i.message })),
  };
}

/** The script, or INVALID_REQUEST with a sentence naming the first problems. */
export function parseScript(input: unknown): Script {
  const checked = checkScript(input);
  if (!checked.ok) throw new PipelineError('INVALID_REQUEST', `The script is not valid: ${describeIssues(checked.issues)}`);
  return checked.script;
}
