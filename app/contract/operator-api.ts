import { z } from 'zod';
import { MAX_NOTE_LENGTH } from '../../domain/contact-center';
import type { DroneSnapshot } from '../../domain/fleet';
import type { Note, RegionStatus, TelemetryFix } from '../../domain/protocol';
import type {
  CustomerDetail,
  DeliveryDetail,
  DepotView,
  SearchHit,
  ZoneView,
} from './operator-views';
import type { OutboxEntryView } from './outbox-entry';
import { SUPERVISOR_API, type SupervisorResults } from './supervisor-api';
import {
  FLEET_MANAGER_API,
  type DeliveryBoardView,
  type FleetManagerOutputs,
} from './fleet-manager-api';

/**
 * THE operator API: every query and command the UI may call, and every event it
 * may receive. Both hosts (Electron IPC, the browser host's WebSocket) and the
 * tests derive from this one map. Names are `<area>.<verb>`; payloads are
 * validated with these schemas at the boundary, unknown names are rejected.
 *
 * The renderer imports this file type-only; the schemas run in the core.
 */
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/, 'not a valid id');
const instantMs = z.number().int().positive();

export const OPERATOR_API = {
  // Session
  'session.login': z.object({ token: z.string().min(10).max(2048) }),
  'session.get': z.object({}),
  /** removeData: also remove this desk's data from the computer (refused while work is unsent). */
  'session.logout': z.object({ removeData: z.boolean().optional() }),
  /** How this desk protects its data, and whether it was revoked or signed out by the server. */
  'desk.status': z.object({}),
  // Queries (served from the local replica; work offline)
  'search.query': z.object({
    text: z.string().max(200),
    limit: z.number().int().min(1).max(100).optional(),
  }),
  'customers.get': z.object({ customerId: id }),
  'deliveries.get': z.object({ deliveryId: id }),
  'outbox.list': z.object({}),
  'sync.status': z.object({}),
  'region.status': z.object({}),
  'fleet.snapshot': z.object({}),
  'fleet.places': z.object({}),
  // Commands (validated locally, queued durably, sent when the server is reachable)
  'payments.changeMethod': z.object({ paymentId: id, newMethodToken: z.string().min(1).max(80) }),
  'shipping.cancelDelivery': z.object({
    deliveryId: id,
    reason: z.enum(['customer-request', 'payment-failed', 'no-drone-available', 'other']),
  }),
  'shipping.rescheduleDelivery': z.object({
    deliveryId: id,
    window: z.object({ start: instantMs, end: instantMs }),
  }),
  'shipping.assignDrone': z.object({ deliveryId: id, droneId: id }),
  'outbox.retry': z.object({ idempotencyKey: id }),
  'outbox.discard': z.object({ idempotencyKey: id }),
  // Collaborative delivery state (Yjs)
  /** The note's own limit (MAX_NOTE_LENGTH, after trimming) is checked by validateNoteText; this bounds the payload. */
  'notes.add': z.object({ deliveryId: id, text: z.string().max(2 * MAX_NOTE_LENGTH) }),
  'collab.get': z.object({ deliveryId: id }),
  // Supervisor: escalations, audit trail, gateway drills (supervisor-api.ts)
  ...SUPERVISOR_API,
  // Fleet manager: dispatch, shared delivery state, alert acknowledgements (fleet-manager-api.ts)
  ...FLEET_MANAGER_API,
} as const;

export type OperatorMethod = keyof typeof OPERATOR_API;
export type OperatorInput<M extends OperatorMethod> = z.infer<(typeof OPERATOR_API)[M]>;

/**
 * What each method answers with when it succeeds. The core's handlers must produce exactly
 * this (they are typed against it) and every client receives it typed, so no layer casts.
 * Commands answer with the outbox entry they queued.
 */
export interface OperatorOutputs extends SupervisorResults, FleetManagerOutputs {
  'session.login': SessionView | null;
  'session.get': SessionView | null;
  'session.logout': null;
  'desk.status': DeskStatusView;
  'search.query': readonly SearchHit[];
  'customers.get': CustomerDetail;
  'deliveries.get': DeliveryDetail;
  'outbox.list': OutboxListView;
  'sync.status': SyncStatus;
  /** Null until this desk has received the region's status once. */
  'region.status': RegionStatusView | null;
  'fleet.snapshot': FleetSnapshotView;
  'fleet.places': { readonly depots: DepotView[]; readonly zones: ZoneView[] };
  'payments.changeMethod': OutboxEntryView;
  'shipping.cancelDelivery': OutboxEntryView;
  'shipping.rescheduleDelivery': OutboxEntryView;
  'shipping.assignDrone': OutboxEntryView;
  'outbox.retry': OutboxEntryView;
  'outbox.discard': OutboxEntryView;
  'notes.add': Note;
  /** Null when the delivery is not on this desk. */
  'collab.get': DeliveryBoardView | null;
}
export type OperatorOutput<M extends OperatorMethod> = OperatorOutputs[M];

/**
 * Calling the operator API, typed: the method names its input and output. The renderer's
 * client and the preload bridge have exactly this; the core also takes untrusted frames.
 */
export type OperatorCall = <M extends OperatorMethod>(
  method: M,
  payload: OperatorInput<M>,
) => Promise<ApiResult<OperatorOutput<M>>>;

/** Any method's answer, as a host forwards it without knowing which method it was. */
export type AnyOperatorResult = ApiResult<OperatorOutput<OperatorMethod>>;

