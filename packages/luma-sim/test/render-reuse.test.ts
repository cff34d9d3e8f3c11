/**
 * reuseRenders (benchmarks): the first plain video of a size and length is rendered, later ones are copies of it
 * — the same bytes, still a valid H.264 file of the asked size; without the option every generation renders its
 * own picture (its title card names its id, so the files differ). Real simulator over HTTP, real ffmpeg.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startLumaSimulator, type LumaSimulator } from '../src';
import { RenderReuse } from '../src/render-reuse';
import { call, download, FAST, ffprobe, tempDir, waitForGeneration } from './helpers';

const VIDEO = { model: 'ray-2', prompt: 'a lighthouse at dusk', resolution: '540p', aspect_ratio: '16:9', duration: '5s' };

async function threeVideos(sim: LumaSimulator, dir: string): Promise<Buffer[]> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await call(sim, 'POST', '/generations/video', VIDEO);
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  const out: Buffer[] = [];
  for (const id of ids) {
    const done = await waitForGeneration(sim, id, undefined, 60_000);
    expect(done.state).toBe('completed');
    const { bytes, file } = await download(done.assets.video, dir, `${id}.mp4`);
    const probe = await ffprobe(file);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 960, height: 540 });
    out.push(bytes);
  }
  return out;
}

describe('simulator render reuse', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves copies of the first render when reuseRenders is on', async () => {
    const sim = await startLumaSimulator({ timing: FAST, seed: 3, reuseRenders: true });
    try {
      const [a, b, c] = await threeVideos(sim, dir);
      expect(b!.equals(a!)).toBe(true);
      expect(c!.equals(a!)).toBe(true);
    } finally {
      await sim.close();
    }
  });

  it('renders every generation by default', async () => {
    const sim = await startLumaSimulator({ timing: FAST, seed: 3 });
    try {
      const [a, b] = await threeVideos(sim, dir);
      expect(b!.equals(a!)).toBe(false);
    } finally {
      await sim.close();
    }
  });

  it('a generation waiting for a render that fails renders its own, and later ones copy that', async () => {
    const reuse = new RenderReuse(path.join(dir, 'kept'));
    const rendered: string[] = [];
    let failFirst!: (e: Error) => void;
    const first = reuse.produce('k', path.join(dir, 'a.mp4'), () => new Promise<void>((_, reject) => (failFirst = reject)));
    const render = async (out: string) => {
      rendered.push(path.basename(out));
      fs.writeFileSync(out, `made for ${path.basename(out)}`);
    };
    const second = reuse.produce('k', path.join(dir, 'b.mp4'), render);
    const third = reuse.produce('k', path.join(dir, 'c.mp4'), render);
    failFirst(new Error('aborted: its generation was deleted'));
    await expect(first).rejects.toThrow(/aborted/);
    await Promise.all([second, third]);
    // One of the two waiters rendered, the other copied it; a newcomer copies too.
    expect(rendered).toEqual(['b.mp4']);
    await reuse.produce('k', path.join(dir, 'd.mp4'), render);
    expect(rendered).toEqual(['b.mp4']);
    for (const f of ['b.mp4', 'c.mp4', 'd.mp4']) expect(fs.readFileSync(path.join(dir, f), 'utf8')).toBe('made for b.mp4');
  });
});
