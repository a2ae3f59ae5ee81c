import { z } from 'zod';
import type { RegionStatus } from '../../domain/protocol';
import {
  FLEET_MANAGER_API,
  type BoardNoteView,
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
  'notes.add': z.object({ deliveryId: id, text: z.string().max(4000) }),
  'collab.get': z.object({ deliveryId: id }),
  ...FLEET_MANAGER_API,
} as const;

export type OperatorMethod = keyof typeof OPERATOR_API;
export type OperatorInput<M extends OperatorMethod> = z.infer<(typeof OPERATOR_API)[M]>;

/** Typed results (methods not listed here still answer `unknown`). */
export interface OperatorOutputs extends FleetManagerOutputs {
  'collab.get': DeliveryBoardView | null;
  'notes.add': BoardNoteView;
  'shipping.assignDrone': OutboxEntryView;
}
export type OperatorOutput<M extends OperatorMethod> = M extends keyof OperatorOutputs
  ? OperatorOutputs[M]
  : unknown;

/** Every answer: a value, or an error with a stable code and a sentence for the operator. */
export type ApiResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** Push events from the core to the UI. */
export interface OperatorEvents {
  'sync.statusChanged': SyncStatus;
  'feed.progress': { phase: 'snapshot' | 'live'; received: number };
  'records.changed': { kinds: string[]; ids: string[] };
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

export interface OutboxEntryView {
  readonly idempotencyKey: string;
  readonly name: string;
  /** queued (offline) → sending → processing → done | rejected | failed; discarded by the operator. */
  readonly state:
    'queued' | 'sending' | 'processing' | 'done' | 'rejected' | 'failed' | 'discarded';
  readonly target: { readonly kind: string; readonly id: string } | null;
  readonly summary: string;
  readonly attempts: number;
  readonly error: { readonly code: string; readonly reason: string } | null;
  /** Why it is still queued or processing, when known (the last transient failure, or the server's note). */
  readonly note: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface DroneFixView {
  readonly id: string;
  readonly lat: number;
  readonly lng: number;
  readonly headingDeg: number;
  readonly speedMps: number;
  readonly batteryPct: number;
  readonly status: string;
  readonly at: number;
}

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
