import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_DELAY_MS, setDeadlineTimer, setLongTimeout, timerDelay } from './long-timeout';

describe('timerDelay', () => {
  it.each([
    [-5, 0],
    [Number.NaN, 0],
    [1500, 1500],
    [30 * 86_400_000, MAX_TIMER_DELAY_MS],
    [Number.POSITIVE_INFINITY, MAX_TIMER_DELAY_MS],
  ])('timerDelay(%d) = %d', (input, expected) => {
    expect(timerDelay(input)).toBe(expected);
  });
});

describe('setLongTimeout / setDeadlineTimer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a 30-day delay does not fire early (Node alone would fire it after 1 ms), and fires at 30 days', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired = vi.fn();
    setLongTimeout(fired, 30 * 86_400_000);
    vi.advanceTimersByTime(25 * 86_400_000);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5 * 86_400_000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('clear stops a re-armed timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const fired = vi.fn();
    const t = setLongTimeout(fired, 60 * 86_400_000);
    vi.advanceTimersByTime(30 * 86_400_000);
    t.clear();
    vi.advanceTimersByTime(40 * 86_400_000);
    expect(fired).not.toHaveBeenCalled();
  });

  it('a deadline 30 days out on the caller clock fires then, not at once', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const fired = vi.fn();
    setDeadlineTimer(Date.now() + 30 * 86_400_000, () => Date.now(), fired);
    vi.advanceTimersByTime(1000);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * 86_400_000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('a deadline already past fires at once', () => {
    const fired = vi.fn();
    setDeadlineTimer(Date.now() - 1, () => Date.now(), fired);
    expect(fired).toHaveBeenCalledTimes(1);
  });
});
