import Database from 'better-sqlite3';
import { compilePathPattern, LocalDatabase, matchPathPattern } from '../../src/adapters';
import { tempWorkspace, type TempWorkspace } from './helpers';

describe('LocalDatabase', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace()));
  afterEach(() => workspace.dispose());

  it('opens in WAL mode with the current schema, and reopens without migrating again', () => {
    const db = workspace.openDb();
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('user_version', { simple: true })).toBe(LocalDatabase.schemaVersion);
    const tables = (db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['analytics_events', 'blobs', 'documents', 'outbox', 'sequences', 'tasks']));
    db.close();
    const again = workspace.openDb();
    expect(again.sqlite.pragma('user_version', { simple: true })).toBe(LocalDatabase.schemaVersion);
  });

  it('refuses a database written by a newer build', () => {
    workspace.openDb().close();
    const raw = new Database(workspace.dbFile);
    raw.pragma(`user_version = ${LocalDatabase.schemaVersion + 1}`);
    raw.close();
    expect(() => workspace.openDb()).toThrow(/newer than this build/);
  });

  it('hands out never-reused sequence numbers per name, across connections', () => {
    const a = workspace.openDb();
    const b = workspace.openDb();
    const values = [a.immediate(() => a.nextSequence('x')), b.immediate(() => b.nextSequence('x')), a.immediate(() => a.nextSequence('x'))];
    expect(values).toEqual([1, 2, 3]);
    expect(a.immediate(() => a.nextSequence('y'))).toBe(1);
  });

  it('notifies commit listeners and lets them unsubscribe', () => {
    const db = workspace.openDb();
    let calls = 0;
    const off = db.onCommit('tasks', () => calls++);
    db.notifyCommitted('tasks');
    db.notifyCommitted('outbox');
    off();
    db.notifyCommitted('tasks');
    expect(calls).toBe(1);
  });
});

describe('trigger path patterns', () => {
  it('matches one segment per {wildcard} and extracts the values', () => {
    const pattern = compilePathPattern('users/{uid}/videoRequests/{requestId}');
    expect(matchPathPattern(pattern, 'users/u1/videoRequests/r1')).toEqual({ uid: 'u1', requestId: 'r1' });
    expect(matchPathPattern(pattern, 'users/u1/videoRequests')).toBeNull();
    expect(matchPathPattern(pattern, 'users/u1/videoRequests/r1/transitions/1')).toBeNull();
    expect(matchPathPattern(pattern, 'users/u1/scriptRequests/r1')).toBeNull();
  });

  it('matches the rest of the path with a trailing {name=**}', () => {
    const pattern = compilePathPattern('users/{uid}/{rest=**}');
    expect(matchPathPattern(pattern, 'users/u1/a/b/c.jpg')).toEqual({ uid: 'u1', rest: 'a/b/c.jpg' });
    expect(matchPathPattern(pattern, 'users/u1')).toBeNull();
  });

  it('rejects malformed patterns', () => {
    expect(() => compilePathPattern('users/{uid}/{uid}')).toThrow(/twice/);
    expect(() => compilePathPattern('users/x{uid}')).toThrow(/whole segment/);
    expect(() => compilePathPattern('{rest=**}/x')).toThrow(/must be last/);
    expect(() => compilePathPattern('users//x')).toThrow(/empty segment/);
  });
});
