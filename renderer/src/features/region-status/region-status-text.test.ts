import { describe, expect, it } from 'vitest';
import { ageText, fleetLine, paymentsMessage } from './region-status-text';

const NOW = Date.UTC(2026, 10, 22, 14, 0);

describe('region status text', () => {
  it('says nothing about card payments while they work, and what to expect when they do not', () => {
    expect(paymentsMessage('ok')).toBeNull();
    expect(paymentsMessage('down')).toMatch(
      /^Card payments are delayed: the card company is not answering\. Changes you make are kept/,
    );
    expect(paymentsMessage('degraded')).toMatch(/^Card payments are slow/);
  });

  it('sums up the fleet, busiest status first, leaving out statuses with no drones', () => {
    expect(
      fleetLine({
        dronesByStatus: { idle: 3, charging: 1, 'in-flight': 4, landed: 0, maintenance: 0 },
        deliveriesInFlight: 1,
      }),
    ).toBe('Fleet: 4 in flight, 3 idle, 1 charging · 1 delivery in flight');
    expect(fleetLine({ dronesByStatus: {}, deliveriesInFlight: 0 })).toBe(
      'Fleet: no drones · 0 deliveries in flight',
    );
  });

  it('gives the age coarsely', () => {
    expect(ageText(null, NOW)).toBe('as of an unknown time');
    expect(ageText(NOW - 20_000, NOW)).toBe('as of less than a minute ago');
    expect(ageText(NOW + 5_000, NOW)).toBe('as of less than a minute ago'); // clock skew
    expect(ageText(NOW - 3 * 60_000 - 5_000, NOW)).toBe('as of 3 min ago');
    expect(ageText(NOW - 2 * 3_600_000, NOW)).toBe('as of 2 h ago');
    expect(ageText(NOW - 2 * 3_600_000 - 5 * 60_000, NOW)).toBe('as of 2 h 5 min ago');
    expect(ageText(NOW - 86_400_000, NOW)).toBe('as of 1 day ago');
    expect(ageText(NOW - 3 * 86_400_000, NOW)).toBe('as of 3 days ago');
  });
});
