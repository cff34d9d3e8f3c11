/** Rendering directly: the no-font fallback (never fail, warn instead) and awkward paths. */
import fs from 'node:fs';
import path from 'node:path';
import { ffprobe, tempDir } from './helpers';

describe('renderVideo', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('renders without text and warns when no font exists', async () => {
    const realExists = fs.existsSync;
    jest.spyOn(fs, 'existsSync').mockImplementation((p) => (String(p).endsWith('.ttf') ? false : realExists(p)));
    let render!: typeof import('../src/render');
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      render = require('../src/render');
    });
    const warnings: string[] = [];
    const outPath = path.join(dir, 'nofont.mp4');
    await render.renderVideo({
      outPath,
      workDir: dir,
      size: { width: 320, height: 180 },
      durationSeconds: 1,
      text: { title: 't', prompt: 'p' },
      log: (level, message) => {
        if (level === 'warn') warnings.push(message);
      },
    });
    expect(render.findFont()).toBeNull();
    expect(warnings.join('\n')).toMatch(/no font/);
    const probe = await ffprobe(outPath);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 320, height: 180 });
  });

  it('copes with quotes, colons and commas in the work directory path', async () => {
    const { renderImage } = await import('../src/render');
    const odd = path.join(dir, "it's: odd, [dir]; ok");
    fs.mkdirSync(odd);
    const outPath = path.join(odd, 'image.png');
    await renderImage({
      outPath,
      workDir: odd,
      size: { width: 256, height: 144 },
      format: 'png',
      text: { title: 'title', prompt: "%{pts} 'quoted' \\ back: slash" },
      log: () => undefined,
    });
    expect((await ffprobe(outPath)).streams[0]).toMatchObject({ codec_name: 'png', width: 256, height: 144 });
  });
});
