import type { Logger } from 'pino';
import type * as Y from 'yjs';
import {
  canonicalJson,
  REGION_STATUS_KEYS as KEYS,
  REGION_STATUS_MAP,
  REGION_STATUS_SCHEMA_VERSION,
  type FleetStatus,
  type PaymentsStatus,
  type ServiceLevel,
} from '../../domain/protocol';

export interface RegionStatusPublisherDeps {
  readonly region: string;
  /**
   * Runs `fn` in one server transaction on the region's status document (`hub.serverTransact`
   * bound to `status/<region>`): stored, then sent to every reader, when it resolves. Rejects
   * if storing failed.
   */
  readonly transact: (fn: (doc: Y.Doc) => void) => Promise<void>;
  /** Card payments' level right now (GatewayHealth.level). */
  readonly paymentsLevel: (now: number) => ServiceLevel;
  /** The fleet summary right now; not called again before the previous call settled. */
  readonly fleet: () => Promise<FleetStatus>;
  readonly now: () => number;
  /** Timer period: the fleet is re-read and the payments level re-checked this often. */
  readonly intervalMs: number;
  readonly log: Logger;
  /** Called after each write with the keys it changed (for metrics and tests). */
  readonly written?: (keys: readonly string[]) => void;
}

/**
 * Keeps the server-written `status/<region>` document current. Every write is CRDT history
 * the hub stores and compacts, so it writes only what changed: on its timer, and at once after
 * `gatewayChanged()` (breaker transitions, failed calls, health probe results), never a
 * heartbeat. What it last wrote is cached; the document itself is compared only when the cache
 * says something changed, so a restart with the same state writes nothing and keeps each
 * `since`.
 */
export class RegionStatusPublisher {
  #payments: PaymentsStatus | null = null;
  #fleet: FleetStatus | null = null;
  #synced = false;
  #timer: NodeJS.Timeout | null = null;
  #nudge: NodeJS.Immediate | null = null;
  #tick: Promise<void> | null = null;
  // Writes run one after another: each compares against what the previous one stored.
  #writes: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(private readonly deps: RegionStatusPublisherDeps) {}

  /** Publishes once (fleet included), then every `intervalMs` until stop(). */
  async start(): Promise<void> {
    await this.tick();
    if (this.#stopped) return;
    this.#timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.#timer.unref();
  }

  /**
   * The gateway's state may have changed: re-check the payments level on the next turn of the
   * event loop (not inside the caller's stack; a burst of calls makes one check).
   */
  gatewayChanged(): void {
    if (this.#stopped || this.#nudge !== null) return;
    this.#nudge = setImmediate(() => {
      this.#nudge = null;
      void this.publish(undefined);
    });
  }

  /** One timer step: reads the fleet, then publishes. A step still running is not doubled. */
  tick(): Promise<void> {
    this.#tick ??= (async () => {
      let fleet: FleetStatus | undefined;
      try {
        fleet = await this.deps.fleet();
      } catch (error) {
        // The payments part is still worth publishing; the fleet part stays as it was.
        this.deps.log.error({ err: error }, 'region status: fleet summary failed');
      }
      try {
        await this.publish(fleet);
      } finally {
        this.#tick = null;
      }
    })();
    return this.#tick;
  }

  /** Stops the timer and waits for a step or write in flight; nothing is written afterwards. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#nudge !== null) clearImmediate(this.#nudge);
    this.#nudge = null;
    await this.#tick;
    await this.#writes;
  }

  /** `fleet` undefined: keep the fleet part as last published. A failed store write is logged. */
  private publish(fleet: FleetStatus | undefined): Promise<void> {
    const write = this.#writes.then(() => this.write(fleet));
    // A write that threw (not one whose store failed: that is caught inside) must not stop later ones.
    this.#writes = write.catch(() => undefined);
    return write;
  }

  private async write(fleet: FleetStatus | undefined): Promise<void> {
    if (this.#stopped) return;
    const now = this.deps.now();
    const level = this.deps.paymentsLevel(now);
    const paymentsChanged = this.#payments?.level !== level;
    const fleetChanged =
      fleet !== undefined &&
      (this.#fleet === null || canonicalJson(fleet) !== canonicalJson(this.#fleet));
    if (this.#synced && !paymentsChanged && !fleetChanged) return;
    try {
      await this.deps.transact((doc) => {
        this.writeChanges(doc.getMap(REGION_STATUS_MAP), now, level, fleet);
      });
      this.#synced = true;
    } catch (error) {
      // The cache may now be ahead of the store: compare with the document again next time.
      this.#synced = false;
      this.deps.log.error({ err: error }, 'region status: write failed');
    }
  }

  private writeChanges(
    map: Y.Map<unknown>,
    now: number,
    level: ServiceLevel,
    fleet: FleetStatus | undefined,
  ): void {
    const changed: string[] = [];
    const put = (key: string, value: unknown): void => {
      if (canonicalJson(map.get(key)) === canonicalJson(value)) return;
      map.set(key, value);
      changed.push(key);
    };
    const stored = map.get(KEYS.payments) as Partial<PaymentsStatus> | undefined;
    // Same level as stored (a restart, or a flap that came back): its `since` still holds.
    const payments: PaymentsStatus =
      stored?.level === level && typeof stored.since === 'number'
        ? { level, since: stored.since }
        : { level, since: now };
    put(KEYS.schemaVersion, REGION_STATUS_SCHEMA_VERSION);
    put(KEYS.region, this.deps.region);
    put(KEYS.payments, payments);
    this.#payments = payments;
    if (fleet !== undefined) {
      put(KEYS.fleet, fleet);
      this.#fleet = fleet;
    }
    if (changed.length === 0) return;
    map.set(KEYS.updatedAt, now);
    this.deps.written?.(changed);
    this.deps.log.debug({ region: this.deps.region, keys: changed }, 'region status written');
  }
}
