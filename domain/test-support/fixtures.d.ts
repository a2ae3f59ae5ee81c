/**
 * Shared fixtures for the domain tests: a fixed instant (never the real clock),
 * sample payment methods, places and drones in Berlin, and builders that drive
 * aggregates to a given state through their public methods only.
 * Imports domain files only (no test runner), so any test can use it.
 */
import { type AuthorizationId, type Clock, type CommandId, type CustomerId, type DeliveryId, type DroneId, type Eta, type IdGenerator, type Instant, type Location, type PaymentMethodRef, type Result, type TimeWindow } from '../shared';
import { Drone, type DroneModel } from '../fleet';
import { Delivery, type DeliveryStage, type Parcel, type SchedulableDelivery, type SchedulableDrone } from '../shipping';
import { Payment } from '../payments';
import type { AccountSnapshot, PostalAddress } from '../accounts';
/** 2026-11-22T10:00:00Z — the tests' "now". */
export declare const NOW: Instant;
export declare const SECOND = 1000;
export declare const MINUTE: number;
export declare const HOUR: number;
export declare const DAY: number;
/** NOW shifted by some milliseconds. */
export declare const at: (offsetMs: number) => Instant;
export declare const fixedClock: (t?: Instant) => Clock;
/** Counter-based ids: "prefix-1", "prefix-2", … */
export declare function counterIds(): IdGenerator;
/** "ok" for a success, the error code otherwise: lets a table compare outcomes in one column. */
export declare const outcome: (result: Result<unknown>) => string;
/** The error of a failed result; throws (failing the test) when it succeeded. */
export declare function failure(result: Result<unknown>): {
    code: string;
    message: string;
};
export declare const customerId: (n?: number) => CustomerId;
export declare const deliveryId: (n?: number) => DeliveryId;
export declare const droneId: (n?: number) => DroneId;
export declare const authId: (n?: number | string) => AuthorizationId;
export declare const commandId: (n?: number | string) => CommandId;
export declare const BERLIN: Location;
export declare const MUNICH: Location;
export declare const ALEXANDERPLATZ: Location;
export declare const BRANDENBURG_GATE: Location;
export declare const KREUZBERG: Location;
export declare const PRENZLAUER_BERG: Location;
export declare const CHARLOTTENBURG: Location;
export declare const TEMPELHOF_DEPOT: Location;
export declare const WEDDING_DEPOT: Location;
export declare const DEPOTS: readonly Location[];
/** Valid through 09/2027. */
export declare const VISA_4242: PaymentMethodRef;
/** Valid through 12/2028. */
export declare const MASTERCARD_4444: PaymentMethodRef;
/** Valid through 03/2029. */
export declare const AMEX_0005: PaymentMethodRef;
/** Expired at the end of 10/2026, i.e. before NOW. */
export declare const EXPIRED_VISA: PaymentMethodRef;
/** Expires at the end of NOW's month (11/2026): still valid at NOW. */
export declare const VISA_EXPIRING_THIS_MONTH: PaymentMethodRef;
export declare const SMALL_PARCEL: Parcel;
export declare const HEAVY_PARCEL: Parcel;
/** A valid two-hour window starting an hour after NOW. */
export declare const WINDOW: TimeWindow;
export declare const sampleEta: (arrivesInMs?: number, estimatedAt?: Instant) => Eta;
export declare function newDelivery(overrides?: Partial<{
    id: DeliveryId;
    parcel: Parcel;
    pickup: Location;
    dropoff: Location;
    window: TimeWindow;
}>): Delivery;
/** A delivery in the given stage (with drone-1 assigned where the stage has one). */
export declare function deliveryIn(stage: DeliveryStage): Delivery;
export declare const COURIER: DroneModel;
export declare const HAULER: DroneModel;
export declare function newDrone(batteryPct?: number, model?: DroneModel, id?: DroneId): Drone;
export declare function schedulableDrone(overrides?: Partial<SchedulableDrone>): SchedulableDrone;
export declare function schedulableDelivery(overrides?: Partial<SchedulableDelivery>): SchedulableDelivery;
export declare const ORDER_AMOUNT: {
    readonly minor: 2490;
    readonly currency: "EUR";
};
/** An authorized payment of 24.90 EUR on VISA_4242 (authorization auth-1), version 1. */
export declare function newPayment(): Payment;
export declare const SAMPLE_ADDRESS: PostalAddress;
/** Input for Account.open: valid in every field. */
export declare const SAMPLE_ACCOUNT: Omit<AccountSnapshot, 'version' | 'paymentMethods'>;
