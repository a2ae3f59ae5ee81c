/**
 * The payments-level policy: sequences of breaker transitions, failed real calls and health
 * probe results, with the level expected after each step.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceLevel } from '../../domain/protocol';
import type { BreakerState } from '../payments';
import { GatewayHealth, type GatewayHealthOptions } from './gateway-health';

const T0 = Date.UTC(2026, 10, 22, 9, 0);

type Step = 'probe ok' | 'probe failed' | 'call failed' | BreakerState | '+30s';

function apply(health: GatewayHealth, step: Step, clock: { now: number }): void {
  switch (step) {
    case 'probe ok':
      health.probeSucceeded();
      break;
    case 'probe failed':
      health.probeFailed();
      break;
    case 'call failed':
      health.callFailed(clock.now);
      break;
    case '+30s':
      clock.now += 30_000;
      break;
    case 'closed':
    case 'open':
    case 'half-open':
    case 'isolated':
      health.breakerChanged(step);
  }
}

/** [what it shows, steps with the level after each, options] */
const SEQUENCES: [string, [Step, ServiceLevel][], GatewayHealthOptions?][] = [
  [
    'one failed probe is degraded, two in a row are down, with the breaker closed',
    [
      ['probe failed', 'degraded'],
      ['probe failed', 'down'],
      ['probe failed', 'down'],
    ],
  ],
  [
    'a good probe clears what probes caused',
    [
      ['probe failed', 'degraded'],
      ['probe ok', 'ok'],
      ['probe failed', 'degraded'],
      ['probe failed', 'down'],
      ['probe ok', 'ok'],
    ],
  ],
  [
    'only failures in a row count towards down',
    [
      ['probe failed', 'degraded'],
      ['probe ok', 'ok'],
      ['probe failed', 'degraded'],
    ],
  ],
  [
    'a good probe does not clear a breaker that is not closed; closing it does',
    [
      ['open', 'down'],
      ['probe ok', 'down'],
      ['half-open', 'down'],
      ['probe ok', 'down'],
      ['isolated', 'down'],
      ['probe ok', 'down'],
      ['closed', 'ok'],
    ],
  ],
  [
    'the breaker closing (a real call succeeded) outweighs earlier failed probes',
    [
      ['open', 'down'],
      ['probe failed', 'down'],
      ['probe failed', 'down'],
      ['closed', 'ok'],
      ['probe failed', 'degraded'],
    ],
  ],
  [
    'a good probe does not clear a failed real call; time does',
    [
      ['call failed', 'degraded'],
      ['probe ok', 'degraded'],
      ['+30s', 'ok'],
    ],
  ],
  [
    'a failed probe and a failed call: each clears on its own terms',
    [
      ['probe failed', 'degraded'],
      ['call failed', 'degraded'],
      ['probe ok', 'degraded'],
      ['+30s', 'ok'],
      ['probe failed', 'degraded'],
      ['+30s', 'degraded'],
      ['probe ok', 'ok'],
    ],
  ],
  [
    'down after three failed probes when told so',
    [
      ['probe failed', 'degraded'],
      ['probe failed', 'degraded'],
      ['probe failed', 'down'],
    ],
    { downAfterFailedProbes: 3 },
  ],
];

describe('GatewayHealth', () => {
  it.each(SEQUENCES)('%s', (_name, steps, options) => {
    const health = new GatewayHealth(options);
    const clock = { now: T0 };
    expect(health.level(clock.now)).toBe('ok');
    const levels = steps.map(([step]) => {
      apply(health, step, clock);
      return health.level(clock.now);
    });
    expect(levels).toEqual(steps.map(([, level]) => level));
  });

  it('is degraded for a while after a failed call, down while the breaker is not closed, ok after recovery', () => {
    const health = new GatewayHealth({ degradedForMs: 30_000 });
    expect(health.level(T0)).toBe('ok');
    health.callFailed(T0);
    expect(health.level(T0 + 29_999)).toBe('degraded');
    expect(health.level(T0 + 30_000)).toBe('ok');
    health.callFailed(T0 + 40_000);
    health.breakerChanged('open');
    expect(health.level(T0 + 40_000)).toBe('down');
    health.breakerChanged('half-open');
    expect(health.level(T0 + 45_000)).toBe('down');
    health.breakerChanged('closed');
    expect(health.level(T0 + 45_001)).toBe('ok');
  });

  it('refuses a probe threshold below one', () => {
    expect(() => new GatewayHealth({ downAfterFailedProbes: 0 })).toThrow(RangeError);
  });
});
