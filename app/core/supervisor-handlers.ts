import { escalationOf, Payment, type PaymentSnapshot } from '../../domain/payments';
import { auditCsv, MAX_AUDIT_ROWS, parseAuditQuery } from '../../domain/protocol';
import type { Result } from '../../domain/shared';
import type { BuiltCommand, CommandBuilder, EffectiveView, IssueContext } from '../commands';
import type { ServerClient } from '../net';
import type { RecordReader } from '../replica';
import type { SessionStore } from '../session';
import type {
  ApiResult,
  AuditRowView,
  DrillView,
  EscalationView,
  OperatorInput,
  SupervisorResults,
} from '../contract';
import { subjectOf, subjectOfTarget } from './subject';

/** A payment change still "processing" after this long is listed for a supervisor. */
export const STUCK_AFTER_MS = 2 * 60_000;
/** Gateway failures that are payment escalations of their own (listed once, as those). */
const PAYMENT_ESCALATION_CODES = new Set([
  'PAYMENT.RELEASE_REFUSED',
  'PAYMENT.VOID_REFUSED',
  'PAYMENT.RESTORE_FAILED',
]);
/** Failed agent commands stay listed this long. */
const FAILED_COMMANDS_FOR_MS = 24 * 3_600_000;
/** The most audit lines of that day the escalation list reads (the cap the full scan had). */
const RECENT_AUDIT_CAP = 200_000;

/** What these handlers use of the core (operator-handlers.ts's HandlerDeps has it all). */
export interface SupervisorDeps {
  readonly now: () => number;
  readonly session: SessionStore;
  readonly reader: RecordReader;
  readonly view: EffectiveView;
  readonly builder: CommandBuilder;
  readonly server: ServerClient;
}

type Issue = (build: (ctx: IssueContext) => Result<BuiltCommand>) => ApiResult<unknown>;
type Handlers = {
  readonly [M in keyof SupervisorResults]: (
    input: OperatorInput<M>,
  ) => Promise<ApiResult<SupervisorResults[M]>> | ApiResult<SupervisorResults[M]>;
};

const fail = (code: string, message: string): ApiResult<never> => ({
  ok: false,
  error: { code, message },
});

const SUMMARY: Record<string, string> = {
  'release-void-refused':
    'The order was cancelled, but the card company would not release the hold on the card.',
  'change-void-refused':
    'During a change of payment method the card company would not release the original hold; the method was not changed.',
  'restore-failed':
    'The new card was declined and the original card could not be re-authorized: the order has no payment hold.',
};

