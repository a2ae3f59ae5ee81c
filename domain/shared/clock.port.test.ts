import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOW, counterIds, fixedClock } from '../test-support/fixtures';
import { instant, startOfUtcMonth } from './clock.port';

describe('instant', () => {
  it.each([
    [0, 0],
    [1_795_341_600_000, 1_795_341_600_000],
    [1.9, 1],
    [-1.9, -1],
  ])('instant(%d) is %d', (ms, expected) => {
    expect(instant(ms)).toBe(expected);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'throws for %d',
    (ms) => {
      expect(() => instant(ms)).toThrow('Instant must be a finite number');
    },
  );
});

describe('startOfUtcMonth', () => {
  it.each([
    [1970, 1, '1970-01-01T00:00:00.000Z'],
    [2000, 2, '2000-02-01T00:00:00.000Z'],
    [2000, 3, '2000-03-01T00:00:00.000Z'], // after a 400-year leap day
    [1900, 3, '1900-03-01T00:00:00.000Z'], // 1900 had no leap day
    [2024, 3, '2024-03-01T00:00:00.000Z'],
    [2026, 11, '2026-11-01T00:00:00.000Z'],
    [2026, 12, '2026-12-01T00:00:00.000Z'],
    [2026, 13, '2027-01-01T00:00:00.000Z'], // month 13 is January of the next year
    [2026, 0, '2025-12-01T00:00:00.000Z'],
    [2026, 25, '2028-01-01T00:00:00.000Z'],
    [2026, -11, '2025-01-01T00:00:00.000Z'],
    [1969, 12, '1969-12-01T00:00:00.000Z'],
  ])('startOfUtcMonth(%d, %d) is %s', (year, month, iso) => {
    expect(new Date(startOfUtcMonth(year, month)).toISOString()).toBe(iso);
  });

  it('agrees with Date.UTC for any year and month, including overflowing months (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 3000 }),
        fc.integer({ min: -36, max: 48 }),
        (year, month) => {
          expect(startOfUtcMonth(year, month)).toBe(Date.UTC(year, month - 1, 1));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('NOW (2026-11-22T10:00Z) lies in November 2026', () => {
    expect(NOW).toBe(Date.UTC(2026, 10, 22, 10));
    expect(NOW).toBeGreaterThanOrEqual(startOfUtcMonth(2026, 11));
    expect(NOW).toBeLessThan(startOfUtcMonth(2026, 12));
  });
});

describe('test clock and id ports', () => {
  it('the fixed clock always answers the same instant', () => {
    const clock = fixedClock();
    expect([clock.now(), clock.now()]).toEqual([NOW, NOW]);
  });

  it('the counter id generator numbers ids per generator', () => {
    const ids = counterIds();
    expect([ids.next('drone'), ids.next('cmd'), counterIds().next('drone')]).toEqual([
      'drone-1',
      'cmd-2',
      'drone-1',
    ]);
  });
});
