import { isBrokenCircuitError, type IPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import {
  Payment,
  type ChangeInput,
  type GatewayAction,
  type PaymentEvent,
  type PaymentGatewayPort,
  type PaymentSnapshot,
} from '../../domain/payments';
import { asId, type Clock } from '../../domain/shared';
import { finishCommand, type CommandStatus } from '../commands';
import type { RecordStorePort } from '../records';
import { GatewayUnavailableError } from './gateway-resilience';

/**
 * Drives every payment-method change to a final state, one gateway call at a
 * time, each call keyed by the domain's per-step idempotency key. The state
 * after every call is committed before the next call, so a crash or restart
 * resumes at the right step and the gateway applies nothing twice.
 */
export class PaymentChangeProcessor {
  readonly #pending = new Set<string>();
  readonly #inFlight = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(
    private readonly store: RecordStorePort,
    private readonly gateway: PaymentGatewayPort,
    private readonly policy: IPolicy,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onOutcome: (code: string) => void = () => undefined,
  ) {}

  /** Finds changes left unfinished by a previous run, then sweeps every `sweepMs`. */
  async start(sweepMs: number): Promise<void> {
    for (const record of await this.store.list<PaymentSnapshot>('payment')) {
      if (Payment.fromSnapshot(record.body).changeInProgress) this.#pending.add(record.id);
    }
    this.#timer = setInterval(() => {
      this.sweep();
    }, sweepMs);
    this.#timer.unref();
    this.sweep();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Called after a change was accepted: start on it now rather than at the next sweep. */
  kick(paymentId: string): void {
    this.#pending.add(paymentId);
    void this.drive(paymentId);
  }

  pendingCount(): number {
    return this.#pending.size;
  }

  /** Resolves once no change is pending or in flight (tests, graceful shutdown). */
  async idle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > 0 || this.#inFlight.size > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  private sweep(): void {
    for (const id of this.#pending) void this.drive(id);
  }

  private async drive(paymentId: string): Promise<void> {
    if (this.#inFlight.has(paymentId) || this.#stopped) return;
    this.#inFlight.add(paymentId);
    try {
      for (;;) {
        const record = await this.store.get<PaymentSnapshot>('payment', paymentId);
        const action = record ? Payment.fromSnapshot(record.body).nextGatewayAction() : null;
        if (!record || !action) {
          this.#pending.delete(paymentId);
          return;
        }
        const input = await this.callGateway(record.body, action);
        if (input === null) return; // gateway unavailable: stays pending for the next sweep
        const committed = await this.commit(paymentId, record.version, input);
        if (!committed) return;
      }
    } catch (error) {
      this.log.error({ err: error, paymentId }, 'payment change drive failed');
    } finally {
      this.#inFlight.delete(paymentId);
    }
  }

  /** One gateway call through retry + breaker; null when the gateway is unavailable. */
  private async callGateway(
    p: PaymentSnapshot,
    action: GatewayAction,
  ): Promise<ChangeInput | null> {
    const paymentId = p.id;
    try {
      return await this.policy.execute(async () => {
        if (action.kind === 'void') {
          const out = await this.gateway.voidAuthorization({
            idempotencyKey: action.idempotencyKey,
            paymentId,
            authorizationId: action.authorizationId,
          });
          if (out.kind === 'unavailable') throw new GatewayUnavailableError(out.detail);
          return out.kind === 'voided' ? { type: 'old-voided' } : { type: 'old-void-refused' };
        }
        const out = await this.gateway.authorize({
          idempotencyKey: action.idempotencyKey,
          paymentId,
          token: action.method.token,
          amount: p.amount,
        });
        if (out.kind === 'unavailable') throw new GatewayUnavailableError(out.detail);
        if (action.kind === 'authorize-new') {
          return out.kind === 'approved'
            ? { type: 'new-approved', authorizationId: out.authorizationId }
            : { type: 'new-declined', decline: out.decline };
        }
        return out.kind === 'approved'
          ? { type: 'old-restored', authorizationId: out.authorizationId }
          : { type: 'old-restore-declined' };
      });
    } catch (error) {
      if (error instanceof GatewayUnavailableError || isBrokenCircuitError(error)) {
        this.log.warn(
          { paymentId, step: action.kind, reason: error.name },
          'payment gateway unavailable; will retry',
        );
        return null;
      }
      throw error;
    }
  }

  /** Applies one gateway outcome and, if the change ended, finishes its command — atomically. */
  private async commit(
    paymentId: string,
    seenVersion: number,
    input: ChangeInput,
  ): Promise<boolean> {
    return this.store.transact(async (tx) => {
      const record = await tx.get<PaymentSnapshot>('payment', paymentId);
      if (!record || record.version !== seenVersion) return false; // someone else advanced it
      const payment = Payment.fromSnapshot(record.body);
      const applied = payment.applyGatewayOutcome(input, this.clock.now());
      if (!applied.ok) {
        this.log.error({ paymentId, code: applied.error.code }, 'gateway outcome did not apply');
        return false;
      }
      const snapshot = payment.toSnapshot();
      await tx.put('payment', paymentId, snapshot.version, snapshot);
      const change = applied.value;
      const final = finalStatus(payment.pullEvents());
      if (final) {
        await finishCommand(tx, asId('IdempotencyKey', change.commandId), final);
        this.onOutcome(final.status === 'failed' ? final.code : 'PAYMENT.CHANGED');
        this.log.info(
          { paymentId, commandId: change.commandId, step: change.step },
          'payment change finished',
        );
      }
      return true;
    });
  }
}

/** The command's final status, from the event the aggregate recorded when the change ended. */
function finalStatus(events: readonly PaymentEvent[]): CommandStatus | null {
  for (const event of events) {
    if (event.type === 'PaymentMethodChanged') return { status: 'done' };
    if (event.type === 'PaymentMethodChangeFailed') {
      return { status: 'failed', code: event.data.code, reason: event.data.message };
    }
  }
  return null;
}
