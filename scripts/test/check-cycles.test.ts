/**
 * `npm run check:cycles` (dependency-cruiser with .dependency-cruiser.cjs) is only worth its place in `npm test` if
 * it fails on a cycle: run the real tool with the real config over small fixtures with and without one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = realpathSync(join(ROOT, 'node_modules', '.bin', 'depcruise'));
const FIXTURES = join('scripts', 'test', 'fixtures', 'cycles');

function cruise(dir: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', join(FIXTURES, dir)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('check:cycles (dependency-cruiser, real config)', () => {
  test('fails on a runtime import cycle and names both modules', () => {
    const r = cruise('runtime-cycle');
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('no-circular');
    expect(r.output).toContain('runtime-cycle/a.ts');
    expect(r.output).toContain('runtime-cycle/b.ts');
  });

  test('fails on a cycle of type-only imports too', () => {
    const r = cruise('type-cycle');
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('no-circular');
    expect(r.output).toContain('type-cycle/x.ts');
  });

  test('passes imports that run one way', () => {
    const r = cruise('acyclic');
    expect(r.output).not.toContain('no-circular');
    expect(r.status).toBe(0);
  });

  test('npm test runs it over the sources of every workspace', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[]; scripts: Record<string, string> };
    expect(pkg.scripts.test).toContain('npm run check:cycles');
    const script = pkg.scripts['check:cycles']!;
    for (const ws of pkg.workspaces) {
      expect(existsSync(join(ROOT, ws, 'src'))).toBe(true);
      const covered = ws.startsWith('packages/') ? script.includes('packages/*/src') : script.includes(`${ws}/src`);
      expect({ ws, covered }).toEqual({ ws, covered: true });
    }
  });
});
