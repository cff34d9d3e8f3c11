/**
 * Render once, copy after (option `reuseRenders`, env LUMA_SIM_REUSE_RENDERS): for a benchmark of *our* side on one
 * machine. Luma renders on its own hardware; the simulator renders with ffmpeg on the cores the pipeline under test
 * also uses, so a burst of twenty creates made "4 s" generations take 9–15 s on two cores and the benchmark measured
 * the simulator. With reuse, the first fresh video of each size and length is rendered for real and every later one
 * is a copy of it (its title card names the first generation, which a benchmark does not look at). Only plain text
 * videos are reused: a background image or an extension changes the picture, and those still render.
 */
import fs from 'node:fs';
import path from 'node:path';

export class RenderReuse {
  private readonly renders = new Map<string, Promise<string>>();

  /** `dir` holds the kept renders (under the asset root, so close() removes them with the rest). */
  constructor(private readonly dir: string) {}

  /**
   * Writes the video for `key` to `outPath`: a copy of the kept render, or — the first time — `render(outPath)`,
   * kept for the next ones. A failed render (its generation deleted mid-render, say) is not kept, and a generation
   * that was waiting for it renders instead: no generation fails for another's sake.
   */
  async produce(key: string, outPath: string, render: (outPath: string) => Promise<void>): Promise<void> {
    for (;;) {
      const pending = this.renders.get(key);
      if (!pending) return void (await this.keep(key, outPath, render));
      const keptPath = await pending.catch(() => undefined);
      if (keptPath) return fs.promises.copyFile(keptPath, outPath);
      // That render failed and is forgotten (see keep): look again — the first waiter back renders, the rest wait for it.
    }
  }

  private keep(key: string, outPath: string, render: (outPath: string) => Promise<void>): Promise<string> {
    const kept = (async () => {
      await render(outPath);
      await fs.promises.mkdir(this.dir, { recursive: true });
      const keptPath = path.join(this.dir, `${key}.mp4`);
      await fs.promises.copyFile(outPath, keptPath);
      return keptPath;
    })();
    this.renders.set(key, kept);
    // Registered before any waiter's reaction, so a failed render is forgotten before they look again.
    kept.catch(() => this.renders.delete(key));
    return kept;
  }
}
