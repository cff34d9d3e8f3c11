/**
 * Firestore queries as SQL over the `documents` table: collection or collection-group scope, `where` filters and
 * `orderBy` on JSON fields, and `limit`. Comparisons are type-strict like Firestore's (1 never equals true or
 * "1") and ordering follows Firestore's cross-type order. A module of its own because it is pure translation —
 * query in, SQL and parameters out — and can be read and tested without transactions or triggers.
 */
import type { Query, QueryFilter, WhereOp } from '@d2v/core';
import { assertCollectionId, assertCollectionPath } from './document-rows';

const COMPARISON_SQL: Record<Exclude<WhereOp, 'in'>, string> = { '==': '=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const MAX_IN_VALUES = 30;

/** `a.b` → `$."a"."b"` (quoted so ids with odd characters stay one key). */
function jsonPathOf(field: string): string {
  if (typeof field !== 'string' || field.length === 0) throw new Error('invalid query field: empty');
  const segments = field.split('.');
  for (const segment of segments) {
    if (segment.length === 0 || segment.includes('"')) throw new Error(`invalid query field "${field}"`);
  }
  return '$' + segments.map((segment) => `."${segment}"`).join('');
}

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

function comparison(jsonPath: string, op: Exclude<WhereOp, 'in'>, value: unknown, field: string): SqlFragment {
  const sqlOp = COMPARISON_SQL[op];
  if (sqlOp === undefined) throw new Error(`unsupported query operator "${String(op)}"`);
  if (value === null) {
    if (op !== '==') throw new Error(`query on "${field}": null can only be compared with ==`);
    return { sql: `json_type(data, ?) = 'null'`, params: [jsonPath] };
  }
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`query on "${field}": ${value} is not a finite number`);
      return {
        sql: `(json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) ${sqlOp} ?)`,
        params: [jsonPath, jsonPath, value],
      };
    case 'string':
      return { sql: `(json_type(data, ?) = 'text' AND json_extract(data, ?) ${sqlOp} ?)`, params: [jsonPath, jsonPath, value] };
    case 'boolean':
      // json_extract yields 0/1 for JSON booleans; the json_type guard keeps numbers out.
      return {
        sql: `(json_type(data, ?) IN ('true', 'false') AND json_extract(data, ?) ${sqlOp} ?)`,
        params: [jsonPath, jsonPath, value ? 1 : 0],
      };
    default:
      throw new Error(`query on "${field}": only strings, numbers, booleans and null can be compared`);
  }
}

function filterSql(filter: QueryFilter): SqlFragment {
  const jsonPath = jsonPathOf(filter.field);
  if (filter.op === 'in') {
    const values = filter.value;
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_IN_VALUES) {
      throw new Error(`query on "${filter.field}": "in" takes a non-empty array of at most ${MAX_IN_VALUES} values`);
    }
    const parts = values.map((value: unknown) => comparison(jsonPath, '==', value, filter.field));
    return { sql: `(${parts.map((part) => part.sql).join(' OR ')})`, params: parts.flatMap((part) => part.params) };
  }
  return comparison(jsonPath, filter.op, filter.value, filter.field);
}

/** Firestore's cross-type order: null < booleans < numbers < strings < arrays < maps. */
const TYPE_RANK_SQL = `CASE json_type(data, ?)
  WHEN 'null' THEN 0 WHEN 'false' THEN 1 WHEN 'true' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2
  WHEN 'text' THEN 3 WHEN 'array' THEN 5 ELSE 6 END`;

/** `SELECT COUNT(*)` of the documents `q` matches (its orderBy and limit do not change a count). */
export function countSql(q: Query): SqlFragment {
  const { sql, params } = querySql({ collection: q.collection, group: q.group, where: q.where });
  return { sql: `SELECT COUNT(*) AS n FROM (${sql})`, params };
}

/** The SELECT for `q` (rows of path, data, version), with its parameters; throws on an invalid query. */
export function querySql(q: Query): SqlFragment {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (q.group) {
    assertCollectionId(q.collection);
    conditions.push('collection_id = ?');
  } else {
    assertCollectionPath(q.collection);
    conditions.push('parent = ?');
  }
  params.push(q.collection);
  for (const filter of q.where ?? []) {
    const fragment = filterSql(filter);
    conditions.push(fragment.sql);
    params.push(...fragment.params);
  }
  // Without orderBy Firestore returns documents by name; with it, documents lacking the field are left out
  // and ties are broken by name in the same direction.
  let orderSql = 'path ASC';
  if (q.orderBy) {
    const jsonPath = jsonPathOf(q.orderBy.field);
    const direction = q.orderBy.direction === 'desc' ? 'DESC' : 'ASC';
    conditions.push('json_type(data, ?) IS NOT NULL');
    params.push(jsonPath);
    orderSql = `${TYPE_RANK_SQL} ${direction}, json_extract(data, ?) ${direction}, path ${direction}`;
    params.push(jsonPath, jsonPath);
  }
  let limitSql = '';
  if (q.limit !== undefined) {
    if (!Number.isInteger(q.limit) || q.limit < 0) throw new Error(`invalid query limit ${q.limit}`);
    limitSql = ' LIMIT ?';
    params.push(q.limit);
  }
  const sql = `SELECT path, data, version FROM documents WHERE ${conditions.join(' AND ')} ORDER BY ${orderSql}${limitSql}`;
  return { sql, params };
}
