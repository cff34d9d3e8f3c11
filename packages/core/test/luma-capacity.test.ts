import { decideTurn, queueShownChanged, recheckDelayMs, windowCreateAwaited } from '../src/luma-capacity';

const limits = { maxConcurrent: 10, createsPerMinute: 20 };
const now = 1_000_000;
const base = { limits, now, expectedDreamingMs: 40_000 };

describe('admission control: whose turn it is (pure rules)', () => {
  it('admits while free slots and window room both exceed the requests ahead', () => {
    expect(decideTurn({ ...base, usage: { inFlight: 0, inWindow: 0 }, ahead: 0 })).toEqual({ admitted: true });
    expect(decideTurn({ ...base, usage: { inFlight: 7, inWindow: 7 }, ahead: 2 })).toEqual({ admitted: true });
  });

  it('a newcomer does not take the slot an older waiter is about to take (first come, first served)', () => {
    const turn = decideTurn({ ...base, usage: { inFlight: 9, inWindow: 9 }, ahead: 1 });
    expect(turn).toMatchObject({ admitted: false, waitingFor: 'slot', position: 2 });
  });

  it('all slots held: waits for a slot about one generation from now, a set of slots per generation after that', () => {
    expect(decideTurn({ ...base, usage: { inFlight: 10, inWindow: 10 }, ahead: 0 })).toEqual({ admitted: false, waitingFor: 'slot', position: 1, etaAt: now + 40_000 });
    expect(decideTurn({ ...base, usage: { inFlight: 10, inWindow: 10 }, ahead: 10 })).toEqual({ admitted: false, waitingFor: 'slot', position: 11, etaAt: now + 80_000 });
  });

  it('window full: waits until the oldest create of the window ages out (when known), else a whole window', () => {
    const full = { ...base, usage: { inFlight: 2, inWindow: 20 }, ahead: 0 };
    expect(decideTurn({ ...full, windowFreesAt: now + 12_000 })).toEqual({ admitted: false, waitingFor: 'rate', position: 1, etaAt: now + 12_000 });
    expect(decideTurn(full)).toEqual({ admitted: false, waitingFor: 'rate', position: 1, etaAt: now + 60_000 });
    // Beyond the window's creates it waits for creates not made yet: the earliest is a window per R of them.
    // (slots: 8 free, the rest free in two generations = 80 s; the window: the 20 in it age out within 60 s, then the
    // 6th of the 20 made then: no sooner than 60 s.)
    expect(decideTurn({ ...full, ahead: 25 })).toEqual({ admitted: false, waitingFor: 'slot', position: 26, etaAt: now + 80_000 });
    expect(decideTurn({ ...full, usage: { inFlight: 10, inWindow: 0 }, ahead: 25 })).toEqual({ admitted: false, waitingFor: 'slot', position: 26, etaAt: now + 120_000 });
    expect(decideTurn({ ...full, usage: { inFlight: 0, inWindow: 20 }, ahead: 25, limits: { maxConcurrent: 100, createsPerMinute: 20 } })).toEqual({
      admitted: false, waitingFor: 'rate', position: 26, etaAt: now + 60_000,
    });
    // 41st of a line behind a full window: the 20 in it, then 20 made after them, then its own: two windows at least.
    expect(decideTurn({ ...full, usage: { inFlight: 0, inWindow: 20 }, ahead: 40, limits: { maxConcurrent: 100, createsPerMinute: 20 } })).toMatchObject({
      waitingFor: 'rate', etaAt: now + 120_000,
    });
  });

  it('names the create of the window a rate wait is for: none with room, the k-th within it, none beyond it', () => {
    // 20 a minute, 15 in the window: room for 5, then positions 6…20 wait for the 1st…15th oldest create.
    const usage = { inFlight: 0, inWindow: 15 };
    expect(windowCreateAwaited(limits, usage, 5)).toBeUndefined();
    expect(windowCreateAwaited(limits, usage, 6)).toBe(1);
    expect(windowCreateAwaited(limits, usage, 20)).toBe(15);
    expect(windowCreateAwaited(limits, usage, 21)).toBeUndefined();
    // Over the limit (Luma lowered it): no room at all, the k-th is the position itself.
    expect(windowCreateAwaited({ ...limits, createsPerMinute: 10 }, usage, 3)).toBe(3);
  });

  it('rechecks at the ETA, never sooner than 1 s nor later than a minute', () => {
    expect(recheckDelayMs(now + 5_000, now)).toBe(5_250);
    expect(recheckDelayMs(now - 5_000, now)).toBe(1_000);
    expect(recheckDelayMs(now + 40_000, now)).toBe(40_250);
    expect(recheckDelayMs(now + 300_000, now)).toBe(60_000);
  });

  it('a long wait is rewritten when its ETA moved by more than a quarter of the wait ahead', () => {
    const eta = (ms: number) => new Date(ms).toISOString();
    const shown = { waitingFor: 'rate', position: 40, etaAt: eta(now + 240_000) };
    expect(queueShownChanged(shown, { waitingFor: 'rate', position: 40, etaAt: now + 270_000 }, now)).toBe(false);
    expect(queueShownChanged(shown, { waitingFor: 'rate', position: 40, etaAt: now + 200_000 }, now)).toBe(false);
    expect(queueShownChanged(shown, { waitingFor: 'rate', position: 40, etaAt: now + 330_000 }, now)).toBe(true);
    expect(queueShownChanged(shown, { waitingFor: 'rate', position: 40, etaAt: now + 150_000 }, now)).toBe(true);
  });

  it('rewrites the place in line only when it moved by a quarter (one place at least) or the ETA by more than 20 s', () => {
    const eta = (ms: number) => new Date(ms).toISOString();
    expect(queueShownChanged(undefined, { waitingFor: 'slot', position: 3, etaAt: now }, now)).toBe(true);
    expect(queueShownChanged({ waitingFor: 'credits' }, { waitingFor: 'slot', position: 3, etaAt: now }, now)).toBe(true);
    expect(queueShownChanged({ waitingFor: 'slot', position: 3, etaAt: eta(now) }, { waitingFor: 'slot', position: 3, etaAt: now + 10_000 }, now)).toBe(false);
    expect(queueShownChanged({ waitingFor: 'slot', position: 3, etaAt: eta(now) }, { waitingFor: 'slot', position: 2, etaAt: now }, now)).toBe(true);
    expect(queueShownChanged({ waitingFor: 'slot', position: 100, etaAt: eta(now) }, { waitingFor: 'slot', position: 85, etaAt: now }, now)).toBe(false);
    expect(queueShownChanged({ waitingFor: 'slot', position: 100, etaAt: eta(now) }, { waitingFor: 'slot', position: 75, etaAt: now }, now)).toBe(true);
    expect(queueShownChanged({ waitingFor: 'slot', position: 3, etaAt: eta(now) }, { waitingFor: 'slot', position: 3, etaAt: now + 18_000 }, now)).toBe(false);
    expect(queueShownChanged({ waitingFor: 'slot', position: 3, etaAt: eta(now) }, { waitingFor: 'slot', position: 3, etaAt: now + 25_000 }, now)).toBe(true);
  });
});
