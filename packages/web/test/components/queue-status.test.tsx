import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { QueueStatus } from '../../src/screens/QueueStatus';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('QueueStatus on the Generation view', () => {
  it('shows the place in line for a Luma slot and counts down to the estimated start', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-03T10:00:00Z'));
    render(<QueueStatus queue={{ waitingFor: 'slot', status: 'waiting for a Luma slot', position: 3, etaAt: '2026-12-03T10:00:42Z', since: '2026-12-03T09:59:50Z' }} />);
    expect(screen.getByTestId('queue-status').textContent).toBe('Waiting for a Luma slot — number 3 in line, expected to start in about 42 s');
    act(() => void vi.advanceTimersByTime(40_000));
    expect(screen.getByTestId('queue-status').textContent).toBe('Waiting for a Luma slot — number 3 in line, expected to start in about 2 s');
    act(() => void vi.advanceTimersByTime(5_000));
    expect(screen.getByTestId('queue-status').textContent).toBe('Waiting for a Luma slot — number 3 in line, starting any moment');
  });

  it('a long wait reads in minutes; a budget pause shows its sentence', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-03T10:00:00Z'));
    const { rerender } = render(<QueueStatus queue={{ waitingFor: 'rate', status: "waiting for Luma's per-minute limit", position: 30, etaAt: '2026-12-03T10:03:00Z', since: '2026-12-03T10:00:00Z' }} />);
    expect(screen.getByTestId('queue-status').textContent).toBe("Waiting for Luma's per-minute limit — number 30 in line, expected to start in about 3 min");
    rerender(<QueueStatus queue={{ waitingFor: 'credits', status: 'paused: credits low', message: 'Luma credits are below the floor.', since: '2026-12-03T10:00:00Z' }} />);
    expect(screen.getByTestId('queue-status').textContent).toBe('Paused: credits low — Luma credits are below the floor.');
  });
});
