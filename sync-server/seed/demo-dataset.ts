import { Account } from '../../domain/accounts';
import { DRONE_MODELS, Drone } from '../../domain/fleet';
import { Payment, paymentIdForDelivery } from '../../domain/payments';
import {
  asId,
  CARD_BRANDS,
  destinationPoint,
  distanceMeters,
  etaFromDistance,
  expectOk,
  instant,
  money,
  paymentMethodRef,
  type Instant,
  type Location,
  type PaymentMethodRef,
} from '../../domain/shared';
import { Delivery, parcel, PARCEL_SIZES } from '../../domain/shipping';
import type { RecordStorePort, RecordTx } from '../records';
import { CITY, DEPOTS, FIRST_NAMES, LAST_NAMES, STREETS, ZONE_RADIUS_M } from './berlin';
import { between, intBetween, pick, seededRandom } from './random';

export interface SeedOptions {
  readonly customers: number;
  readonly deliveries: number;
  readonly drones: number;
  readonly now: Instant;
  readonly seed?: number;
}

/** An authorization the sandbox gateway must know about (the orders were paid before we started). */
export interface SeedHold {
  readonly authorizationId: string;
  readonly token: string;
  readonly amountMinor: number;
}

export interface SeedResult {
  readonly customers: number;
  readonly deliveries: number;
  readonly drones: number;
  readonly holds: readonly SeedHold[];
}

const MIN = 60_000;

/**
 * A realistic demo dataset for one city, built through the domain aggregates so
 * it obeys every invariant: customers with sandbox payment tokens (a few that
 * decline), deliveries in every stage with their payments, drones, depots and
 * service zones. Deterministic for a given seed.
 */
export async function seedDemoDataset(
  store: RecordStorePort,
  options: SeedOptions,
): Promise<SeedResult> {
  const rnd = seededRandom(options.seed ?? 20261122);
  const now = options.now;
  const holds: SeedHold[] = [];

  await store.transact(async (tx) => {
    for (const depot of DEPOTS) {
      await tx.put('depot', depot.id, 1, { ...depot, region: CITY.region });
      await tx.put('zone', `zone-${depot.id.slice(6)}`, 1, {
        id: `zone-${depot.id.slice(6)}`,
        name: `${depot.name} service zone`,
        region: CITY.region,
        polygon: circlePolygon(depot.position, ZONE_RADIUS_M, 24),
      });
    }
  });

  const accounts: { id: string; methods: PaymentMethodRef[]; home: Location }[] = [];
  await store.transact(async (tx) => {
    for (let i = 0; i < options.customers; i += 1) {
      const acc = makeAccount(rnd, i, now);
      accounts.push({
        id: acc.id,
        methods: [...acc.toSnapshot().paymentMethods],
        home: acc.toSnapshot().address.position,
      });
      const s = acc.toSnapshot();
      await tx.put('account', s.id, s.version, s);
    }
  });

  const drones: Drone[] = [];
  for (let i = 0; i < options.drones; i += 1) {
    const model = i % 4 === 3 ? DRONE_MODELS['hauler-5'] : DRONE_MODELS['courier-2'];
    const drone = expectOk(
      Drone.create({
        id: asId('Drone', `drone-${String(i + 1).padStart(4, '0')}`),
        model,
        batteryPct: Math.round(between(rnd, 55, 100)),
      }),
    );
    const depot = DEPOTS[i % DEPOTS.length] ?? DEPOTS[0];
    if (depot)
      drone.recordFix({
        location: depot.position,
        headingDeg: 0,
        speedMps: 0,
        batteryPct: drone.toSnapshot().batteryPct,
        at: instant(now - 5 * MIN),
      });
    if (i % 13 === 5) drone.changeStatus('charging', now);
    if (i % 29 === 7) drone.changeStatus('maintenance', now);
    drones.push(drone);
  }
  const free = drones.filter((d) => d.toSnapshot().status === 'idle');

  let created = 0;
  await store.transact(async (tx) => {
    for (let i = 0; i < options.deliveries; i += 1) {
      const account = pick(rnd, accounts);
      const method = account.methods[0];
      if (!method) continue;
      const depot = pick(rnd, DEPOTS);
      const stage = pickStage(rnd, i, free.length > 0);
      const ok = await writeDelivery(tx, rnd, {
        i,
        account: account.id,
        home: account.home,
        method,
        pickup: depot.position,
        stage,
        now,
        drone: stage === 'active' ? free.pop() : undefined,
        holds,
      });
      if (ok) created += 1;
    }
    for (const drone of drones) {
      const s = drone.toSnapshot();
      await tx.put('drone', s.id, s.version, s);
    }
  });
  return { customers: accounts.length, deliveries: created, drones: drones.length, holds };
}

type SeedStage = 'past' | 'active' | 'upcoming' | 'cancelled' | 'failed';

function pickStage(rnd: () => number, i: number, droneFree: boolean): SeedStage {
  if (droneFree && i % 7 === 0) return 'active';
  const r = rnd();
  if (r < 0.45) return 'past';
  if (r < 0.85) return 'upcoming';
  if (r < 0.95) return 'cancelled';
  return 'failed';
}

