/**
 * The schema layer of request validation, as Luma's FastAPI/pydantic front does it: wrong JSON types, missing
 * required fields and values outside an enum are collected per field and answered together as one 422 with a list
 * of field errors in pydantic's wording. Shared by every endpoint's validator (validation-*.ts), which read their
 * bodies through it before applying Luma's own rules.
 */
import { FieldError, unprocessable } from './types';

export type Loc = (string | number)[];
export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
/** pydantic treats an explicit null like an absent optional field. */
export const isAbsent = (v: unknown) => v === undefined || v === null;
const quoteList = (values: readonly string[]) =>
  values.length === 1
    ? `'${values[0]}'`
    : `${values.slice(0, -1).map((v) => `'${v}'`).join(', ')} or '${values[values.length - 1]}'`;

/** Collects every schema problem of a body, as FastAPI does, then throws them all as one 422. */
export class SchemaErrors {
  readonly list: FieldError[] = [];

  add(type: string, loc: Loc, msg: string, input: unknown, ctx?: Record<string, unknown>): undefined {
    const error: FieldError = { type, loc: ['body', ...loc], msg, input };
    if (ctx) error.ctx = ctx;
    this.list.push(error);
    return undefined;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw unprocessable(this.list);
  }

  optionalString(obj: JsonObject, key: string, loc: Loc = []): string | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'string') return this.add('string_type', [...loc, key], 'Input should be a valid string', v);
    return v;
  }

  requiredString(obj: JsonObject, key: string, loc: Loc = []): string | undefined {
    if (isAbsent(obj[key])) return this.add('missing', [...loc, key], 'Field required', obj);
    return this.optionalString(obj, key, loc);
  }

  optionalBoolean(obj: JsonObject, key: string, loc: Loc = []): boolean | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'boolean') return this.add('bool_type', [...loc, key], 'Input should be a valid boolean', v);
    return v;
  }

  optionalNumber(obj: JsonObject, key: string, loc: Loc = []): number | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return this.add('float_type', [...loc, key], 'Input should be a valid number', v);
    }
    return v;
  }

  /** Integers as pydantic takes them: whole numbers only (2.0 is fine, 2.5 is not). */
  optionalInteger(obj: JsonObject, key: string, loc: Loc = []): number | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return this.add('int_type', [...loc, key], 'Input should be a valid integer', v);
    }
    if (!Number.isInteger(v)) {
      return this.add('int_from_float', [...loc, key], 'Input should be a valid integer, got a number with a fractional part', v);
    }
    return v;
  }

  requiredObject(obj: JsonObject, key: string, loc: Loc = []): JsonObject | undefined {
    if (isAbsent(obj[key])) return this.add('missing', [...loc, key], 'Field required', obj);
    return this.optionalObject(obj, key, loc);
  }

  optionalObject(obj: JsonObject, key: string, loc: Loc = []): JsonObject | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (!isObject(v)) return this.add('dict_type', [...loc, key], 'Input should be a valid dictionary', v);
    return v;
  }

  optionalArray(obj: JsonObject, key: string, loc: Loc = []): unknown[] | undefined {
    const v = obj[key];
    if (isAbsent(v)) return undefined;
    if (!Array.isArray(v)) return this.add('list_type', [...loc, key], 'Input should be a valid list', v);
    return v;
  }

  requiredEnum<T extends string>(obj: JsonObject, key: string, values: readonly T[], loc: Loc = []): T | undefined {
    const v = obj[key];
    if (isAbsent(v)) return this.add('missing', [...loc, key], 'Field required', obj);
    if (typeof v !== 'string' || !values.includes(v as T)) {
      const expected = quoteList(values);
      return this.add('enum', [...loc, key], `Input should be ${expected}`, v, { expected });
    }
    return v as T;
  }

  /** The follow-up endpoints' `generation_type` (the SDK marks it required there). */
  requiredLiteral(obj: JsonObject, key: string, literal: string): void {
    if (isAbsent(obj[key])) {
      this.add('missing', [key], 'Field required', obj);
      return;
    }
    this.optionalLiteral(obj, key, literal);
  }

  /** `generation_type` is a literal on each endpoint: optional, but if present it must match. */
  optionalLiteral(obj: JsonObject, key: string, literal: string): void {
    const v = obj[key];
    if (isAbsent(v) || v === literal) return;
    this.add('literal_error', [key], `Input should be '${literal}'`, v, { expected: `'${literal}'` });
  }
}

/** The root of every body must be a JSON object (FastAPI's wording for anything else). */
export function requireObjectBody(body: unknown): JsonObject {
  if (body === undefined) throw unprocessable([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  if (!isObject(body)) {
    throw unprocessable([
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: body,
      },
    ]);
  }
  return body;
}
