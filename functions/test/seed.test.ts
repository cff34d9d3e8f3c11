/** The emulator seeder: tolerant planning over emulator-data/, and a real run into the local stack's stores. */
import './helpers/env';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docPaths } from '@d2v/schema';
import { planSeed, referencedUploads, seed } from '../../scripts/seed-emulators';
import { makeLocalPorts, type LocalPortsFixture } from './helpers/local-ports';

const DATA = join(__dirname, '..', '..', 'emulator-data');
const readDir = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((name) => ({ name, json: JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown }));

describe('planSeed', () => {
  it('reads users and their drafts from the real fixtures', () => {
    const plan = planSeed(readDir(DATA));
    expect(plan.users.length).toBeGreaterThan(0);
    for (const u of plan.users) for (const d of u.drafts) expect(d.uid).toBe(u.uid);
  });

  it('skips files without users, users without uids, drafts without ids — and keeps the rest', () => {
    const plan = planSeed([
      { name: 'other.json', json: { something: 1 } },
      { name: 'list.json', json: [1, 2] },
      { name: 'a.json', json: { users: [{ uid: 'u1', displayName: 'One', drafts: [{ id: 'd1', text: 'x' }, { text: 'no id' }] }, { displayName: 'no uid' }] } },
      { name: 'b.json', json: { users: [{ uid: 'u1', drafts: [{ id: 'd2' }] }, { uid: 'u2' }] } },
    ]);
    expect(plan.users.map((u) => [u.uid, u.displayName, u.drafts.map((d) => d.id)])).toEqual([
      ['u1', 'One', ['d1', 'd2']],
      ['u2', 'u2', []],
    ]);
    expect(plan.skipped.map((s) => s.file)).toEqual(['other.json', 'list.json', 'a.json', 'a.json']);
  });

  it('takes single-draft files with their file name as id and demo-user as default owner', () => {
    const plan = planSeed([], [{ name: 'lake.json', json: { text: 'A lake' } }, { name: 'x.json', json: { uid: 'u9', id: 'custom', text: 't' } }]);
    expect(plan.users.map((u) => [u.uid, u.drafts.map((d) => d.id)])).toEqual([
      ['demo-user', ['lake']],
      ['u9', ['custom']],
    ]);
  });

  it('reads followers (valid uids, once each) and skips the rest', () => {
    const plan = planSeed([{ name: 'f.json', json: { users: [{ uid: 'u1', followers: ['u2', 'u2', 'u3', 'not ok', 7] }] } }]);
    expect(plan.users[0]!.followers).toEqual(['u2', 'u3']);
    expect(plan.skipped.map((s) => s.reason)).toEqual([expect.stringContaining('"not ok"'), expect.stringContaining('7')]);
  });

  it('finds only images under the owner’s uploads', () => {
    expect(
      referencedUploads({
        uid: 'u1',
        referenceImages: [{ path: 'users/u1/uploads/a.jpg' }, { path: 'users/u2/uploads/b.jpg' }, { url: 'https://x/y.jpg' }],
        characterImages: [{ path: 'users/u1/uploads/../../etc' }],
        styleImage: { path: 'users/u1/uploads/s.png' },
      }),
    ).toEqual(['users/u1/uploads/a.jpg', 'users/u1/uploads/s.png']);
  });
});

describe('seed', () => {
  let fx: LocalPortsFixture;
  beforeAll(async () => {
    fx = await makeLocalPorts({ simulator: false });
  });
  afterAll(() => fx.close());

  it('loads every user, draft and referenced image through the ports (idempotent)', async () => {
    const lines: string[] = [];
    const first = await seed(DATA, fx.store, fx.blobs, (l) => lines.push(l));
    const again = await seed(DATA, fx.store, fx.blobs, () => undefined);
    expect(again).toEqual(first);
    const plan = planSeed(readDir(DATA), readDir(join(DATA, 'drafts')));
    expect(first.users).toBe(plan.users.length);
    expect(first.followers).toBe(plan.users.reduce((n, u) => n + u.followers.length, 0));
    expect(first.followers).toBeGreaterThan(0);
    for (const u of plan.users) {
      expect((await fx.store.get(docPaths.user(u.uid)))?.data).toMatchObject({ uid: u.uid });
      for (const f of u.followers) expect((await fx.store.get(docPaths.follower(u.uid, f)))?.data).toMatchObject({ followerUid: f });
      for (const d of u.drafts) {
        expect((await fx.store.get(docPaths.draft(u.uid, String(d.id))))?.data).toMatchObject({ id: d.id, uid: u.uid });
        for (const p of referencedUploads(d)) expect((await fx.blobs.stat(p))?.contentType).toBe('image/jpeg');
      }
    }
  });
});
