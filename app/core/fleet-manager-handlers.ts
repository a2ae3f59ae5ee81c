import type { DroneSnapshot } from '../../domain/fleet';
import { instant, type Location, type Result } from '../../domain/shared';
import { rankCandidates, type DeliverySnapshot } from '../../domain/shipping';
import {
  acknowledgeAlert,
  addChecklistItem,
  claim,
  readAlertAcksAcross,
  readBoardView,
  releaseClaim,
  setFlagMarked,
  toggleChecklistItem,
  type BoardDoc,
  type BoardView,
} from '../collab';
import type {
  ApiResult,
  DispatchQueueEntry,
  EffectiveRecord,
  FleetManagerOutputs,
  OperatorInput,
} from '../contract';
import type { EffectiveView } from '../commands';
import type { OutboxStore } from '../outbox';
import type { RecordReader } from '../replica';
import type { SessionStore } from '../session';
import type { TrailPoint } from '../telemetry';

/** What the collaborative documents give these handlers (part of CollabFacade). */
export interface FleetCollab {
  get(deliveryId: string): BoardView | null;
  /** The board document holding this delivery's shared state; null if the delivery is unknown. */
  board(deliveryId: string): BoardDoc | null;
  /** The region's dispatch document for the day of `at`; null without collaborative documents. */
  dispatchDoc(at: number): BoardDoc | null;
}

/** The part of the core's handler dependencies these methods use. */
export interface FleetHandlerDeps {
  readonly now: () => number;
  readonly session: SessionStore;
  readonly reader: RecordReader;
  readonly view: EffectiveView;
  readonly outbox: OutboxStore;
  readonly collab: FleetCollab;
  /** A drone's fixes since an instant, from the replica's trail table. */
  readonly trail: (droneId: string, since: number) => readonly TrailPoint[];
}

/** Minutes of trail answered when the caller names none. */
const DEFAULT_TRAIL_MINUTES = 10;
const DAY_MS = 86_400_000;

type FleetMethod = keyof FleetManagerOutputs;
export type FleetManagerHandlers = {
  readonly [M in FleetMethod]: (input: OperatorInput<M>) => ApiResult<FleetManagerOutputs[M]>;
};

/** Entries the dispatch queue answers when the caller names no limit. */
const DEFAULT_QUEUE_LIMIT = 200;

const fail = (code: string, message: string): ApiResult<never> => ({
  ok: false,
  error: { code, message },
});
const SIGNED_OUT = fail('SESSION.EXPIRED', 'Your sign-in has expired; sign in again to continue.');
const NO_DELIVERY = fail('DELIVERY.NOT_FOUND', 'That delivery is not on this desktop.');

/**
 * The fleet manager's methods (issue 13): the dispatch queue and the scheduler's candidates
 * from the replica, shared delivery state and alert acknowledgements on the Yjs documents.
 * Everything is local: it works offline and syncs when the server is back.
 */
