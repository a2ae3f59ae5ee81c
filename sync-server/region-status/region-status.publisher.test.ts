/**
 * The status publisher over a plain Y.Doc (a Yjs transaction that changes nothing emits no
 * update, so counting 'update' events counts the writes the hub would store), with the real
 * cockatiel breaker for the gateway part.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  readRegionStatus,
  REGION_STATUS_MAP,
  type FleetStatus,
  type RegionStatus,
} from '../../domain/protocol';
import { createGatewayPolicy, GatewayUnavailableError } from '../payments';
import { GatewayHealth } from './gateway-health';
import { RegionStatusPublisher, type RegionStatusPublisherDeps } from './region-status.publisher';

const T0 = Date.UTC(2026, 10, 22, 9, 0);
const FLEET: FleetStatus = {
  dronesByStatus: { idle: 3, charging: 1, 'in-flight': 4, landed: 0, maintenance: 0 },
  deliveriesInFlight: 4,
};
const silent = pino({ level: 'silent' });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Rig {
  readonly doc: Y.Doc;
  readonly publisher: RegionStatusPublisher;
  readonly health: GatewayHealth;
  readonly clock: { now: number };
  fleet: FleetStatus;
  transacts: number;
  writes: number;
  status(): RegionStatus | null;
}

const publishers: RegionStatusPublisher[] = [];
afterEach(async () => {
  await Promise.all(publishers.splice(0).map((p) => p.stop()));
});

function rig(doc = new Y.Doc(), overrides: Partial<RegionStatusPublisherDeps> = {}): Rig {
  const health = new GatewayHealth({ degradedForMs: 30_000 });
  const r: Rig = {
    doc,
    health,
    clock: { now: T0 },
    fleet: FLEET,
    transacts: 0,
    writes: 0,
    status: () => readRegionStatus(Object.fromEntries(doc.getMap(REGION_STATUS_MAP).entries())),
    publisher: undefined as unknown as RegionStatusPublisher,
  };
  doc.on('update', () => (r.writes += 1));
  const publisher = new RegionStatusPublisher({
    region: 'berlin',
    transact: (fn) => {
      r.transacts += 1;
      doc.transact(() => fn(doc), 'server');
      return Promise.resolve();
    },
    paymentsLevel: (now) => health.level(now),
    fleet: () => Promise.resolve(r.fleet),
    now: () => r.clock.now,
    intervalMs: 60_000, // the tests step it by hand
    log: silent,
    ...overrides,
  });
  publishers.push(publisher);
  return Object.assign(r, { publisher });
}

describe('RegionStatusPublisher', () => {
  it('publishes everything once at start, then writes nothing while nothing changes', async () => {
    const r = rig();
    await r.publisher.start();
    expect(r.writes).toBe(1);
    expect(r.status()).toEqual({
      region: 'berlin',
      payments: { level: 'ok', since: T0 },
      fleet: FLEET,
      updatedAt: T0,
    });
    r.clock.now += 5000;
    await r.publisher.tick();
    await r.publisher.tick();
    r.publisher.gatewayChanged();
    await turn();
    expect(r.writes).toBe(1);
    expect(r.transacts).toBe(1); // unchanged is known without touching the document
  });

  it('writes only the part that changed, with the time of the change', async () => {
    const r = rig();
    await r.publisher.start();
    r.clock.now += 5000;
    r.fleet = { ...FLEET, deliveriesInFlight: 5 };
    await r.publisher.tick();
    expect(r.writes).toBe(2);
    expect(r.status()).toMatchObject({
      payments: { level: 'ok', since: T0 },
      fleet: { deliveriesInFlight: 5 },
      updatedAt: T0 + 5000,
    });
  });

  it('the breaker opening makes payments "down" on the next turn of the event loop, not the next timer tick', async () => {
    const r = rig();
    await r.publisher.start();
    const { policy } = createGatewayPolicy(
      { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1, breakAfter: 4, halfOpenAfterMs: 60_000 },
      (state) => {
        r.health.breakerChanged(state);
        r.publisher.gatewayChanged();
      },
      () => {
        r.health.callFailed(r.clock.now);
        r.publisher.gatewayChanged();
      },
    );
    const failingCall = (): Promise<never> =>
      policy.execute(() => Promise.reject(new GatewayUnavailableError('503')));
    r.clock.now += 1000;
    await expect(failingCall()).rejects.toThrow(GatewayUnavailableError);
    await turn();
    // Two failed attempts (one retry), breaker still closed: slow or failing some calls.
    expect(r.status()?.payments).toEqual({ level: 'degraded', since: T0 + 1000 });

    r.clock.now += 1000;
    await expect(failingCall()).rejects.toThrow(GatewayUnavailableError);
    await turn();
    expect(r.status()?.payments).toEqual({ level: 'down', since: T0 + 2000 });
    expect(r.writes).toBe(3);
  });

  it('a restart over the same document writes nothing when nothing changed, and keeps each since', async () => {
    const first = rig();
    await first.publisher.start();
    await first.publisher.stop();
    const again = rig(first.doc);
    again.clock.now = T0 + 60_000;
    await again.publisher.start();
    expect(again.writes).toBe(0);
    expect(again.status()?.payments?.since).toBe(T0);

    again.health.breakerChanged('open');
    again.publisher.gatewayChanged();
    await turn();
    expect(again.status()?.payments).toEqual({ level: 'down', since: T0 + 60_000 });
  });

  it('a failed write is retried on the next tick, and a failed fleet read still publishes payments', async () => {
    let failWrites = true;
    const doc = new Y.Doc();
    const r = rig(doc, {
      transact: (fn) => {
        // As the hub reports it: the change is applied, storing it fails later.
        doc.transact(() => fn(doc), 'server');
        if (failWrites) {
          doc.getMap(REGION_STATUS_MAP).clear(); // what a reload from the store would show
          return new Promise((_resolve, reject) =>
            setImmediate(() => reject(new Error('disk full'))),
          );
        }
        return Promise.resolve();
      },
    });
    await r.publisher.start();
    expect(r.status()).toBeNull();
    failWrites = false;
    await r.publisher.tick();
    expect(r.status()?.fleet).toEqual(FLEET);

    const broken = rig(new Y.Doc(), { fleet: () => Promise.reject(new Error('store closed')) });
    await broken.publisher.start();
    expect(broken.status()).toMatchObject({ payments: { level: 'ok' }, fleet: null });
  });

  it('stop waits for the step in flight and nothing is written afterwards', async () => {
    let release = (): void => undefined;
    const r = rig(new Y.Doc(), {
      fleet: () => new Promise((resolve) => (release = () => resolve(FLEET))),
    });
    const started = r.publisher.start();
    await turn();
    let stopped = false;
    const stopping = r.publisher.stop().then(() => (stopped = true));
    await turn();
    expect(stopped).toBe(false);
    release();
    await Promise.all([started, stopping]);
    r.health.breakerChanged('open');
    r.publisher.gatewayChanged();
    await turn();
    expect(r.writes).toBe(0);
  });
});
