/** Pure pieces: env parsing, sizes, prices, text wrapping and filter escaping, seeded fault streams. */
import {
  DEFAULT_FAULTS,
  DEFAULT_FOLLOW_UPS,
  imageSize,
  modifyCostCents,
  reframeImageCostCents,
  reframeVideoCostCents,
  simulatorOptionsFromEnv,
  upscaleCostCents,
  videoCostCents,
  videoSize,
} from '../src';
import { placeSource } from '../src/generation-render-edit';
import { aspectRatioOf, resolutionForShortSide, sizeForShortSide } from '../src/dimensions';
import { resolveOptions } from '../src/config';
import { FaultInjector } from '../src/faults';
import { escapeFilterValue, wrapText } from '../src/render';

describe('simulatorOptionsFromEnv', () => {
  it('reads every documented LUMA_SIM_ variable', () => {
    const opts = simulatorOptionsFromEnv({
      LUMA_SIM_HOST: '0.0.0.0',
      LUMA_SIM_PORT: '4010',
      LUMA_SIM_API_KEY: 'k1, k2',
      LUMA_SIM_QUEUED_MS: '100',
      LUMA_SIM_DREAMING_MS: '2000',
      LUMA_SIM_IMAGE_QUEUED_MS: '10',
      LUMA_SIM_IMAGE_DREAMING_MS: '20',
      LUMA_SIM_FAILURE_RATE: '0.25',
      LUMA_SIM_FAILURE_REASONS: 'Job failed|Frame moderation failed',
      LUMA_SIM_BLACKLISTED_WORDS: 'foo,bar',
      LUMA_SIM_SERVER_ERROR_RATE: '0.1',
      LUMA_SIM_SLOW_MS: '50',
      LUMA_SIM_ASSET_TTL_MS: '0',
      LUMA_SIM_MAX_CONCURRENT: 'ray=3,photon=5',
      LUMA_SIM_CREATES_PER_MINUTE: '7',
      LUMA_SIM_DUPLICATE_CALLBACKS: '1',
      LUMA_SIM_CALLBACK_FAILURE_RATE: '0.5',
      LUMA_SIM_CREDITS: '1234',
      LUMA_SIM_ASSET_DIR: '/tmp/sim-assets',
      LUMA_SIM_SEED: 'abc',
      LUMA_SIM_MAX_RENDER_HEIGHT: '720',
      LUMA_SIM_RENDER_CONCURRENCY: '2',
      LUMA_SIM_REUSE_RENDERS: 'true',
      LUMA_SIM_ALLOW_REMOTE_INPUTS: 'true',
      LUMA_SIM_MAX_EXTENDED_SECONDS: '20',
      LUMA_SIM_MAX_INPUT_VIDEO_SECONDS: '9',
      LUMA_SIM_MAX_INPUT_VIDEO_BYTES: '1000000',
      LUMA_SIM_EXTEND_OUTPUT: 'continuation',
    });
    expect(opts).toEqual({
      host: '0.0.0.0',
      port: 4010,
      apiKeys: ['k1', 'k2'],
      timing: { queuedMs: 100, dreamingMs: 2000, imageQueuedMs: 10, imageDreamingMs: 20 },
      limits: { maxConcurrent: { ray: 3, photon: 5 }, createsPerMinute: { ray: 7, photon: 7 } },
      faults: {
        failureRate: 0.25,
        failureReasons: ['Job failed', 'Frame moderation failed'],
        blacklistedWords: ['foo', 'bar'],
        serverErrorRate: 0.1,
        slowMs: 50,
        assetTtlMs: 0,
        duplicateCallbacks: 1,
        callbackFailureRate: 0.5,
      },
      credits: 1234,
      assetDir: '/tmp/sim-assets',
      seed: 'abc',
      maxRenderHeight: 720,
      renderConcurrency: 2,
      reuseRenders: true,
      allowRemoteInputs: true,
      followUps: { maxExtendedSeconds: 20, maxInputVideoSeconds: 9, maxInputVideoBytes: 1_000_000, extendOutput: 'continuation' },
    });
  });

  it('keeps defaults for unset or empty variables', () => {
    expect(simulatorOptionsFromEnv({ LUMA_SIM_SLOW_MS: '', OTHER: 'x' })).toEqual({});
    const resolved = resolveOptions(simulatorOptionsFromEnv({ LUMA_SIM_DREAMING_MS: '500' }));
    expect(resolved.timing).toEqual({ queuedMs: 1000, dreamingMs: 500, imageQueuedMs: 500, imageDreamingMs: 3000 });
    expect(resolved.faults).toEqual(DEFAULT_FAULTS);
    expect(resolved.limits).toEqual({ maxConcurrent: { ray: 10, photon: 40 }, createsPerMinute: { ray: 20, photon: 80 } });
    expect(resolved.apiKeys).toEqual(['sim-key']);
    expect(resolved.followUps).toEqual(DEFAULT_FOLLOW_UPS);
    expect(DEFAULT_FOLLOW_UPS).toEqual({ maxExtendedSeconds: 30, maxInputVideoSeconds: 10, maxInputVideoBytes: 104_857_600, extendOutput: 'joined' });
  });

  it('throws on malformed values, naming the variable', () => {
    expect(() => simulatorOptionsFromEnv({ LUMA_SIM_FAILURE_RATE: '2' })).toThrow(/LUMA_SIM_FAILURE_RATE/);
    expect(() => simulatorOptionsFromEnv({ LUMA_SIM_QUEUED_MS: 'soon' })).toThrow(/LUMA_SIM_QUEUED_MS/);
    expect(() => simulatorOptionsFromEnv({ LUMA_SIM_MAX_CONCURRENT: 'ray=0' })).toThrow(/LUMA_SIM_MAX_CONCURRENT/);
    expect(() => simulatorOptionsFromEnv({ LUMA_SIM_ALLOW_REMOTE_INPUTS: 'maybe' })).toThrow(/LUMA_SIM_ALLOW_REMOTE_INPUTS/);
    expect(() => resolveOptions({ faults: { duplicateCallbacks: 0 } })).toThrow(/duplicateCallbacks/);
    expect(() => simulatorOptionsFromEnv({ LUMA_SIM_EXTEND_OUTPUT: 'both' })).toThrow(/LUMA_SIM_EXTEND_OUTPUT/);
    expect(() => simulatorOptionsFromEnv({ LUMA_SIM_MAX_EXTENDED_SECONDS: '0' })).toThrow(/LUMA_SIM_MAX_EXTENDED_SECONDS/);
    expect(() => resolveOptions({ followUps: { maxInputVideoSeconds: -1 } })).toThrow(/followUps.maxInputVideoSeconds/);
  });
});

