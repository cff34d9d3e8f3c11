/**
 * Validation of the list endpoint's query string (`GET /generations?limit=&offset=`): integers or a 422 in
 * FastAPI's wording, limit clamped to Luma's 1..1000. Query parameters arrive as strings (or arrays of them), so
 * this does not go through the JSON-body schema layer.
 */
import { FieldError, unprocessable } from './types';

/** `limit`/`offset` of the list endpoint: integers (422 otherwise), limit clamped to 1..1000. */
export function validateListQuery(query: Record<string, unknown>): { limit: number; offset: number } {
  const errors: FieldError[] = [];
  const parse = (key: 'limit' | 'offset', fallback: number, min: number): number => {
    const raw = query[key];
    if (raw === undefined || raw === '') return fallback;
    const text = Array.isArray(raw) ? String(raw[raw.length - 1]) : String(raw);
    if (!/^-?\d+$/.test(text)) {
      errors.push({
        type: 'int_parsing',
        loc: ['query', key],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: text,
      });
      return fallback;
    }
    const n = Number(text);
    if (n < min) {
      errors.push({
        type: 'greater_than_equal',
        loc: ['query', key],
        msg: `Input should be greater than or equal to ${min}`,
        input: text,
        ctx: { ge: min },
      });
    }
    return n;
  };
  const limit = parse('limit', 100, 1);
  const offset = parse('offset', 0, 0);
  if (errors.length > 0) throw unprocessable(errors);
  return { limit: Math.min(limit, 1000), offset };
}
