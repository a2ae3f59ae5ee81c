/**
 * Shared fixtures for the domain tests: a fixed instant (never the real clock),
 * sample payment methods, places and drones in Berlin, and builders that drive
 * aggregates to a given state through their public methods only.
 * Imports domain files only (no test runner), so any test can use it.
 */
import {
  asId,
  expectOk,
  instant,
  location,
  paymentMethodRef,
  type AuthorizationId,
  type Clock,
  type CommandId,
  type CustomerId,
  type DeliveryId,
  type DroneId,
  type Eta,
  type IdGenerator,
  type Instant,
  type Location,
  type PaymentMethodRef,
  type Result,
  type TimeWindow,
} from '../shared';
import { DRONE_MODELS, Drone, type DroneModel } from '../fleet';
import {
  Delivery,
  parcel,
  type DeliveryStage,
  type Parcel,
  type SchedulableDelivery,
  type SchedulableDrone,
} from '../shipping';
import { Payment } from '../payments';
import type { AccountSnapshot, PostalAddress } from '../accounts';

// ---------------------------------------------------------------- time

/** 2026-11-22T10:00:00Z — the tests' "now". */
export const NOW: Instant = instant(1_795_341_600_000);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** NOW shifted by some milliseconds. */
export const at = (offsetMs: number): Instant => instant(NOW + offsetMs);

export const fixedClock = (t: Instant = NOW): Clock => ({ now: () => t });

/** Counter-based ids: "prefix-1", "prefix-2", … */
export function counterIds(): IdGenerator {
  let n = 0;
  return {
    next: (prefix) => {
      n += 1;
      return `${prefix}-${n}`;
    },
  };
}

// ---------------------------------------------------------------- results

/** "ok" for a success, the error code otherwise: lets a table compare outcomes in one column. */
export const outcome = (result: Result<unknown>): string => (result.ok ? 'ok' : result.error.code);