async function writeDelivery(
  tx: RecordTx,
  rnd: () => number,
  o: {
    i: number;
    account: string;
    home: Location;
    method: PaymentMethodRef;
    pickup: Location;
    stage: SeedStage;
    now: Instant;
    drone: Drone | undefined;
    holds: SeedHold[];
  },
): Promise<boolean> {
  const past = o.stage === 'past' || o.stage === 'failed';
  // An active delivery was scheduled moments ago, so its ETA still lies ahead: one created
  // up to 50 min back carried an ETA long gone, and a healthy demo fleet opened on a wall of
  // "delivery is late" alerts.
  const recentMin = o.stage === 'active' ? intBetween(rnd, 0, 2) : intBetween(rnd, 1, 50);
  const createdAt = instant(o.now - (past ? intBetween(rnd, 60, 60 * 24 * 20) : recentMin) * MIN);
  const start =
    o.stage === 'upcoming'
      ? instant(o.now + intBetween(rnd, 10, 60 * 24 * 3) * MIN)
      : instant(createdAt + 5 * MIN);
  const id = `del-${String(o.i + 1).padStart(6, '0')}`;
  const made = Delivery.create(
    {
      id: asId('Delivery', id),
      customerId: asId('Customer', o.account),
      parcel: expectOk(
        parcel(
          intBetween(rnd, 150, 2400),
          pick(rnd, PARCEL_SIZES),
          `PKG-${(o.i * 7919 + 100000).toString(36).toUpperCase()}`,
        ),
      ),
      pickup: o.pickup,
      dropoff: o.home,
      window: { start, end: instant(start + 2 * 60 * MIN) },
    },
    createdAt,
  );
  if (!made.ok) return false; // e.g. a customer living right next to the depot
  const delivery = made.value;
  const d = delivery.toSnapshot();
  const route = distanceMeters(d.pickup, d.dropoff);
  const at = (min: number): Instant => instant(createdAt + min * MIN);
  if (o.stage === 'past' || o.stage === 'active' || o.stage === 'failed') {
    const droneId =
      o.drone?.id ?? asId('Drone', `drone-${String(1 + (o.i % 40)).padStart(4, '0')}`);
    delivery.schedule(droneId, expectOk(etaFromDistance(route, 16, at(1), 120)), at(1));
    if (o.stage === 'active') {
      o.drone?.assign(delivery.id, at(1));
    } else {
      delivery.dispatch(at(3));
      delivery.pickUp(at(8));
      if (o.stage === 'failed')
        delivery.fail('Drop-off point unreachable (no safe landing spot).', at(15));
      else {
        delivery.headToDropoff(expectOk(etaFromDistance(route, 16, at(9), 60)), at(9));
        delivery.complete(at(20));
      }
    }
  } else if (o.stage === 'cancelled') {
    delivery.cancel('customer-request', at(2));
  }
  const s = delivery.toSnapshot();
  await tx.put('delivery', id, s.version, s);

  const authorizationId = `auth_seed_${(o.i + 1).toString(36)}`;
  const payment = expectOk(
    Payment.create(
      {
        id: paymentIdForDelivery(id),
        deliveryId: delivery.id,
        customerId: d.customerId,
        amount: expectOk(money(intBetween(rnd, 499, 3999), 'EUR')),
        method: o.method,
        authorizationId: asId('Authorization', authorizationId),
      },
      createdAt,
    ),
  );
  if (o.stage === 'past') payment.settle(at(21));
  if (o.stage === 'cancelled') {
    // Cancelled long ago: its hold was released then (the sandbox never held it).
    expectOk(
      payment.requestRelease({
        key: asId('IdempotencyKey', `seed-cancel-${id}`),
        reason: 'customer-request',
        at: at(2),
      }),
    );
    expectOk(payment.applyReleaseOutcome('voided', at(3)));
  }
  const p = payment.toSnapshot();
  await tx.put('payment', p.id, p.version, p);
  if (p.status === 'authorized')
    o.holds.push({ authorizationId, token: o.method.token, amountMinor: p.amount.minor });
  return true;
}

function makeAccount(rnd: () => number, i: number, now: Instant): Account {
  const first = pick(rnd, FIRST_NAMES);
  const last = pick(rnd, LAST_NAMES);
  const position = destinationPoint(CITY.center, between(rnd, 0, 360), between(rnd, 300, 7500));
  const id = asId('Customer', `cus-${String(i + 1).padStart(6, '0')}`);
  const account = expectOk(
    Account.open(
      {
        id,
        name: `${first} ${last}`,
        phone: `+4930${String(1_000_000 + ((i * 7_654_321) % 8_999_999)).padStart(7, '0')}`,
        email: `${ascii(first)}.${ascii(last)}${i + 1}@example.com`,
        address: {
          line1: `${pick(rnd, STREETS)} ${intBetween(rnd, 1, 180)}`,
          city: CITY.name,
          postcode: String(intBetween(rnd, 10115, 14199)),
          country: 'DE',
          position,
        },
      },
      now,
    ),
  );
  const count = intBetween(rnd, 1, 3);
  for (let m = 0; m < count; m += 1) {
    const brand = pick(rnd, CARD_BRANDS.slice(0, 3));
    // About one customer in twenty has a second card the sandbox declines.
    const outcome =
      m > 0 && i % 20 === 0 ? 'decline_funds' : m > 0 && i % 33 === 0 ? 'decline_fraud' : 'ok';
    const year = 2026 + intBetween(rnd, m === 2 ? -1 : 1, 5);
    account.addPaymentMethod(
      expectOk(
        paymentMethodRef({
          token: `pm_sandbox_${brand}_${outcome}_${(i * 3 + m).toString(36)}x`,
          brand,
          last4: String(intBetween(rnd, 0, 9999)).padStart(4, '0'),
          expMonth: intBetween(rnd, 1, 12),
          expYear: year,
        }),
      ),
      now,
    );
  }
  return account;
}

const ascii = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

function circlePolygon(center: Location, radiusM: number, steps: number): [number, number][] {
  const ring: [number, number][] = [];
  for (let k = 0; k <= steps; k += 1) {
    const p = destinationPoint(center, (360 * k) / steps, radiusM);
    ring.push([Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
  }
  return ring;
}