describe('sizes', () => {
  it('treats the resolution as the short side and keeps both sides even', () => {
    expect(videoSize('720p', '16:9')).toEqual({ width: 1280, height: 720 });
    expect(videoSize('1080p', '9:16')).toEqual({ width: 1080, height: 1920 });
    expect(videoSize('540p', '16:9')).toEqual({ width: 960, height: 540 });
    expect(videoSize('540p', '4:3')).toEqual({ width: 720, height: 540 });
    expect(videoSize('720p', '21:9')).toEqual({ width: 1680, height: 720 });
    expect(videoSize('4k', '16:9')).toEqual({ width: 3840, height: 2160 });
    expect(videoSize('4k', '16:9', 1080)).toEqual({ width: 1920, height: 1080 });
    expect(videoSize('4k', '9:21', 1080)).toEqual({ width: 1080, height: 2520 });
  });

  it('keeps the short side on reframes and names resolutions by it', () => {
    expect(sizeForShortSide('9:16', 540)).toEqual({ width: 540, height: 960 });
    expect(sizeForShortSide('21:9', 576)).toEqual({ width: 1344, height: 576 });
    expect(resolutionForShortSide(540)).toBe('540p');
    expect(resolutionForShortSide(719)).toBe('720p');
    expect(resolutionForShortSide(1000)).toBe('720p');
    expect(resolutionForShortSide(2160)).toBe('4k');
    expect(resolutionForShortSide(300)).toBe('540p');
    expect(aspectRatioOf({ width: 960, height: 540 })).toBe('16:9');
    expect(aspectRatioOf({ width: 64, height: 48 })).toBe('4:3');
    expect(aspectRatioOf({ width: 1000, height: 800 })).toBeUndefined();
  });

  it("places a reframe's source by Luma's geometry, clamped into the canvas", () => {
    const canvas = { width: 540, height: 960 };
    const source = { width: 960, height: 540 };
    // Nothing given: fitted and centred.
    expect(placeSource(canvas, source, {})).toEqual({ x: 0, y: 328.125, width: 540, height: 303.75 });
    // Crop bounds win over everything else.
    expect(placeSource(canvas, source, { xStart: 10, xEnd: 210, yStart: 20, yEnd: 120, gridPositionX: 300 })).toEqual({ x: 10, y: 20, width: 200, height: 100 });
    // resized_width alone keeps the proportions; the grid position is the corner.
    expect(placeSource(canvas, source, { resizedWidth: 320, gridPositionX: 0, gridPositionY: 900 })).toEqual({ x: 0, y: 780, width: 320, height: 180 });
    // Too big for the canvas: shrunk to it.
    expect(placeSource(canvas, source, { resizedWidth: 5000, resizedHeight: 100 })).toEqual({ x: 0, y: 430, width: 540, height: 100 });
  });

  it('gives images a 1024 long side', () => {
    expect(imageSize('1:1')).toEqual({ width: 1024, height: 1024 });
    expect(imageSize('16:9')).toEqual({ width: 1024, height: 576 });
    expect(imageSize('3:4')).toEqual({ width: 768, height: 1024 });
  });
});

