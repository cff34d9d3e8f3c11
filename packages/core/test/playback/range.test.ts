/** `Range` header decisions (RFC 9110 §14), one representation size at a time. */
import fc from 'fast-check';
import { contentRange, parseRange } from '../../src/playback/range';

const SIZE = 1000;

describe('parseRange', () => {
  it.each([
    ['bytes=0-0', { kind: 'partial', start: 0, end: 0 }],
    ['bytes=0-499', { kind: 'partial', start: 0, end: 499 }],
    ['bytes=500-999', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=500-', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=0-', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    ['bytes=-1', { kind: 'partial', start: 999, end: 999 }],
    ['bytes=-500', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=900-5000', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=0-99999999999999999999', { kind: 'partial', start: 0, end: 999 }],
    ['BYTES = 10-20', { kind: 'partial', start: 10, end: 20 }],
    ['bytes=10-20 , 21-30', { kind: 'partial', start: 10, end: 30 }],
    ['bytes=10-20,15-25', { kind: 'partial', start: 10, end: 25 }],
    ['bytes=2000-3000, 10-20', { kind: 'partial', start: 10, end: 20 }],
  ])('%j → %j', (header, expected) => expect(parseRange(header, SIZE)).toEqual(expected));

  it.each([
    ['bytes=1000-', 'first byte past the end'],
    ['bytes=1000-2000', 'whole range past the end'],
    ['bytes=-0', 'an empty suffix'],
    ['bytes=5000-,-0', 'several, none satisfiable'],
    ['bytes=99999999999999999999-', 'an absurd position'],
  ])('%j is unsatisfiable (%s)', (header, _why) => expect(parseRange(header, SIZE)).toEqual({ kind: 'unsatisfiable' }));

  it.each([
    [undefined, 'no header'],
    ['', 'empty'],
    ['items=0-1', 'another unit'],
    ['bytes', 'no ranges'],
    ['bytes=', 'an empty set'],
    ['bytes=a-b', 'not numbers'],
    ['bytes=-', 'neither position'],
    ['bytes=5-1', 'last before first (the whole header is invalid)'],
    ['bytes=0-1,5-1', 'one invalid spec'],
    ['bytes=1-2-3', 'too many dashes'],
    ['bytes=+1-2', 'a sign'],
    ['bytes=0-10,500-510', 'two ranges apart (served whole rather than multipart)'],
  ] as [string | undefined, string][])('%j is ignored: the whole representation (%s)', (header, _why) => expect(parseRange(header, SIZE)).toEqual({ kind: 'full' }));

  it('an empty representation has no satisfiable range', () => {
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-10', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange(undefined, 0)).toEqual({ kind: 'full' });
  });

  it('always yields a range inside the representation (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.nat(10_000), (tail, size) => {
        const decision = parseRange(`bytes=${tail}`, size);
        if (decision.kind !== 'partial') return true;
        return decision.start >= 0 && decision.start <= decision.end && decision.end < size;
      }),
      { numRuns: 2000 },
    );
  });

  it('formats Content-Range for 206 and 416', () => {
    expect(contentRange(1000, { start: 0, end: 99 })).toBe('bytes 0-99/1000');
    expect(contentRange(1000)).toBe('bytes */1000');
  });
});
