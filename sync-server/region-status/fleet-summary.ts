import { DRONE_STATUSES, type DroneSnapshot, type DroneStatus } from '../../domain/fleet';
import { IN_FLIGHT_STAGES, type FleetStatus } from '../../domain/protocol';
import type { DeliverySnapshot } from '../../domain/shipping';
import type { RecordFilter, RecordStorePort, StoredRecord } from '../records';

const FLEET_KINDS: RecordFilter = { kinds: ['drone', 'delivery'], viewer: null };
const PAGE = 1000;

/**
 * Drones by status and deliveries in flight, kept up to date from the change feed: one full
 * read of drones and deliveries at first, then only the feed entries after the last one seen,
 * so a summary every few seconds does not re-read every delivery the server ever had.
 */
export class FleetSummary {
  readonly #droneStatus = new Map<string, DroneStatus>();
  readonly #inFlight = new Set<string>();
  /** Feed position everything above reflects; null until the first full read. */
  #seenSeq: number | null = null;

  constructor(private readonly store: RecordStorePort) {}

  /** Not safe to call concurrently with itself (the publisher never does). */
  async current(): Promise<FleetStatus> {
    // Behind what the feed still holds (pruned past us): start over from the records.
    if (this.#seenSeq !== null && this.#seenSeq < (await this.store.oldestRetainedSeq()) - 1)
      this.#seenSeq = null;
    if (this.#seenSeq === null) await this.readAll();
    for (;;) {
      const page = await this.store.changesSince(FLEET_KINDS, this.#seenSeq ?? 0, PAGE);
      for (const record of page) this.apply(record);
      const last = page.at(-1);
      if (last !== undefined) this.#seenSeq = last.seq;
      if (page.length < PAGE) break;
    }
    return this.summary();
  }

  private async readAll(): Promise<void> {
    // The mark first: a change committed while we list is applied again from the feed,
    // which is harmless (each entry carries the whole record).
    const mark = await this.store.highWaterMark();
    this.#droneStatus.clear();
    this.#inFlight.clear();
    for (const r of await this.store.list('drone')) this.apply(r);
    for (const r of await this.store.list('delivery')) this.apply(r);
    this.#seenSeq = mark;
  }

  private apply(record: StoredRecord): void {
    if (record.kind === 'drone') {
      this.#droneStatus.set(record.id, (record.body as DroneSnapshot).status);
    } else if (record.kind === 'delivery') {
      if (IN_FLIGHT_STAGES.includes((record.body as DeliverySnapshot).stage))
        this.#inFlight.add(record.id);
      else this.#inFlight.delete(record.id);
    }
  }

  private summary(): FleetStatus {
    // Every known status, zeros included, in one order: equal fleets are equal as JSON.
    const dronesByStatus = Object.fromEntries(DRONE_STATUSES.map((s) => [s, 0])) as Record<
      DroneStatus,
      number
    >;
    for (const status of this.#droneStatus.values()) dronesByStatus[status] += 1;
    return { dronesByStatus, deliveriesInFlight: this.#inFlight.size };
  }
}
