import { describe, expect, it } from 'vitest';
import { findCardData } from '../../../../domain/shared';
import { alertCause } from './alert-cause';

describe('alertCause', () => {
  it('spells the time in ISO 8601, so no cause is ever card-shaped', () => {
    // 1764777600008 passes the Luhn check: as raw digits the server refused the acknowledgement.
    expect(findCardData(`lost@${String(1764777600008)}`)).toBe('card-number');
    expect(alertCause('lost', 1764777600008)).toBe('lost@2025-12-03T16:00:00.008Z');
    for (let since = 1764777600000; since < 1764777610000; since += 1)
      expect(findCardData(alertCause('down', since))).toBeNull();
  });
});
