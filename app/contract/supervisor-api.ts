import { z } from 'zod';
import type { AuditEntry } from '../../domain/protocol';
import type { OutboxEntryView } from './outbox-entry';

/**
 * The supervisor's part of the operator API: escalations, the audit trail and gateway drills.
 * Schemas are merged into OPERATOR_API; result types are exported so the renderer reads
 * answers without casts (OperatorOutputs extends these).
 */
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/, 'not a valid id');
const optionalId = z.union([id, z.literal('')]).optional();
const auditQuery = z.object({
  customer: optionalId,
  order: optionalId,
  agent: optionalId,
  from: z.number().int().nonnegative().optional(),
  to: z.number().int().nonnegative().optional(),
});

export const SUPERVISOR_API = {
  /** For every role: who and what a pending entry is about (customer name, parcel tag). */
  'records.subject': z.object({ kind: z.enum(['payment', 'delivery']), id }),
  'escalations.list': z.object({}),
  'payments.retryVoid': z.object({ paymentId: id }),
  'payments.resolveEscalation': z.object({ paymentId: id, reason: z.string().min(1).max(2000) }),
  'audit.search': auditQuery,
  'audit.exportCsv': auditQuery,
  'drill.get': z.object({}),
  'drill.set': z.object({
    mode: z.enum(['none', 'down', 'flaky', 'refuse-voids']),
    failRate: z.number().min(0).max(1).optional(),
    extraLatencyMs: z.number().int().min(0).max(60_000).optional(),
  }),
} as const;

/** Who and what an entry is about, in words an operator recognises (not `pay-000034`). */
export interface SubjectView {
  readonly customerId: string | null;
  readonly customerName: string | null;
  readonly deliveryId: string | null;
  readonly parcelTag: string | null;
  readonly paymentId: string | null;
}

export interface EscalationView extends SubjectView {
  /** Stable per escalation (payment id + kind, or the failed command's key). */
  readonly id: string;
  readonly kind:
    | 'release-void-refused'
    | 'change-void-refused'
    | 'restore-failed'
    | 'stuck-processing'
    | 'agent-command-failed';
  /** What happened, one sentence. */
  readonly summary: string;
  readonly since: number;
  readonly actions: readonly ('retry-void' | 'resolve')[];
  /** Someone on this desk already sent an action that the server has not answered yet. */
  readonly pendingAction: boolean;
}

/** One audit line (domain/protocol/audit.ts) with the customer's name and the parcel tag. */
export interface AuditRowView extends AuditEntry, SubjectView {}

export interface DrillView {
  readonly faults: {
    readonly mode: 'none' | 'down' | 'flaky' | 'refuse-voids';
    readonly failRate: number;
    readonly extraLatencyMs: number;
  };
  /** The server's circuit breaker toward the card company (closed, open, half-open, …). */
  readonly breaker: string;
}

/** Result types of the methods that declare one; the others answer `unknown`. */
export interface SupervisorResults {
  'records.subject': SubjectView;
  'escalations.list': { readonly escalations: readonly EscalationView[]; readonly asOf: number };
  'payments.retryVoid': OutboxEntryView;
  'payments.resolveEscalation': OutboxEntryView;
  'audit.search': { readonly rows: readonly AuditRowView[]; readonly truncated: boolean };
  'audit.exportCsv': { readonly csv: string; readonly rows: number };
  'drill.get': DrillView;
  'drill.set': DrillView;
}
