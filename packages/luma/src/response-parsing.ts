/**
 * A 2xx answer's body → the zod schema's output, or a LumaError (`invalid_response`) that says what was wrong:
 * not JSON, or which fields did not match (at most three named).
 */
import type { z } from 'zod';
import { invalidResponseError, type RequestLabel } from './error-mapping';

export function parseBody(schema: z.ZodType, bodyText: string, label: RequestLabel, status: number): unknown {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch (cause) {
    const snippet = bodyText.trim() === '' ? 'an empty body' : `not JSON: ${bodyText.slice(0, 120)}`;
    throw invalidResponseError(label, status, snippet, cause);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw invalidResponseError(label, status, describeZodIssues(result.error), result.error);
  return result.data;
}

function describeZodIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length > shown.length ? ` (+${error.issues.length - shown.length} more)` : '';
  return shown.join('; ') + more;
}
