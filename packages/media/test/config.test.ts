import { DEFAULT_COMPRESS_SETTINGS, DEFAULT_MEDIA_LIMITS, MediaConfigError, mediaConfigFromEnv } from '../src';

describe('mediaConfigFromEnv', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = mediaConfigFromEnv({});
    expect(config.limits).toEqual(DEFAULT_MEDIA_LIMITS);
    expect(config.compress).toEqual(DEFAULT_COMPRESS_SETTINGS);
    expect(config.segmentSize).toBe(65536);
    expect(config.limits).toMatchObject({
      maxBytes: 200 * 1024 * 1024,
      containers: ['mp4', 'mov'],
      videoCodecs: ['h264', 'hevc'],
      minDurationMs: 500,
      maxDurationMs: 60_000,
      maxWidth: 4096,
      minWidth: 64,
      minFrameRate: 1,
      maxFrameRate: 120,
      maxStreams: 4,
    });
    expect(config.compress).toMatchObject({ preset: 'medium', crf: 23, maxrate: '8M', bufsize: '16M', maxFrameRate: 30, audioBitrate: '128k' });
  });

  it('reads every MEDIA_* variable', () => {
    const config = mediaConfigFromEnv({
      MEDIA_MAX_BYTES: '1000000',
      MEDIA_CONTAINERS: 'MP4, mov ,matroska',
      MEDIA_VIDEO_CODECS: 'h264',
      MEDIA_PIXEL_FORMATS: 'yuv420p',
      MEDIA_MIN_DURATION_MS: '100',
      MEDIA_MAX_DURATION_MS: '10000',
      MEDIA_MIN_WIDTH: '16',
      MEDIA_MIN_HEIGHT: '16',
      MEDIA_MAX_WIDTH: '1920',
      MEDIA_MAX_HEIGHT: '1920',
      MEDIA_MIN_FRAME_RATE: '23.976',
      MEDIA_MAX_FRAME_RATE: '60',
      MEDIA_MAX_STREAMS: '2',
      MEDIA_X264_PRESET: 'slow',
      MEDIA_CRF: '20.5',
      MEDIA_MAXRATE: '6000k',
      MEDIA_BUFSIZE: '12M',
      MEDIA_MAX_FPS: '25',
      MEDIA_AUDIO_BITRATE: '96k',
      MEDIA_SEGMENT_SIZE: '16384',
    });
    expect(config.limits).toEqual({
      maxBytes: 1_000_000,
      containers: ['mp4', 'mov', 'matroska'],
      videoCodecs: ['h264'],
      pixelFormats: ['yuv420p'],
      minDurationMs: 100,
      maxDurationMs: 10_000,
      minWidth: 16,
      minHeight: 16,
      maxWidth: 1920,
      maxHeight: 1920,
      minFrameRate: 23.976,
      maxFrameRate: 60,
      maxStreams: 2,
    });
    expect(config.compress).toMatchObject({ preset: 'slow', crf: 20.5, maxrate: '6000k', bufsize: '12M', maxFrameRate: 25, audioBitrate: '96k' });
    expect(config.segmentSize).toBe(16384);
  });

  it.each([
    [{ MEDIA_MAX_BYTES: 'lots' }, /MEDIA_MAX_BYTES must be an integer/],
    [{ MEDIA_MAX_BYTES: '-5' }, /MEDIA_MAX_BYTES must be an integer between 1/],
    [{ MEDIA_CRF: '60' }, /MEDIA_CRF must be a number between 0 and 51; got "60"/],
    [{ MEDIA_X264_PRESET: 'turbo' }, /MEDIA_X264_PRESET must be one of ultrafast, .*veryslow; got "turbo"/],
    [{ MEDIA_MAXRATE: 'fast' }, /MEDIA_MAXRATE must be a bit rate/],
    [{ MEDIA_CONTAINERS: ' , ' }, /MEDIA_CONTAINERS must list at least one value/],
    [{ MEDIA_MIN_DURATION_MS: '5000', MEDIA_MAX_DURATION_MS: '1000' }, /minDurationMs \(5000\) is above maxDurationMs \(1000\)/],
    [{ MEDIA_SEGMENT_SIZE: '10' }, /MEDIA_SEGMENT_SIZE must be an integer between 1024/],
  ])('refuses %j', (env, message) => {
    expect(() => mediaConfigFromEnv(env)).toThrow(MediaConfigError);
    expect(() => mediaConfigFromEnv(env)).toThrow(message);
  });
});
