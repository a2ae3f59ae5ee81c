import { describe, expect, it } from 'vitest';
import {
  DELIVERY_STAGES,
  FORWARD_STAGES,
  NEXT_STAGE,
  isBeforePickup,
  isTerminal,
} from './delivery-stage';

describe('delivery stages', () => {
  it.each([
    ['created', true, false],
    ['scheduled', true, false],
    ['en-route-to-pickup', true, false],
    ['picked-up', false, false],
    ['headed-to-dropoff', false, false],
    ['completed', false, true],
    ['cancelled', false, true],
    ['failed', false, true],
  ] as const)('%s: before pickup %s, terminal %s', (stage, beforePickup, terminal) => {
    expect(isBeforePickup(stage)).toBe(beforePickup);
    expect(isTerminal(stage)).toBe(terminal);
  });

  it('lists every stage once', () => {
    expect(new Set(DELIVERY_STAGES).size).toBe(8);
  });

  it('the forward lifecycle runs from created to completed, and terminal stages have no successor', () => {
    expect(FORWARD_STAGES).toEqual([
      'created',
      'scheduled',
      'en-route-to-pickup',
      'picked-up',
      'headed-to-dropoff',
      'completed',
    ]);
    expect(DELIVERY_STAGES.filter(isTerminal).map((s) => NEXT_STAGE[s])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});
