/**
 * How documents are addressed and stored in the `documents` table: a document path split into parent,
 * collection id and document id (with Firestore's rules for what a valid path is), collection and collection-group
 * path checks, and a table row turned into the core's DocSnapshot. Shared by the store, its transactions and its
 * queries, which must agree on exactly these rules.
 */
import type { DocSnapshot } from '@d2v/core';

export interface DocumentRow {
  path: string;
  data: string;
  version: number;
}

export interface DocumentLocation {
  parent: string;
  collectionId: string;
  id: string;
}

function splitPath(path: string, what: string): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`invalid ${what} path: empty`);
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment.length === 0) throw new Error(`invalid ${what} path "${path}": empty segment`);
    if (segment === '.' || segment === '..') throw new Error(`invalid ${what} path "${path}": "${segment}" is not an id`);
    if (segment.includes('\0')) throw new Error(`invalid ${what} path "${path}": NUL character`);
  }
  return segments;
}

export function locateDocument(path: string): DocumentLocation {
  const segments = splitPath(path, 'document');
  if (segments.length % 2 !== 0) {
    throw new Error(`invalid document path "${path}": a document path has an even number of segments`);
  }
  return {
    parent: segments.slice(0, -1).join('/'),
    collectionId: segments[segments.length - 2]!,
    id: segments[segments.length - 1]!,
  };
}

export function assertCollectionPath(path: string): void {
  const segments = splitPath(path, 'collection');
  if (segments.length % 2 !== 1) {
    throw new Error(`invalid collection path "${path}": a collection path has an odd number of segments`);
  }
}

export function assertCollectionId(id: string): void {
  const segments = splitPath(id, 'collection group');
  if (segments.length !== 1) throw new Error(`invalid collection group "${id}": a collection id has no "/"`);
}

/** Versions as fixed-width decimal strings, so they also sort as strings (Firestore's are ISO timestamps). */
function versionString(version: number): string {
  return String(version).padStart(16, '0');
}

export function toSnapshot<T>(row: DocumentRow): DocSnapshot<T> {
  return { path: row.path, id: locateDocument(row.path).id, data: JSON.parse(row.data) as T, version: versionString(row.version) };
}
