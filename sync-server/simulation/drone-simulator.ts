import type { Logger } from 'pino';
import { Drone, type DroneSnapshot } from '../../domain/fleet';
import {
  distanceMeters,
  etaFromDistance,
  instant,
  type Clock,
  type Location,
} from '../../domain/shared';
import { Delivery, planAssignments, type DeliverySnapshot } from '../../domain/shipping';
import { capturePaymentOnCompletion } from '../payments';
import type { RecordStorePort, RecordTx } from '../records';
import type { TelemetryTuple } from '../telemetry';
import { positionAt, startFlight, type Flight } from './flight';

export interface SimulatorOptions {
  /** Telemetry frames per second. */
  readonly hz: number;
  /** Drone records (battery, last fix) are written to the feed at most this often per drone. */
  readonly recordEveryMs: number;
  /** The scheduler assigns drones to deliveries whose window opens within this horizon. */
  readonly scheduleHorizonMs: number;
}

/**
 * Drives the delivery lifecycle with simulated drones flying real great-circle
 * routes at their model's cruise speed: the scheduler assigns free drones,
 * drones fly to pickup, pick up, fly to drop-off, complete (the payment is
 * captured), and return to the nearest depot. Every state change goes through
 * the domain aggregates and the record store (so it reaches desktops through
 * the change feed); positions go to the telemetry stream only.
 */
export class DroneSimulator {
  readonly #flights = new Map<string, Flight>();
  readonly #lastRecordAt = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  #ticks = 0;

  constructor(
    private readonly store: RecordStorePort,
    private readonly depots: () => readonly Location[],
    private readonly clock: Clock,
    private readonly options: SimulatorOptions,
    private readonly publish: (at: number, fixes: TelemetryTuple[]) => void,
    private readonly log: Logger,
  ) {}