export function createFleetManagerHandlers(d: FleetHandlerDeps): FleetManagerHandlers {
  const user = (): string | null => d.session.current(d.now())?.userId ?? null;
  /** Runs a board write as the signed-in user on the delivery's board document. */
  const onBoard = (
    deliveryId: string,
    write: (doc: BoardDoc, userId: string, at: number) => Result<unknown>,
  ): ApiResult<BoardView> => {
    const userId = user();
    if (userId === null) return SIGNED_OUT;
    const doc = d.collab.board(deliveryId);
    if (!doc) return NO_DELIVERY;
    const r = write(doc, userId, d.now());
    return r.ok
      ? { ok: true, value: readBoardView(doc, deliveryId) }
      : fail(r.error.code, r.error.message);
  };
  const depots = (): Location[] =>
    d.reader.list<{ position: Location }>('depot').map((r) => r.body.position);

  return {
    'dispatch.queue': ({ limit, show }) => {
      const zones = d.reader.list<ZoneBody>('zone').map((r) => r.body);
      const inList = show === 'scheduled' ? isReassignable : isWaiting;
      const waiting = d.reader
        .list<DeliverySnapshot>('delivery')
        .flatMap((r) => {
          const effective = d.view.overlay(r);
          return inList(effective, r.body.stage) ? [effective] : [];
        })
        .sort((a, b) => a.body.window.start - b.body.window.start || cmp(a.id, b.id));
      const entries = waiting
        .slice(0, limit ?? DEFAULT_QUEUE_LIMIT)
        .map((r): DispatchQueueEntry => ({
          deliveryId: r.id,
          customerId: r.body.customerId,
          parcel: {
            tag: r.body.parcel.tag,
            weightGrams: r.body.parcel.weightGrams,
            size: r.body.parcel.size,
          },
          window: { start: r.body.window.start, end: r.body.window.end },
          zone: zoneOf(r.body.dropoff, zones),
          stage: r.body.stage,
          droneId: r.body.droneId,
          pending: r.pending,
          board: d.collab.get(r.id),
        }));
      return { ok: true, value: { entries, total: waiting.length } };
    },
    'dispatch.candidates': ({ deliveryId }) => {
      const delivery = d.view.get<DeliverySnapshot>('delivery', deliveryId);
      if (!delivery) return NO_DELIVERY;
      // Drones this desk already assigned with a command the server has not answered yet are
      // not free, even though the replica does not know it.
      const promised = new Set(
        d.outbox
          .inStates(['queued', 'sending', 'processing'])
          .flatMap((e) =>
            e.command.name === 'shipping.assignDrone' && e.command.payload.deliveryId !== deliveryId
              ? [e.command.payload.droneId as string]
              : [],
          ),
      );
      const at = d.now();
      const b = delivery.body;
      const candidates = rankCandidates(
        {
          id: b.id,
          parcel: b.parcel,
          pickup: b.pickup,
          dropoff: b.dropoff,
          windowStart: b.window.start,
        },
        // The drone already on the delivery is no candidate for it (reassignment picks another).
        d.reader
          .list<DroneSnapshot>('drone')
          .filter(({ body: s }) => s.id !== b.droneId)
          .map(({ body: s }) => ({
            id: s.id,
            model: s.model,
            status: s.status,
            batteryPct: s.batteryPct,
            // The fallback the server's handler uses for a drone that never reported.
            position: s.lastFix?.location ?? b.pickup,
            assignedDeliveryId: promised.has(s.id) ? b.id : s.assignedDeliveryId,
          })),
        depots(),
        instant(at),
      );
      return { ok: true, value: { deliveryId, at, candidates } };
    },
    'collab.claim': ({ deliveryId }) =>
      onBoard(deliveryId, (doc, userId, at) => claim(doc, deliveryId, userId, at)),
    'collab.release': ({ deliveryId }) =>
      onBoard(deliveryId, (doc, userId) => releaseClaim(doc, deliveryId, userId)),
    'collab.setPriority': ({ deliveryId, priority }) =>
      onBoard(deliveryId, (doc, userId, at) =>
        setFlagMarked(doc, deliveryId, 'priority', priority, userId, at),
      ),
    'collab.setVip': ({ deliveryId, vip }) =>
      onBoard(deliveryId, (doc, userId, at) =>
        setFlagMarked(doc, deliveryId, 'vip', vip, userId, at),
      ),
    'collab.addChecklistItem': ({ deliveryId, label }) =>
      onBoard(deliveryId, (doc, userId, at) =>
        addChecklistItem(doc, deliveryId, label, userId, at),
      ),
    'collab.toggleChecklistItem': ({ deliveryId, itemId }) =>
      onBoard(deliveryId, (doc, userId, at) =>
        toggleChecklistItem(doc, deliveryId, itemId, userId, at),
      ),
    'fleet.trail': ({ droneId, minutes }) => ({
      ok: true,
      value: {
        droneId,
        points: d.trail(droneId, d.now() - (minutes ?? DEFAULT_TRAIL_MINUTES) * 60_000),
      },
    }),
    'alerts.acks': () => {
      // Yesterday's document too: acknowledgements live in the day's document, and an alert
      // taken before midnight UTC must not nag again at midnight.
      const now = d.now();
      const docs = [d.collab.dispatchDoc(now - DAY_MS), d.collab.dispatchDoc(now)].filter(
        (doc) => doc !== null,
      );
      return { ok: true, value: readAlertAcksAcross(docs) };
    },
    'alerts.acknowledge': (input) => {
      const s = d.session.current(d.now());
      if (!s) return SIGNED_OUT;
      // The server lets only these roles write the dispatch document; say so here, not later.
      if (s.role === 'agent')
        return fail('COMMAND.FORBIDDEN', 'Your role (agent) may not acknowledge fleet alerts.');
      const userId = s.userId;
      const at = d.now();
      const doc = d.collab.dispatchDoc(at);
      if (!doc)
        return fail('COLLAB.UNAVAILABLE', 'Shared alerts are not available on this desktop.');
      const r = acknowledgeAlert(doc, input, userId, at);
      return r.ok ? { ok: true, value: r.value } : fail(r.error.code, r.error.message);
    },
  };
}

interface ZoneBody {
  readonly id: string;
  readonly name: string;
  /** [lng, lat] ring. */
  readonly polygon: readonly (readonly [number, number])[];
}

/**
 * Waiting for a drone, or waiting on this desk's own assignment (not a reassignment: the server
 * has a drone on that one, so it stays in the scheduled list).
 */
function isWaiting(r: EffectiveRecord<DeliverySnapshot>, serverStage: string): boolean {
  return (
    r.body.stage === 'created' ||
    (serverStage === 'created' && r.pending.some((p) => p.name === 'shipping.assignDrone'))
  );
}

/** A drone assigned on the server that has not left yet, so it can be reassigned. */
function isReassignable(r: EffectiveRecord<DeliverySnapshot>, serverStage: string): boolean {
  return serverStage === 'scheduled' && r.body.stage === 'scheduled';
}

/** The first zone whose polygon holds the point (ray casting; zones are small, planar is fine). */
export function zoneOf(
  p: Location,
  zones: readonly ZoneBody[],
): { id: string; name: string } | null {
  for (const z of zones) {
    let inside = false;
    const ring = z.polygon;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i] ?? [0, 0];
      const [xj, yj] = ring[j] ?? [0, 0];
      if (yi > p.lat !== yj > p.lat && p.lng < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi)
        inside = !inside;
    }
    if (inside) return { id: z.id, name: z.name };
  }
  return null;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
