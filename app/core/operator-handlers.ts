import type { AccountSnapshot } from '../../domain/accounts';
import type { DroneSnapshot } from '../../domain/fleet';
import { isRole } from '../../domain/protocol';
import { asId, instant, type Location, type Result } from '../../domain/shared';
import type { DeliverySnapshot } from '../../domain/shipping';
import type { CommandBuilder, BuiltCommand, EffectiveView, IssueContext } from '../commands';
import type {
  ApiResult,
  DepotView,
  DeskStatusView,
  Note,
  OperatorInput,
  OperatorMethod,
  OperatorOutput,
  OutboxEntryView,
  PaymentBody,
  RegionStatusView,
  ZoneView,
} from '../contract';
import type { ServerClient } from '../net';
import { toEntryView, type OutboxStore } from '../outbox';
import type { RecordReader } from '../replica';
import type { ReplicaSearch } from '../search';
import type { SessionStore } from '../session';
import type { SyncStatusTracker } from '../status';
import type { TelemetryClient, TrailPoint } from '../telemetry';
import { createFleetManagerHandlers, type FleetCollab } from './fleet-manager-handlers';
import { createSupervisorHandlers } from './supervisor-handlers';

export interface HandlerDeps {
  readonly now: () => number;
  readonly desktopId: string;
  readonly newKey: () => string;
  readonly server: ServerClient;
  readonly session: SessionStore;
  readonly reader: RecordReader;
  readonly view: EffectiveView;
  readonly search: ReplicaSearch;
  readonly builder: CommandBuilder;
  readonly outbox: OutboxStore;
  /** A command was written to the outbox (or one left it): refresh the status, send it now. */
  readonly commandQueued: () => void;
  readonly status: SyncStatusTracker;
  readonly telemetry: () => TelemetryClient | null;
  readonly collab: CollabFacade;
  readonly trail: (droneId: string, since: number) => readonly TrailPoint[];
  /** Called after a successful login so the core starts its sync loops. */
  readonly onLogin: () => void;
  readonly deskStatus: () => DeskStatusView;
  readonly onLogout: () => void;
}

/** What the core needs from the collaborative-state module (app/collab). */
export interface CollabFacade extends FleetCollab {
  addNote(deliveryId: string, author: string, text: string, at: number): Result<Note>;
  /** The region's service status as this desk last received it; null if never. */
  regionStatus(): RegionStatusView | null;
}

export type OperatorHandlers = {
  readonly [M in OperatorMethod]: (
    input: OperatorInput<M>,
  ) => Promise<ApiResult<OperatorOutput<M>>> | ApiResult<OperatorOutput<M>>;
};

const fail = (code: string, message: string): ApiResult<never> => ({
  ok: false,
  error: { code, message },
});
const done = <T>(value: T): ApiResult<T> => ({ ok: true, value });
const fromResult = <T>(r: Result<T>): ApiResult<T> =>
  r.ok ? done(r.value) : fail(r.error.code, r.error.message);

