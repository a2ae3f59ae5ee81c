import { describe, expect, it } from 'vitest';
import { NOW, at } from '../test-support/fixtures';
import { AggregateRoot, type DomainEvent } from './domain-event';

type CounterEvent =
  DomainEvent<'Incremented', { by: number }> | DomainEvent<'Reset', Record<string, never>>;

/** The smallest possible aggregate, to watch the base class at work. */
class Counter extends AggregateRoot<CounterEvent> {
  value = 0;
  version = 1;

  protected get identity(): { id: string; version: number } {
    return { id: 'counter-1', version: this.version };
  }

  increment(by: number): void {
    this.value += by;
    this.version += 1;
    this.emit('Incremented', at(this.version), { by });
  }

  reset(): void {
    this.value = 0;
    this.version += 1;
    this.emit('Reset', NOW, {});
  }
}

describe('AggregateRoot', () => {
  it('starts with no pending events', () => {
    expect(new Counter().pullEvents()).toEqual([]);
  });

  it('stamps each event with schema version 1, the id and the version after the change', () => {
    const c = new Counter();
    c.increment(5);
    c.reset();
    expect(c.pullEvents()).toEqual([
      {
        type: 'Incremented',
        version: 1,
        aggregateId: 'counter-1',
        aggregateVersion: 2,
        occurredAt: at(2),
        data: { by: 5 },
      },
      {
        type: 'Reset',
        version: 1,
        aggregateId: 'counter-1',
        aggregateVersion: 3,
        occurredAt: NOW,
        data: {},
      },
    ]);
  });

  it('pullEvents returns the events in order and clears them', () => {
    const c = new Counter();
    c.increment(1);
    c.increment(2);
    expect(c.pullEvents().map((e) => e.aggregateVersion)).toEqual([2, 3]);
    expect(c.pullEvents()).toEqual([]);
    c.increment(3);
    const later = c.pullEvents();
    expect(later.map((e) => e.data)).toEqual([{ by: 3 }]);
    expect(c.pullEvents()).toEqual([]);
  });

  it('a pulled batch is not changed by later events', () => {
    const c = new Counter();
    c.increment(1);
    const first = c.pullEvents();
    c.increment(2);
    expect(first).toHaveLength(1);
  });
});