/** The error of a failed result; throws (failing the test) when it succeeded. */
export function failure(result: Result<unknown>): { code: string; message: string } {
  if (result.ok) throw new Error(`Expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

// ---------------------------------------------------------------- ids

export const customerId = (n = 1): CustomerId => asId('Customer', `cust-${n}`);
export const deliveryId = (n = 1): DeliveryId => asId('Delivery', `del-${n}`);
export const droneId = (n = 1): DroneId => asId('Drone', `drone-${n}`);
export const authId = (n: number | string = 1): AuthorizationId =>
  asId('Authorization', `auth-${n}`);
export const commandId = (n: number | string = 1): CommandId => asId('Command', `cmd-${n}`);

// ---------------------------------------------------------------- places (Berlin)

const place = (lat: number, lng: number): Location => expectOk(location(lat, lng));

export const BERLIN = place(52.52, 13.405);
export const MUNICH = place(48.1351, 11.582);
export const ALEXANDERPLATZ = place(52.5219, 13.4132);
export const BRANDENBURG_GATE = place(52.5163, 13.3777);
export const KREUZBERG = place(52.4986, 13.403);
export const PRENZLAUER_BERG = place(52.5388, 13.4244);
export const CHARLOTTENBURG = place(52.5167, 13.3041);
export const TEMPELHOF_DEPOT = place(52.473, 13.4035);
export const WEDDING_DEPOT = place(52.5503, 13.3595);
export const DEPOTS: readonly Location[] = [TEMPELHOF_DEPOT, WEDDING_DEPOT];

// ---------------------------------------------------------------- payment methods

const method = (
  token: string,
  brand: string,
  last4: string,
  expMonth: number,
  expYear: number,
): PaymentMethodRef => expectOk(paymentMethodRef({ token, brand, last4, expMonth, expYear }));

/** Valid through 09/2027. */
export const VISA_4242 = method('pm_visa4242abc', 'visa', '4242', 9, 2027);
/** Valid through 12/2028. */
export const MASTERCARD_4444 = method('pm_mc4444defg', 'mastercard', '4444', 12, 2028);
/** Valid through 03/2029. */
export const AMEX_0005 = method('card_amex0005xyz', 'amex', '0005', 3, 2029);
/** Expired at the end of 10/2026, i.e. before NOW. */
export const EXPIRED_VISA = method('pm_oldvisa1881', 'visa', '1881', 10, 2026);
/** Expires at the end of NOW's month (11/2026): still valid at NOW. */
export const VISA_EXPIRING_THIS_MONTH = method('tok_visa1111now', 'visa', '1111', 11, 2026);

// ---------------------------------------------------------------- shipping

export const SMALL_PARCEL: Parcel = expectOk(parcel(1200, 'S', 'PKG-0001'));
export const HEAVY_PARCEL: Parcel = expectOk(parcel(4000, 'L', 'PKG-HEAVY'));

/** A valid two-hour window starting an hour after NOW. */
export const WINDOW: TimeWindow = { start: at(HOUR), end: at(3 * HOUR) };

export const sampleEta = (arrivesInMs = 20 * MINUTE, estimatedAt: Instant = NOW): Eta => ({
  arrivesAt: instant(estimatedAt + arrivesInMs),
  estimatedAt,
});

export function newDelivery(
  overrides: Partial<{
    id: DeliveryId;
    parcel: Parcel;
    pickup: Location;
    dropoff: Location;
    window: TimeWindow;
  }> = {},
): Delivery {
  return expectOk(
    Delivery.create(
      {
        id: deliveryId(),
        customerId: customerId(),
        parcel: SMALL_PARCEL,
        pickup: ALEXANDERPLATZ,
        dropoff: KREUZBERG,
        window: WINDOW,
        ...overrides,
      },
      NOW,
    ),
  );
}

/** Steps that take a fresh delivery to each stage, through the public methods only. */
const STEPS_TO: Record<DeliveryStage, readonly ((d: Delivery) => Result<unknown>)[]> = (() => {
  const schedule = (d: Delivery) => d.schedule(droneId(), sampleEta(), at(MINUTE));
  const dispatch = (d: Delivery) => d.dispatch(at(2 * MINUTE));
  const pickUp = (d: Delivery) => d.pickUp(at(10 * MINUTE));
  const head = (d: Delivery) =>
    d.headToDropoff(sampleEta(10 * MINUTE, at(11 * MINUTE)), at(11 * MINUTE));
  const complete = (d: Delivery) => d.complete(at(25 * MINUTE));
  return {
    created: [],
    scheduled: [schedule],
    'en-route-to-pickup': [schedule, dispatch],
    'picked-up': [schedule, dispatch, pickUp],
    'headed-to-dropoff': [schedule, dispatch, pickUp, head],
    completed: [schedule, dispatch, pickUp, head, complete],
    cancelled: [schedule, (d) => d.cancel('customer-request', at(3 * MINUTE))],
    failed: [schedule, dispatch, (d) => d.fail('Motor fault', at(5 * MINUTE))],
  };
})();

/** A delivery in the given stage (with drone-1 assigned where the stage has one). */
export function deliveryIn(stage: DeliveryStage): Delivery {
  const d = newDelivery();
  for (const step of STEPS_TO[stage]) expectOk(step(d));
  return d;
}

// ---------------------------------------------------------------- fleet

export const COURIER: DroneModel = DRONE_MODELS['courier-2'];
export const HAULER: DroneModel = DRONE_MODELS['hauler-5'];

export function newDrone(batteryPct = 80, model: DroneModel = COURIER, id = droneId()): Drone {
  return expectOk(Drone.create({ id, model, batteryPct }));
}

export function schedulableDrone(overrides: Partial<SchedulableDrone> = {}): SchedulableDrone {
  return {
    id: droneId(),
    model: COURIER,
    status: 'idle',
    batteryPct: 90,
    position: TEMPELHOF_DEPOT,
    assignedDeliveryId: null,
    ...overrides,
  };
}

export function schedulableDelivery(
  overrides: Partial<SchedulableDelivery> = {},
): SchedulableDelivery {
  return {
    id: deliveryId(),
    parcel: SMALL_PARCEL,
    pickup: ALEXANDERPLATZ,
    dropoff: KREUZBERG,
    windowStart: at(HOUR),
    ...overrides,
  };
}

// ---------------------------------------------------------------- payments

export const ORDER_AMOUNT = { minor: 2490, currency: 'EUR' } as const;

/** An authorized payment of 24.90 EUR on VISA_4242 (authorization auth-1), version 1. */
export function newPayment(): Payment {
  return expectOk(
    Payment.create(
      {
        id: asId('Payment', 'pay-1'),
        deliveryId: deliveryId(),
        customerId: customerId(),
        amount: ORDER_AMOUNT,
        method: VISA_4242,
        authorizationId: authId(1),
      },
      NOW,
    ),
  );
}

// ---------------------------------------------------------------- accounts

export const SAMPLE_ADDRESS: PostalAddress = {
  line1: 'Karl-Marx-Allee 1',
  city: 'Berlin',
  postcode: '10178',
  country: 'DE',
  position: ALEXANDERPLATZ,
};

/** Input for Account.open: valid in every field. */
export const SAMPLE_ACCOUNT: Omit<AccountSnapshot, 'version' | 'paymentMethods'> = {
  id: customerId(),
  name: 'Ada Lovelace',
  phone: '+4930123456',
  email: 'ada@example.com',
  address: SAMPLE_ADDRESS,
};