/**
 * The renderer's whole view of the desktop in Electron: `window.fleetdesk`, built by the
 * preload (main/preload-bridge.ts) and read by the renderer's client. Function-valued
 * properties, not methods: contextBridge copies them without `this`.
 */
export interface OperatorBridge {
  /**
   * Calls one operator-API method. Never rejects: unknown names, invalid payloads,
   * business refusals and a core restart all resolve `{ok: false}`.
   */
  readonly call: OperatorCall;
  /** Subscribes to one event; returns the unsubscribe function. Events arrive in core order. */
  readonly on: <E extends OperatorEventName>(
    event: E,
    listener: (payload: OperatorEvents[E]) => void,
  ) => () => void;
}

/** Every answer: a value, or an error with a stable code and a sentence for the operator. */
export type ApiResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** Push events from the core to the UI. */
export interface OperatorEvents {
  'sync.statusChanged': SyncStatus;
  'feed.progress': { phase: 'snapshot' | 'live'; received: number };
  /**
   * Records the feed applied: their kinds, and the first 200 ids. `truncated`: the batch held
   * more, so a screen that follows particular ids must reload rather than trust `ids`.
   */
  'records.changed': { kinds: string[]; ids: string[]; truncated: boolean };
  'outbox.changed': OutboxEntryView;
  'fleet.fixes': { at: number; fixes: readonly DroneFixView[] };
  'collab.changed': { deliveryId: string };
  'region.statusChanged': RegionStatusView;
  /** Someone signed in or out on this desk (any tab or window): every UI follows. Null: signed out. */
  'session.changed': SessionView | null;
  'desk.changed': DeskStatusView;
  /** An alert acknowledgement arrived or changed (any desk); reload with `alerts.acks`. */
  'alerts.acksChanged': Record<string, never>;
}

/** The signed-in operator as the UI sees it (`session.get`, `session.login`, `session.changed`). */
export interface SessionView {
  readonly userId: string;
  readonly role: 'agent' | 'fleet-manager' | 'supervisor';
  readonly expiresAt: number;
  readonly confirmedAt: number;
}

/** `desk.status`: what the sign-in page tells the operator about this computer's data. */
export interface DeskStatusView {
  /** E.g. "replica encrypted (SQLCipher 4); replica key in … (mode 0600 …); no OS keyring found (…)". */
  readonly dataProtection: string;
  /** Set when an administrator revoked this desk and its data was removed. */
  readonly revoked: {
    readonly reason: string | null;
    readonly revokedAt: number | null;
    readonly reportedCommands: number;
    readonly unsentDocumentEdits: number;
    readonly removedAt: number;
  } | null;
  /** Set when the server signed the operator out (their access was revoked); data kept. */
  readonly signedOutReason: string | null;
}
export type OperatorEventName = keyof OperatorEvents;

export type PathState = 'online' | 'offline' | 'degraded';

export interface PathStatus {
  readonly state: PathState;
  readonly lastConfirmedAt: number | null;
  readonly pending: number;
  readonly detail?: string;
}

/** What the status bar shows, per data path. */
export interface SyncStatus {
  readonly overall: PathState;
  readonly feed: PathStatus & { readonly phase: 'snapshot' | 'live'; readonly received: number };
  readonly outbox: PathStatus & { readonly needsAttention: number };
  readonly documents: Readonly<Record<string, PathStatus>>;
  readonly telemetry: PathStatus;
}

/**
 * The region's service status as the server last published it (`status/<region>`: card
 * payments, fleet summary), kept on this desk so it still shows offline, with its age.
 * `region.status` answers null until this desk has received it once.
 */
export interface RegionStatusView extends RegionStatus {
  /** Connected to the status document: changes arrive as the server makes them. */
  readonly live: boolean;
  /**
   * Until when this desk knows it to be the server's current status: the present while live,
   * else when the last live connection ended (kept across restarts; null if it never was live).
   */
  readonly asOf: number | null;
}

export type { OutboxEntryView } from './outbox-entry';

/** `outbox.list`: the commands still on their way, those needing the operator, the last 20 done. */
export interface OutboxListView {
  readonly pending: readonly OutboxEntryView[];
  readonly needsAttention: readonly OutboxEntryView[];
  readonly recent: readonly OutboxEntryView[];
}

/** `fleet.snapshot`: every drone with its latest telemetry fix (null before the first one). */
export interface FleetSnapshotView {
  readonly drones: readonly { readonly drone: DroneSnapshot; readonly fix: DroneFixView | null }[];
  /** When the newest telemetry frame arrived; null before the first. */
  readonly asOf: number | null;
}

/** One drone's latest position (the telemetry frame's tuple, decoded: domain/protocol). */
export type DroneFixView = TelemetryFix;

export function validateCall(
  name: unknown,
  payload: unknown,
): ApiResult<{ method: OperatorMethod; input: unknown }> {
  if (typeof name !== 'string' || !Object.hasOwn(OPERATOR_API, name)) {
    return {
      ok: false,
      error: {
        code: 'API.UNKNOWN_METHOD',
        message: `Unknown operator API method ${JSON.stringify(typeof name === 'string' ? name : typeof name).slice(0, 80)}.`,
      },
    };
  }
  const method = name as OperatorMethod;
  const parsed = OPERATOR_API[method].safeParse(payload ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: {
        code: 'API.INVALID_INPUT',
        message: `Invalid input for ${method}: ${issue ? `${issue.path.join('.') || 'payload'} ${issue.message}` : 'malformed'}.`,
      },
    };
  }
  return { ok: true, value: { method, input: parsed.data } };
}