/** Escalations, the audit trail and gateway drills over the replica, the outbox and the server. */
export function createSupervisorHandlers(d: SupervisorDeps, issue: Issue): Handlers {
  const supervisor = (): boolean => d.session.current(d.now())?.role === 'supervisor';
  const onlySupervisors = fail(
    'AUTH.FORBIDDEN',
    'Only supervisors may see escalations, the audit trail and gateway drills.',
  );

  const subject = subjectOf(d.reader);

  const auditRows = (
    input: OperatorInput<'audit.search'>,
  ): ApiResult<{ rows: AuditRowView[]; truncated: boolean }> => {
    const query = parseAuditQuery({
      customer: input.customer,
      order: input.order,
      agent: input.agent,
      from: input.from === undefined ? undefined : String(input.from),
      to: input.to === undefined ? undefined : String(input.to),
    });
    if (!query.ok) return fail(query.error.code, query.error.message);
    // Bounded and indexed (replica migration 9): a keystroke reads the rows it shows.
    const hits = d.reader.searchAudit(query.value, MAX_AUDIT_ROWS);
    const rows = hits.map((e) => ({
      ...e,
      ...subject(e.customerId, e.deliveryId, e.paymentId),
    }));
    return { ok: true, value: { rows, truncated: hits.length >= MAX_AUDIT_ROWS } };
  };

  const drill = async (method: 'GET' | 'PUT', body?: unknown): Promise<ApiResult<DrillView>> => {
    const reply = await d.server.request<DrillView & { code?: string; message?: string }>(
      method,
      '/api/admin/gateway-faults',
      body,
    );
    if (reply.status === 0)
      return fail('DRILL.OFFLINE', 'The server cannot be reached; drills need a connection.');
    if (reply.status !== 200)
      return fail(
        reply.body.code ?? 'DRILL.REFUSED',
        reply.body.message ?? 'The server refused the drill.',
      );
    return { ok: true, value: { faults: reply.body.faults, breaker: reply.body.breaker } };
  };

  return {
    'records.subject': ({ kind, id }) => ({ ok: true, value: subjectOfTarget(d.reader, kind, id) }),
    'escalations.list': () => {
      if (!supervisor()) return onlySupervisors;
      const now = d.now();
      const escalations: EscalationView[] = [];
      for (const record of d.reader.list<PaymentSnapshot>('payment', 200_000)) {
        const p = record.body;
        const open = escalationOf(p);
        const stuck =
          !open &&
          Payment.fromSnapshot(p).changeInProgress &&
          p.change !== null &&
          now - p.change.updatedAt > STUCK_AFTER_MS;
        if (!open && !stuck) continue;
        const pending = d.view.get<PaymentSnapshot>('payment', p.id)?.pending ?? [];
        escalations.push({
          id: `${p.id}:${open?.kind ?? 'stuck-processing'}`,
          kind: open?.kind ?? 'stuck-processing',
          summary: open
            ? (SUMMARY[open.kind] ?? open.kind)
            : `A change of payment method has been processing for ${String(Math.round((now - (p.change?.updatedAt ?? now)) / 60_000))} minutes (step: ${p.change?.step ?? '?'}).`,
          since: open?.since ?? p.change?.updatedAt ?? now,
          actions: open?.actions ?? [],
          pendingAction: pending.some(
            (m) => m.name === 'payments.retryVoid' || m.name === 'payments.resolveEscalation',
          ),
          ...subject(p.customerId, p.deliveryId, p.id),
        });
      }
      // Only the last day's lines, newest first, through the time index: not the whole trail.
      const recent = d.reader.searchAudit(
        { from: now - FAILED_COMMANDS_FOR_MS + 1 },
        RECENT_AUDIT_CAP,
      );
      for (const e of recent) {
        const failed =
          e.role === 'agent' &&
          ((e.event === 'command' && e.outcome === 'rejected') ||
            (e.event === 'gateway-step' &&
              e.code !== null &&
              !PAYMENT_ESCALATION_CODES.has(e.code)));
        if (!failed) continue;
        escalations.push({
          id: e.id,
          kind: 'agent-command-failed',
          summary: `${e.userId}'s ${e.command} ${e.event === 'command' ? 'was rejected' : 'failed'} (${e.code ?? e.outcome}).`,
          since: e.at,
          actions: [],
          pendingAction: false,
          ...subject(e.customerId, e.deliveryId, e.paymentId),
        });
      }
      escalations.sort((a, b) => b.since - a.since);
      return { ok: true, value: { escalations, asOf: now } };
    },
    'payments.retryVoid': (input) => {
      if (!supervisor()) return onlySupervisors;
      return issue((ctx) => d.builder.retryVoid(ctx, input)) as ApiResult<
        SupervisorResults['payments.retryVoid']
      >;
    },
    'payments.resolveEscalation': (input) => {
      if (!supervisor()) return onlySupervisors;
      return issue((ctx) => d.builder.resolveEscalation(ctx, input)) as ApiResult<
        SupervisorResults['payments.resolveEscalation']
      >;
    },
    'audit.search': (input) => (supervisor() ? auditRows(input) : onlySupervisors),
    'audit.exportCsv': (input) => {
      if (!supervisor()) return onlySupervisors;
      const found = auditRows(input);
      if (!found.ok) return found;
      return {
        ok: true,
        value: { csv: auditCsv(found.value.rows), rows: found.value.rows.length },
      };
    },
    'drill.get': () => (supervisor() ? drill('GET') : onlySupervisors),
    'drill.set': (input) =>
      supervisor()
        ? drill('PUT', {
            mode: input.mode,
            failRate: input.failRate ?? 0.5,
            extraLatencyMs: input.extraLatencyMs ?? 0,
          })
        : onlySupervisors,
  };
}
