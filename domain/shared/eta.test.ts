import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOW, at, outcome } from '../test-support/fixtures';
import { instant } from './clock.port';
import { etaFromDistance, isLate, secondsUntil, type Eta } from './eta';
import { expectOk } from './result';

describe('etaFromDistance', () => {
  it.each([
    // distance m, speed m/s, handling s, seconds until arrival
    [1600, 16, 0, 100],
    [1600, 16, 120, 220],
    [0, 16, 0, 0],
    [0, 16, 90, 90],
    [1000, 13, 0, 1000 / 13],
    [1600, 16, -30, 100], // negative handling time is ignored
  ])('%d m at %d m/s with %d s handling arrives in %d s', (distance, speed, handling, seconds) => {
    const eta = expectOk(etaFromDistance(distance, speed, NOW, handling));
    expect(eta.estimatedAt).toBe(NOW);
    expect(eta.arrivesAt).toBe(Math.trunc(NOW + seconds * 1000));
  });

  it('defaults to no handling time', () => {
    expect(expectOk(etaFromDistance(1600, 16, NOW)).arrivesAt).toBe(at(100_000));
  });

  it('arrives at a whole millisecond', () => {
    expect(Number.isInteger(expectOk(etaFromDistance(1, 3, NOW)).arrivesAt)).toBe(true);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses speed %d with ETA.INVALID_SPEED',
    (speed) => {
      expect(outcome(etaFromDistance(100, speed, NOW))).toBe('ETA.INVALID_SPEED');
    },
  );

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses distance %d with ETA.INVALID_DISTANCE',
    (distance) => {
      expect(outcome(etaFromDistance(distance, 10, NOW))).toBe('ETA.INVALID_DISTANCE');
    },
  );

  it('checks the speed before the distance', () => {
    expect(outcome(etaFromDistance(-1, 0, NOW))).toBe('ETA.INVALID_SPEED');
  });

  it('a longer route never arrives earlier (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (d1, d2, speed) => {
          const [near, far] = d1 <= d2 ? [d1, d2] : [d2, d1];
          const a = expectOk(etaFromDistance(near, speed, NOW));
          const b = expectOk(etaFromDistance(far, speed, NOW));
          expect(a.arrivesAt).toBeLessThanOrEqual(b.arrivesAt);
          expect(a.arrivesAt).toBeGreaterThanOrEqual(NOW);
        },
      ),
    );
  });
});

describe('secondsUntil / isLate', () => {
  const eta: Eta = { arrivesAt: at(10 * 60_000), estimatedAt: NOW };

  it('counts down to the arrival and below zero afterwards', () => {
    expect(secondsUntil(eta, NOW)).toBe(600);
    expect(secondsUntil(eta, at(10 * 60_000))).toBe(0);
    expect(secondsUntil(eta, at(11 * 60_000))).toBe(-60);
  });

  it.each([
    // now offset ms, grace s, late?
    [0, 0, false],
    [10 * 60_000, 0, false],
    [10 * 60_000 + 1, 0, true],
    [10 * 60_000 + 60_000, 60, false],
    [10 * 60_000 + 60_001, 60, true],
    [10 * 60_000 + 1, 60, false],
  ])('at NOW + %d ms with %d s grace, late is %s', (offset, grace, late) => {
    expect(isLate(eta, instant(NOW + offset), grace)).toBe(late);
  });
});