/** The operator API implemented over the replica, the outbox and the collaborative documents. */
export function createOperatorHandlers(d: HandlerDeps): OperatorHandlers {
  const session = () => d.session.current(d.now());
  const issueContext = (): IssueContext | null => {
    const s = session();
    if (!s) return null;
    return {
      issuer: {
        userId: asId('User', s.userId),
        role: s.role,
        desktopId: asId('Desktop', d.desktopId),
      },
      now: instant(d.now()),
      newKey: () => asId('IdempotencyKey', d.newKey()),
      depots: () => d.reader.list<{ position: Location }>('depot').map((r) => r.body.position),
    };
  };
  /** Validate locally, then write command + overlay durably; only then is it "queued". */
  const issue = (
    build: (ctx: IssueContext) => Result<BuiltCommand>,
  ): ApiResult<OutboxEntryView> => {
    const ctx = issueContext();
    if (!ctx)
      return fail('SESSION.EXPIRED', 'Your sign-in has expired; sign in again to continue.');
    const built = build(ctx);
    if (!built.ok) return fromResult(built);
    const entry = d.outbox.enqueue(built.value.command, built.value.overlay, d.now());
    d.commandQueued();
    return done(toEntryView(entry));
  };

  return {
    'session.login': async ({ token }) => {
      const reply = await d.server.withToken(token).request<{
        userId: string;
        role: string;
        expiresAt: number;
      }>('GET', '/api/session');
      if (reply.status === 0)
        return fail(
          'SESSION.OFFLINE',
          'The server cannot be reached, so you cannot sign in right now.',
        );
      if (reply.status !== 200 || !isRole(reply.body.role))
        return fail('SESSION.REFUSED', 'That sign-in was refused; ask for a new access token.');
      d.session.save(
        {
          userId: reply.body.userId,
          role: reply.body.role,
          expiresAt: reply.body.expiresAt,
          confirmedAt: d.now(),
        },
        token,
      );
      d.onLogin();
      return done(session());
    },
    'session.get': () => done(session()),
    'desk.status': () => done(d.deskStatus()),
    'session.logout': () => {
      d.session.clear();
      d.onLogout();
      return done(null);
    },
    'search.query': ({ text, limit }) => done(d.search.search(text, limit)),
    'customers.get': ({ customerId }) => {
      const account = d.view.get<AccountSnapshot>('account', customerId);
      if (!account) return fail('ACCOUNT.NOT_FOUND', 'That customer is not on this desktop.');
      const deliveries = d.reader.deliveriesOf<DeliverySnapshot>(customerId).map((r) => {
        const payment = d.reader.paymentOf<PaymentBody>(r.id);
        return { delivery: d.view.overlay(r), payment: payment ? d.view.overlay(payment) : null };
      });
      return done({ account, deliveries });
    },
    'deliveries.get': ({ deliveryId }) => {
      const delivery = d.view.get<DeliverySnapshot>('delivery', deliveryId);
      if (!delivery) return fail('DELIVERY.NOT_FOUND', 'That delivery is not on this desktop.');
      const payment = d.reader.paymentOf<PaymentBody>(deliveryId);
      const drone = delivery.body.droneId
        ? d.reader.get<DroneSnapshot>('drone', delivery.body.droneId)
        : undefined;
      return done({
        delivery,
        payment: payment ? d.view.overlay(payment) : null,
        drone: drone ?? null,
        collab: d.collab.get(deliveryId),
      });
    },
    'outbox.list': () => {
      const pending = d.outbox.inStates(['queued', 'sending', 'processing']).map(toEntryView);
      const needsAttention = d.outbox.inStates(['rejected', 'failed']).map(toEntryView);
      const recent = d.outbox.inStates(['done']).slice(-20).map(toEntryView);
      return done({ pending, needsAttention, recent });
    },
    'sync.status': () => done(d.status.snapshot()),
    'region.status': () => done(d.collab.regionStatus()),
    'fleet.snapshot': () => {
      const fixes = new Map((d.telemetry()?.snapshot() ?? []).map((f) => [f.id, f]));
      const drones = d.reader
        .list<DroneSnapshot>('drone')
        .map((r) => ({ drone: r.body, fix: fixes.get(r.id) ?? null }));
      return done({ drones, asOf: d.telemetry()?.lastFrameAt() ?? null });
    },
    'fleet.places': () =>
      done({
        depots: d.reader.list<DepotView>('depot').map((r) => r.body),
        zones: d.reader.list<ZoneView>('zone').map((r) => r.body),
      }),
    'payments.changeMethod': (input) => issue((ctx) => d.builder.changeMethod(ctx, input)),
    'shipping.cancelDelivery': (input) => issue((ctx) => d.builder.cancel(ctx, input)),
    'shipping.rescheduleDelivery': (input) =>
      issue((ctx) =>
        d.builder.reschedule(ctx, {
          deliveryId: input.deliveryId,
          window: { start: instant(input.window.start), end: instant(input.window.end) },
        }),
      ),
    'shipping.assignDrone': (input) => issue((ctx) => d.builder.assignDrone(ctx, input)),
    'outbox.retry': ({ idempotencyKey }) => {
      const entry = d.outbox.get(idempotencyKey);
      if (!entry || (entry.state !== 'rejected' && entry.state !== 'failed')) {
        return fail('OUTBOX.NOT_RETRYABLE', 'Only a rejected or failed command can be retried.');
      }
      // A retry is a new command (new key, current version): the old key's outcome is final on the server.
      const p = entry.command.payload as unknown as Record<string, unknown>;
      const result = issue((ctx) => {
        switch (entry.command.name) {
          case 'payments.changeMethod':
            return d.builder.changeMethod(ctx, {
              paymentId: String(p['paymentId']),
              newMethodToken: String(p['newMethodToken']),
            });
          case 'shipping.cancelDelivery':
            return d.builder.cancel(ctx, entry.command.payload);
          case 'shipping.rescheduleDelivery':
            return d.builder.reschedule(ctx, entry.command.payload);
          case 'shipping.assignDrone':
            return d.builder.assignDrone(ctx, entry.command.payload);
          case 'payments.retryVoid':
            return d.builder.retryVoid(ctx, entry.command.payload);
          case 'payments.resolveEscalation':
            return d.builder.resolveEscalation(ctx, entry.command.payload);
        }
      });
      if (result.ok)
        d.outbox.setState(idempotencyKey, 'discarded', d.now(), {
          code: 'OUTBOX.RETRIED',
          reason: 'Retried as a new request.',
        });
      return result;
    },
    'outbox.discard': ({ idempotencyKey }) => {
      const entry = d.outbox.get(idempotencyKey);
      if (!entry || (entry.state !== 'rejected' && entry.state !== 'failed')) {
        return fail(
          'OUTBOX.NOT_DISCARDABLE',
          'Only a rejected or failed command can be discarded.',
        );
      }
      d.outbox.transaction(() => {
        d.outbox.setState(idempotencyKey, 'discarded', d.now(), {
          code: entry.errorCode ?? 'OUTBOX.DISCARDED',
          reason: entry.errorReason ?? 'Discarded.',
        });
        d.outbox.clearOverlay(idempotencyKey, d.now());
      });
      d.commandQueued();
      return done(toEntryView(d.outbox.mustGet(idempotencyKey)));
    },
    'notes.add': ({ deliveryId, text }) => {
      const s = session();
      if (!s)
        return fail('SESSION.EXPIRED', 'Your sign-in has expired; sign in again to continue.');
      return fromResult(d.collab.addNote(deliveryId, s.userId, text, d.now()));
    },
    'collab.get': ({ deliveryId }) => done(d.collab.get(deliveryId)),
    ...createSupervisorHandlers(d, issue),
    ...createFleetManagerHandlers(d),
  };
}