  /** Resumes flights that were under way when the server stopped, from each drone's last fix. */
  async start(): Promise<void> {
    const now = this.clock.now();
    for (const { body: drone } of await this.store.list<DroneSnapshot>('drone')) {
      if (drone.status !== 'in-flight') continue;
      const from = drone.lastFix?.location ?? this.depots()[0] ?? { lat: 0, lng: 0 };
      const d = drone.assignedDeliveryId
        ? (await this.store.get<DeliverySnapshot>('delivery', drone.assignedDeliveryId))?.body
        : undefined;
      const flight =
        d?.stage === 'en-route-to-pickup'
          ? startFlight('to-pickup', from, d.pickup, drone.model, now, drone.batteryPct, d.id)
          : d && (d.stage === 'picked-up' || d.stage === 'headed-to-dropoff')
            ? startFlight('to-dropoff', from, d.dropoff, drone.model, now, drone.batteryPct, d.id)
            : startFlight(
                'to-depot',
                from,
                nearest(from, this.depots()) ?? from,
                drone.model,
                now,
                drone.batteryPct,
                null,
              );
      this.#flights.set(drone.id, flight);
    }
    this.#timer = setInterval(() => {
      void this.tick();
    }, 1000 / this.options.hz);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** One simulation step; ticks never overlap (a slow tick skips the next). */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const now = this.clock.now();
      // Scheduling and charging are slower processes than flight: every ~5 s.
      if (this.#ticks % Math.max(1, Math.round(this.options.hz * 5)) === 0) {
        await this.schedule(now);
        await this.charge(now);
      }
      this.#ticks += 1;
      await this.fly(now);
    } catch (error) {
      this.log.error({ err: error }, 'simulator tick failed');
    } finally {
      this.#ticking = false;
    }
  }

  private async schedule(now: number): Promise<void> {
    const deliveries = (await this.store.list<DeliverySnapshot>('delivery')).map((r) => r.body);
    const drones = (await this.store.list<DroneSnapshot>('drone')).map((r) => r.body);
    const due = deliveries.filter(
      (d) => d.stage === 'created' && d.window.start <= now + this.options.scheduleHorizonMs,
    );
    const depots = this.depots();
    const fallback = depots[0] ?? { lat: 0, lng: 0 };
    const plan = planAssignments(
      due.map((d) => ({
        id: d.id,
        parcel: d.parcel,
        pickup: d.pickup,
        dropoff: d.dropoff,
        windowStart: d.window.start,
      })),
      drones.map((d) => ({
        id: d.id,
        model: d.model,
        status: d.status,
        batteryPct: d.batteryPct,
        position: d.lastFix?.location ?? fallback,
        assignedDeliveryId: d.assignedDeliveryId,
      })),
      depots,
      instant(now),
    );
    for (const a of plan.assignments) {
      await this.store.transact(async (tx) => {
        const delivery = await load(tx, 'delivery', a.deliveryId);
        const drone = await load(tx, 'drone', a.droneId);
        if (!delivery || !drone) return;
        if (
          !drone.assign(delivery.id, instant(now)).ok ||
          !delivery.schedule(drone.id, a.eta, instant(now)).ok
        )
          return;
        await save(tx, 'delivery', delivery.toSnapshot());
        await save(tx, 'drone', drone.toSnapshot());
      });
    }
    // Scheduled deliveries take off.
    for (const d of deliveries.filter((x) => x.stage === 'scheduled' && x.droneId !== null)) {
      await this.takeOff(d, now);
    }
  }

  private async takeOff(d: DeliverySnapshot, now: number): Promise<void> {
    await this.store.transact(async (tx) => {
      const delivery = await load(tx, 'delivery', d.id);
      const drone = d.droneId ? await load(tx, 'drone', d.droneId) : undefined;
      if (!delivery || !drone || delivery.stage !== 'scheduled') return;
      const s = drone.toSnapshot();
      if (s.status !== 'in-flight' && !drone.changeStatus('in-flight', instant(now)).ok) return;
      if (!delivery.dispatch(instant(now)).ok) return;
      await save(tx, 'delivery', delivery.toSnapshot());
      await save(tx, 'drone', drone.toSnapshot());
      const from = s.lastFix?.location ?? d.pickup;
      this.#flights.set(
        s.id,
        startFlight('to-pickup', from, d.pickup, s.model, now, s.batteryPct, d.id),
      );
    });
  }

  private async charge(now: number): Promise<void> {
    for (const r of await this.store.list<DroneSnapshot>('drone')) {
      const s = r.body;
      if (s.status !== 'charging' && !(s.status === 'idle' && s.batteryPct < 40)) continue;
      await this.store.transact(async (tx) => {
        const drone = await load(tx, 'drone', s.id);
        if (!drone) return;
        const snap = drone.toSnapshot();
        if (snap.status === 'idle') drone.changeStatus('charging', instant(now));
        const battery = Math.min(100, snap.batteryPct + 2);
        const at = instant(Math.max(now, (snap.lastFix?.at ?? 0) + 1));
        drone.recordFix({
          location: snap.lastFix?.location ?? this.depots()[0] ?? { lat: 0, lng: 0 },
          headingDeg: 0,
          speedMps: 0,
          batteryPct: battery,
          at,
        });
        if (battery >= 95) drone.changeStatus('idle', instant(now));
        await save(tx, 'drone', drone.toSnapshot(), true);
      });
    }
  }

  private async fly(now: number): Promise<void> {
    const frames: TelemetryTuple[] = [];
    for (const [droneId, flight] of this.#flights) {
      const record = await this.store.get<DroneSnapshot>('drone', droneId);
      if (!record) continue;
      const pos = positionAt(flight, record.body.model, now);
      frames.push([
        droneId,
        round6(pos.location.lat),
        round6(pos.location.lng),
        pos.headingDeg,
        pos.speedMps,
        pos.batteryPct,
        'in-flight',
        now,
      ]);
      if (pos.arrived) await this.arrive(droneId, flight, pos, now);
      else if (now - (this.#lastRecordAt.get(droneId) ?? 0) >= this.options.recordEveryMs) {
        await this.store.transact(async (tx) => {
          const drone = await load(tx, 'drone', droneId);
          if (!drone) return;
          drone.recordFix({
            location: pos.location,
            headingDeg: pos.headingDeg,
            speedMps: pos.speedMps,
            batteryPct: pos.batteryPct,
            at: instant(now),
          });
          await save(tx, 'drone', drone.toSnapshot(), true);
        });
        this.#lastRecordAt.set(droneId, now);
      }
    }
    if (frames.length > 0) this.publish(now, frames);
  }

  private async arrive(
    droneId: string,
    flight: Flight,
    pos: ReturnType<typeof positionAt>,
    now: number,
  ): Promise<void> {
    const at = instant(now);
    await this.store.transact(async (tx) => {
      const drone = await load(tx, 'drone', droneId);
      if (!drone) return;
      drone.recordFix({
        location: pos.location,
        headingDeg: pos.headingDeg,
        speedMps: 0,
        batteryPct: pos.batteryPct,
        at,
      });
      const model = drone.toSnapshot().model;
      const delivery = flight.deliveryId
        ? await load(tx, 'delivery', flight.deliveryId)
        : undefined;
      this.#flights.delete(droneId);
      if (flight.leg === 'to-pickup' && delivery && delivery.pickUp(at).ok) {
        const d = delivery.toSnapshot();
        const eta = etaFromDistance(
          distanceMeters(d.pickup, d.dropoff),
          model.cruiseSpeedMps,
          at,
          model.handlingSeconds,
        );
        if (eta.ok) delivery.headToDropoff(eta.value, at);
        this.#flights.set(
          droneId,
          startFlight('to-dropoff', d.pickup, d.dropoff, model, now, pos.batteryPct, d.id),
        );
      } else if (flight.leg === 'to-dropoff' && delivery && delivery.complete(at).ok) {
        await capturePaymentOnCompletion(tx, { deliveryId: delivery.id, now: instant(now) });
        drone.release(at);
        const home = nearest(pos.location, this.depots()) ?? flight.from;
        this.#flights.set(
          droneId,
          startFlight('to-depot', pos.location, home, model, now, pos.batteryPct, null),
        );
      } else {
        // Back at a depot (or the delivery went away mid-flight): land.
        if (drone.toSnapshot().assignedDeliveryId !== null) drone.release(at);
        drone.changeStatus('landed', at);
        drone.changeStatus(pos.batteryPct < 50 ? 'charging' : 'idle', at);
      }
      if (delivery) await save(tx, 'delivery', delivery.toSnapshot());
      await save(tx, 'drone', drone.toSnapshot(), true);
    });
  }

  flightsInProgress(): number {
    return this.#flights.size;
  }
}

