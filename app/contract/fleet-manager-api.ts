import { z } from 'zod';
import type { DroneCandidate, UnassignedReason } from '../../domain/shipping';
import type { ChecklistItem, Claim, DeliveryState, Priority } from '../../domain/protocol';

/**
 * The fleet manager's part of the operator API (issue 13, items 1–3): the dispatch queue and
 * its candidates, shared delivery state on the board (claim, flags, checklist) and alert
 * acknowledgements. Spread into OPERATOR_API; every method has a typed result in
 * FleetManagerOutputs, so the renderer reads answers without casts.
 */
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/, 'not a valid id');
/** Alert keys are `<droneId>:<kind>`; causes are short machine strings (see the alert model). */
const alertKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,119}$/, 'not a valid alert key');
const cause = z.string().min(1).max(120);

export const FLEET_MANAGER_API = {
  'dispatch.queue': z.object({
    limit: z.number().int().min(1).max(1000).optional(),
    /** `waiting` (default): no drone yet; `scheduled`: a drone assigned, not yet left (reassignable). */
    show: z.enum(['waiting', 'scheduled']).optional(),
  }),
  'dispatch.candidates': z.object({ deliveryId: id }),
  'collab.claim': z.object({ deliveryId: id }),
  'collab.release': z.object({ deliveryId: id }),
  'collab.setPriority': z.object({
    deliveryId: id,
    priority: z.enum(['normal', 'high', 'urgent']),
  }),
  'collab.setVip': z.object({ deliveryId: id, vip: z.boolean() }),
  'collab.addChecklistItem': z.object({ deliveryId: id, label: z.string().max(200) }),
  'collab.toggleChecklistItem': z.object({ deliveryId: id, itemId: id }),
  /** The selected drone's recent fixes from the replica (works offline). */
  'fleet.trail': z.object({ droneId: id, minutes: z.number().int().min(1).max(15).optional() }),
  'alerts.acks': z.object({}),
  'alerts.acknowledge': z.object({
    alertKey,
    cause,
    critical: z.boolean(),
    /** Required (3–200 characters) when `critical`: why the alert needs no more attention. */
    reason: z.string().max(200).optional(),
  }),
} as const;

export type PriorityView = Priority;

/** Who set something on the board, and when (their desk's clock). */
export type MarkView = Claim;

export type ChecklistItemView = ChecklistItem;

/** One delivery's shared state on its board document, plus who last set each flag and when. */
export interface DeliveryBoardView extends DeliveryState {
  /** Null while nobody has set the flag. */
  readonly flagMarks: { readonly priority: MarkView | null; readonly vip: MarkView | null };
}

export interface PendingCommandView {
  readonly idempotencyKey: string;
  readonly name: string;
  readonly state: string;
}

/**
 * A delivery waiting for a drone (stage `created`), or one this desk's assignment waits on; in
 * the `scheduled` list, one with a drone that has not left yet (it can be reassigned).
 */
export interface DispatchQueueEntry {
  readonly deliveryId: string;
  readonly customerId: string;
  readonly parcel: { readonly tag: string; readonly weightGrams: number; readonly size: string };
  readonly window: { readonly start: number; readonly end: number };
  /** The service zone holding the drop-off point; null outside every zone. */
  readonly zone: { readonly id: string; readonly name: string } | null;
  /** The stage this desk shows (with its own pending commands applied). */
  readonly stage: string;
  readonly droneId: string | null;
  readonly pending: readonly PendingCommandView[];
  readonly board: DeliveryBoardView | null;
}

export interface DispatchQueueView {
  /** Earliest window first. */
  readonly entries: readonly DispatchQueueEntry[];
  /** Deliveries in this list on this desk (entries may be limited). */
  readonly total: number;
}

/** Why the scheduler would not give a drone this delivery (the domain's reasons). */
export type CandidateReason = UnassignedReason;

/** One drone as the domain's scheduler ranks it for one delivery (rankCandidates). */
export type DroneCandidateView = DroneCandidate;

export interface DispatchCandidatesView {
  readonly deliveryId: string;
  /** When the ranking was computed (ETAs are from then). */
  readonly at: number;
  readonly candidates: readonly DroneCandidateView[];
}

/** An alert someone took: shared through the region's dispatch document. */
export interface AlertAckView {
  readonly alertKey: string;
  /** What the alert was about when acknowledged; a different cause nags again. */
  readonly cause: string;
  readonly userId: string;
  readonly at: number;
  readonly reason: string | null;
}

export interface TrailView {
  readonly droneId: string;
  /** Oldest first. */
  readonly points: readonly { readonly at: number; readonly lat: number; readonly lng: number }[];
}

export interface FleetManagerOutputs {
  'fleet.trail': TrailView;
  'dispatch.queue': DispatchQueueView;
  'dispatch.candidates': DispatchCandidatesView;
  'collab.claim': DeliveryBoardView;
  'collab.release': DeliveryBoardView;
  'collab.setPriority': DeliveryBoardView;
  'collab.setVip': DeliveryBoardView;
  'collab.addChecklistItem': DeliveryBoardView;
  'collab.toggleChecklistItem': DeliveryBoardView;
  'alerts.acks': readonly AlertAckView[];
  'alerts.acknowledge': AlertAckView;
}
