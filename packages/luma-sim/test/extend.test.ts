/**
 * Extensions in both of the sim's conventions (`followUps.extendOutput`): `joined` (the asset is the whole chain)
 * and `continuation` (only the new clip; the chain length still counts against the limit), forwards (frame0 =
 * generation) and backwards (frame1 = generation). Probed with ffprobe; frames compared with the source's.
 */
import fs from 'node:fs';
import { extendVideoRequest, LumaClient, type Generation } from '@d2v/luma';
import { LumaSimulator, startLumaSimulator } from '../src';
import { delay, download, FAST, ffprobe, frameDifference, greyFrame, KEY, tempDir } from './helpers';

let scratch: string;
beforeAll(() => {
  scratch = tempDir();
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function completed(client: LumaClient, id: string): Promise<Generation> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await delay(40)) {
    const g = await client.getGeneration(id);
    if (g.state === 'completed') return g;
    if (g.state === 'failed') throw new Error(`${id} failed: ${g.failure_reason}`);
  }
  throw new Error(`${id} did not finish`);
}

async function seconds(g: Generation, name: string): Promise<number> {
  const { file } = await download(g.assets!.video!, scratch, name);
  return Number((await ffprobe(file)).format.duration);
}

describe.each(['joined', 'continuation'] as const)('extendOutput: %s', (extendOutput) => {
  let sim: LumaSimulator;
  let client: LumaClient;
  let source: Generation;
  beforeAll(async () => {
    sim = await startLumaSimulator({ timing: FAST, maxRenderHeight: 180, followUps: { extendOutput, maxExtendedSeconds: 15 } });
    client = new LumaClient({ apiKey: KEY, baseUrl: sim.url, maxRetries: 0 });
    source = await completed(client, (await client.createVideo({ model: 'ray-flash-2', prompt: 'a kite rises', resolution: '540p' })).id);
  });
  afterAll(() => sim.close());

  it('extends forwards, then extends the extension until the chain limit', async () => {
    const first = await completed(client, (await client.createVideo(extendVideoRequest(source.id, { model: 'ray-flash-2', prompt: 'it climbs' }))).id);
    expect(await seconds(first, `${extendOutput}-1.mp4`)).toBeCloseTo(extendOutput === 'joined' ? 10 : 5, 0);
    const second = await completed(client, (await client.createVideo(extendVideoRequest(first.id, { model: 'ray-flash-2', prompt: 'it soars' }))).id);
    expect(await seconds(second, `${extendOutput}-2.mp4`)).toBeCloseTo(extendOutput === 'joined' ? 15 : 5, 0);
    expect(sim.generations().find((g) => g.id === second.id)!.facts.chainSeconds).toBe(15);
    // The chain is 15 s whatever the asset holds: a third extension would pass the 15 s limit.
    await expect(client.createVideo(extendVideoRequest(second.id, { model: 'ray-flash-2', prompt: 'it vanishes' }))).rejects.toMatchObject({
      status: 400,
      detail: 'Cannot extend: the video would be 20 seconds long, the maximum is 15 seconds',
    });
  });

  it('extends backwards (frame1 = generation): the new clip leads into the source', async () => {
    const created = await client.createVideo({
      model: 'ray-flash-2',
      prompt: 'the kite on the ground',
      keyframes: { frame1: { type: 'generation', id: source.id } },
    });
    const done = await completed(client, created.id);
    const { file } = await download(done.assets!.video!, scratch, `${extendOutput}-reverse.mp4`);
    const { file: sourceFile } = await download(source.assets!.video!, scratch, `${extendOutput}-source.mp4`);
    expect(Number((await ffprobe(file)).format.duration)).toBeCloseTo(extendOutput === 'joined' ? 10 : 5, 0);
    if (extendOutput === 'joined') {
      // Its second half is the source.
      expect(frameDifference(await greyFrame(file, 6), await greyFrame(sourceFile, 1))).toBeLessThan(6);
    }
  });
});
