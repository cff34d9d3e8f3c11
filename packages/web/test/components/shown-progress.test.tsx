import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { shownProgress } from '@d2v/client';
import { useShownProgress } from '../../src/hooks/useShownProgress';
import { ProgressBar } from '../../src/ui/ProgressBar';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const T0 = Date.parse('2026-12-03T10:00:00Z');
const dreaming = { progress: 0.2, stateSince: '2026-12-03T10:00:00.000Z', progressPlan: { to: 0.68, at: '2026-12-03T10:00:40.000Z' } };

describe('the bar while Luma works (the pipeline writes a plan, the client moves the bar)', () => {
  it('moves from the stored value towards the plan, never past 95 % of the way, never below what is stored', () => {
    expect(shownProgress(dreaming, T0)).toBeCloseTo(0.2, 9);
    expect(shownProgress(dreaming, T0 + 20_000)).toBeCloseTo(0.2 + 0.48 * 0.5, 9);
    expect(shownProgress(dreaming, T0 + 40_000)).toBeCloseTo(0.2 + 0.48 * 0.95, 9);
    expect(shownProgress(dreaming, T0 + 400_000)).toBeCloseTo(0.2 + 0.48 * 0.95, 9);
    // A clock behind the state's start, a plan already passed, no plan, a broken date: the stored value.
    expect(shownProgress(dreaming, T0 - 5000)).toBeCloseTo(0.2, 9);
    expect(shownProgress({ ...dreaming, progress: 0.7 }, T0 + 20_000)).toBe(0.7);
    expect(shownProgress({ progress: 0.75, stateSince: dreaming.stateSince }, T0 + 20_000)).toBe(0.75);
    expect(shownProgress({ ...dreaming, progressPlan: { to: 0.68, at: 'soon' } }, T0 + 20_000)).toBe(0.2);
  });

  it('ticks every second while a plan exists', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(T0 + 10_000));
    function Bar() {
      return <ProgressBar value={useShownProgress(dreaming)} label="Generation progress" />;
    }
    render(<Bar />);
    const percent = () => Number(screen.getByRole('progressbar').getAttribute('aria-valuenow'));
    expect(percent()).toBe(32); // 20 % + 48 % × 10/40
    act(() => void vi.advanceTimersByTime(10_000));
    expect(percent()).toBe(44);
  });
});
