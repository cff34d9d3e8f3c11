/**
 * Values that go into the database as JSON must come back exactly as they went in. Anything JSON would
 * silently change (undefined, NaN, Infinity, Dates, class instances, Maps) is refused at write time with the
 * field path, the way Firestore refuses `undefined` — better a clear error locally than a surprise later.
 */

export interface EncodeOptions {
  /** Drop object properties whose value is `undefined` (Firestore's `ignoreUndefinedProperties`). */
  ignoreUndefinedProperties?: boolean;
}

export class UnsupportedValueError extends TypeError {
  override readonly name = 'UnsupportedValueError';
  constructor(
    readonly fieldPath: string,
    readonly reason: string,
  ) {
    super(`cannot store value at "${fieldPath || '<root>'}": ${reason}`);
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function check(value: unknown, fieldPath: string, options: EncodeOptions, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new UnsupportedValueError(fieldPath, `${value} is not a finite number`);
      return;
    case 'undefined':
      throw new UnsupportedValueError(fieldPath, 'undefined is not a value (omit the field or use null)');
    case 'object': {
      if (value === null) return;
      if (seen.has(value)) throw new UnsupportedValueError(fieldPath, 'circular reference');
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, index) => check(item, `${fieldPath}[${index}]`, options, seen));
      } else if (isPlainObject(value)) {
        for (const [key, item] of Object.entries(value)) {
          if (item === undefined && options.ignoreUndefinedProperties) continue;
          check(item, fieldPath ? `${fieldPath}.${key}` : key, options, seen);
        }
      } else {
        const kind = (value as object).constructor?.name ?? 'object';
        throw new UnsupportedValueError(fieldPath, `${kind} is not plain JSON (store an ISO string or a plain object)`);
      }
      seen.delete(value);
      return;
    }
    default:
      throw new UnsupportedValueError(fieldPath, `${typeof value} is not storable`);
  }
}

/** Serializes a plain-JSON value, refusing anything that would not round-trip exactly. */
export function encodeJson(value: unknown, options: EncodeOptions = {}): string {
  check(value, '', options, new Set());
  return JSON.stringify(value);
}

/** Like `encodeJson`, for a document body (which must be an object). */
export function encodeDocumentData(data: unknown, options: EncodeOptions = {}): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !isPlainObject(data)) {
    throw new UnsupportedValueError('', 'document data must be a plain object');
  }
  return encodeJson(data, options);
}