const FROM_SNAPSHOT = {
  delivery: (s: DeliverySnapshot) => Delivery.fromSnapshot(s),
  drone: (s: DroneSnapshot) => Drone.fromSnapshot(s),
};
type Kind = keyof typeof FROM_SNAPSHOT;

async function load<K extends Kind>(
  tx: RecordTx,
  kind: K,
  id: string,
): Promise<ReturnType<(typeof FROM_SNAPSHOT)[K]> | undefined> {
  const record = await tx.get<never>(kind, id);
  return record
    ? (FROM_SNAPSHOT[kind](record.body) as ReturnType<(typeof FROM_SNAPSHOT)[K]>)
    : undefined;
}

/**
 * Writes a snapshot. Telemetry-only changes (`recordFix`) do not bump the
 * aggregate version, so `force` writes them as the next version for the feed.
 */
async function save(
  tx: RecordTx,
  kind: Kind,
  snapshot: { id: string; version: number },
  force = false,
): Promise<void> {
  const current = await tx.get(kind, snapshot.id);
  const version =
    force && current && current.version >= snapshot.version
      ? current.version + 1
      : snapshot.version;
  await tx.put(kind, snapshot.id, version, { ...snapshot, version });
}

function nearest(p: Location, candidates: readonly Location[]): Location | undefined {
  return [...candidates].sort((a, b) => distanceMeters(p, a) - distanceMeters(p, b))[0];
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;
