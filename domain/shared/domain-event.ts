import type { Instant } from './clock.port';

/**
 * A fact that happened, as plain serializable data. `version` is the schema
 * version of this event type, so desktop and server of different releases can
 * tell whether they understand it; `aggregateVersion` is the aggregate's version
 * after the event, used for idempotent, ordered application.
 */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly version: number;
  readonly aggregateId: string;
  readonly aggregateVersion: number;
  readonly occurredAt: Instant;
  readonly data: Data;
}

/** Base for aggregates that record what happened to them until someone pulls the events. */
export abstract class AggregateRoot<Event extends DomainEvent> {
  #pending: Event[] = [];

  /** Id and current version of the aggregate, stamped on every event it records. */
  protected abstract get identity(): { readonly id: string; readonly version: number };

  /** Records an event (schema version 1) stamped with the aggregate's id and version after the change. */
  protected emit<T extends Event['type']>(
    type: T,
    occurredAt: Instant,
    data: Extract<Event, { type: T }>['data'],
  ): void {
    const { id, version } = this.identity;
    this.#pending.push({
      type,
      version: 1,
      aggregateId: id,
      aggregateVersion: version,
      occurredAt,
      data,
    } as unknown as Event);
  }

  /** Returns and clears the events recorded since the last pull (in order). */
  pullEvents(): Event[] {
    const events = this.#pending;
    this.#pending = [];
    return events;
  }
}