describe('prices (USD cents)', () => {
  it('follows the ray-2 table, 1.8× for 9 s and ⅓ for ray-flash-2', () => {
    expect(videoCostCents('ray-2', '540p', '5s')).toBe(40);
    expect(videoCostCents('ray-2', '720p', '5s')).toBe(71);
    expect(videoCostCents('ray-2', '1080p', '5s')).toBe(159);
    expect(videoCostCents('ray-2', '4k', '5s')).toBe(637);
    expect(videoCostCents('ray-2', '1080p', '9s')).toBe(286);
    expect(videoCostCents('ray-flash-2', '540p', '5s')).toBe(13);
    expect(upscaleCostCents('ray-2', '1080p', '5s')).toBe(159);
  });

  it('prices the follow-ups: modify per megapixel (Luma: 720p 5 s = $1.75), the rest assumed', () => {
    expect(modifyCostCents('ray-2')).toBe(175);
    expect(modifyCostCents('ray-flash-2')).toBe(58);
    expect(upscaleCostCents('ray-2', '1080p', 10)).toBe(318);
    expect(upscaleCostCents('ray-2', '720p', 9)).toBe(128);
    expect(reframeVideoCostCents('ray-2')).toBe(71);
    expect(reframeImageCostCents('photon-flash-1')).toBe(1);
  });
});

describe('text for drawtext', () => {
  it('wraps words, hard-splits long ones and cuts with an ellipsis', () => {
    expect(wrapText('one two three four', 9, 5)).toBe('one two\nthree\nfour');
    expect(wrapText('abcdefghijklmnopqrst', 8, 5)).toBe('abcdefgh\nijklmnop\nqrst');
    const cut = wrapText('word '.repeat(100), 10, 2).split('\n');
    expect(cut).toHaveLength(2);
    expect(cut[1].endsWith('…')).toBe(true);
    expect(wrapText('line one\nline two', 40, 5)).toBe('line one\nline two');
  });

  it('escapes filter option values at both filtergraph levels', () => {
    expect(escapeFilterValue('/tmp/plain/file.txt')).toBe('/tmp/plain/file.txt');
    expect(escapeFilterValue("C:\\a'b")).toBe("C\\\\:\\\\\\\\a\\\\\\'b");
    expect(escapeFilterValue('a,b[c];d')).toBe('a\\,b\\[c\\]\\;d');
  });
});

describe('fault streams', () => {
  it('are reproducible per seed and independent per kind', () => {
    const faults = { ...DEFAULT_FAULTS, failureRate: 0.5, serverErrorRate: 0.5 };
    const failures = (f: FaultInjector) => Array.from({ length: 20 }, () => f.plannedFailure('a prompt'));
    const a = new FaultInjector(99, faults);
    const b = new FaultInjector(99, faults);
    // Drawing 5xx decisions from `b` first must not change its failure decisions.
    for (let i = 0; i < 7; i++) b.serverError();
    expect(failures(b)).toEqual(failures(a));
    const c = new FaultInjector(100, faults);
    expect(failures(c)).not.toEqual(failures(new FaultInjector(99, faults)));
  });
});
