import { describe, expect, it } from 'vitest';
import { decideRestart, type RestartPolicy } from './restart-policy';

const policy: RestartPolicy = {
  maxCrashes: 3,
  windowMs: 60_000,
  baseDelayMs: 100,
  maxDelayMs: 300,
};

describe('core restart policy', () => {
  it('backs off exponentially up to the cap, then gives up on a crash loop', () => {
    const crashes: number[] = [];
    const decisions = [0, 1000, 2000, 3000].map((now) => {
      crashes.push(now);
      return decideRestart(crashes, now, policy);
    });
    expect(decisions).toEqual([
      { action: 'restart', delayMs: 100 },
      { action: 'restart', delayMs: 200 },
      { action: 'restart', delayMs: 300 },
      { action: 'give-up', crashesInWindow: 4 },
    ]);
  });

  it('forgets crashes older than the window', () => {
    expect(decideRestart([0, 1, 2, 3, 200_000], 200_000, policy)).toEqual({
      action: 'restart',
      delayMs: 100,
    });
  });
});
