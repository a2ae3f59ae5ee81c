import type { EffectiveRecord } from '../contract';
import type { OutboxStore } from '../outbox';
import type { RecordReader, ReplicaRecord } from '../replica';

/**
 * Applies the optimistic overlays of pending outbox entries over the replica.
 * `version` stays the server's: it is what the next command must name as its
 * expected version, because the server has not applied the pending ones yet.
 */
export class EffectiveView {
  constructor(
    private readonly reader: RecordReader,
    private readonly outbox: OutboxStore,
  ) {}

  get<Body>(kind: string, id: string): EffectiveRecord<Body> | undefined {
    const record = this.reader.get<Body>(kind, id);
    if (!record) return undefined;
    return this.overlay(record);
  }

  overlay<Body>(record: ReplicaRecord<Body>): EffectiveRecord<Body> {
    const entries = this.outbox.overlaysFor(record.kind, record.id);
    let body = record.body;
    // Overlay patches are shallow: they replace top-level fields of the record body.
    for (const e of entries) if (e.overlay) body = Object.assign({}, body, e.overlay.patch);
    return {
      ...record,
      body,
      pending: entries.map((e) => ({
        idempotencyKey: e.idempotencyKey,
        name: e.name,
        state: e.state,
      })),
    };
  }
}
