/** The runtime logger's Cloud Logging shape: severity, message, redaction, Error Reporting fields. */
import { Writable } from 'node:stream';
import { logs } from '../src/logs';
import { REDACTED, createPinoLogger as createLogger, formatLogFields, scrubUrl, severityFor } from '../src/logging';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('severity mapping', () => {
  it.each([
    ['trace', 'DEBUG'],
    ['debug', 'DEBUG'],
    ['info', 'INFO'],
    ['warn', 'WARNING'],
    ['error', 'ERROR'],
    ['fatal', 'CRITICAL'],
    ['bogus', 'DEFAULT'],
  ])('%s → %s', (level, severity) => expect(severityFor(level)).toBe(severity));
});

describe('log lines', () => {
  it('writes severity (no numeric level), message and time, plus the fields', () => {
    const out = capture();
    const log = createLogger({ level: 'debug', destination: out.stream, base: { service: 'draft2video' } });
    log.warn({ requestId: 'r1', uid: 'u1', state: 'queued' }, 'task failed');
    const [line] = out.lines();
    expect(line).toMatchObject({ severity: 'WARNING', message: 'task failed', requestId: 'r1', uid: 'u1', state: 'queued', service: 'draft2video' });
    expect(line).not.toHaveProperty('level');
    expect(line).not.toHaveProperty('msg');
    expect(typeof line!.time).toBe('string');
  });

  it('redacts secrets wherever the usual field names carry them', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.info(
      {
        apiKey: 'luma-secret-key',
        token: 'tok',
        config: { webhookSecret: 'whs', apiKey: 'k2' },
        headers: { authorization: 'Bearer abc' },
        LUMAAI_API_KEY: 'env-key',
      },
      'x',
    );
    const text = JSON.stringify(out.lines()[0]);
    for (const secret of ['luma-secret-key', '"tok"', 'whs', 'k2', 'Bearer abc', 'env-key']) expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
  });

  it('scrubs credentials from URLs (webhook token, signed URL signature)', () => {
    expect(scrubUrl('https://x/lumaWebhook/u1/r1?token=abc123&x=1')).toBe(`https://x/lumaWebhook/u1/r1?token=${REDACTED}&x=1`);
    expect(scrubUrl('https://storage.googleapis.com/b/o?X-Goog-Signature=deadbeef')).toContain(`X-Goog-Signature=${REDACTED}`);
    const out = capture();
    createLogger({ level: 'info', destination: out.stream }).info({ url: 'http://h/p?token=sekret' }, 'x');
    expect(JSON.stringify(out.lines()[0])).not.toContain('sekret');
  });

  it('shapes errors for Error Reporting: serialized err plus stack_trace at ERROR severity', () => {
    const out = capture();
    const err = Object.assign(new Error('Luma is down'), { code: 'LUMA_UNAVAILABLE' });
    createLogger({ level: 'info', destination: out.stream }).error({ err, requestId: 'r1' }, 'handler failed');
    const [line] = out.lines();
    expect(line!.severity).toBe('ERROR');
    expect(line!.stack_trace).toEqual(expect.stringContaining('Error: Luma is down'));
    expect(line!.err).toMatchObject({ type: 'Error', message: 'Luma is down', code: 'LUMA_UNAVAILABLE' });
  });

  it('formatLogFields leaves non-errors alone', () => {
    expect(formatLogFields({ a: 1, b: 'x' })).toEqual({ a: 1, b: 'x' });
  });
});

describe('log messages', () => {
  it('are unique, non-empty strings', () => {
    const values = Object.values(logs);
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) expect(v.length).toBeGreaterThan(5);
  });
});
