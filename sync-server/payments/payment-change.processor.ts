import { isBrokenCircuitError, type IPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import { timerDelay } from '../timers';
import {
  Payment,
  type ChangeInput,
  type GatewayAction,
  type PaymentEvent,
  type PaymentGatewayPort,
  type PaymentSnapshot,
  type ReleaseOutcome,
} from '../../domain/payments';
import { asId, type Clock } from '../../domain/shared';
import { auditGatewayStep } from '../audit';
import { finishCommand, noteWaiting, type CommandStatus } from '../commands';
import type { RecordStorePort } from '../records';
import { GatewayUnavailableError } from './gateway-resilience';

/** Shown to the agent while a change waits for the gateway to come back. */
export const GATEWAY_WAIT_NOTE =
  'The card company is not answering right now; the change will finish by itself when it is back, so there is no need to submit it again.';

/** What one gateway call produced, for the aggregate method that consumes it. */
type GatewayAnswer =
  | { readonly for: 'change'; readonly input: ChangeInput }
  | { readonly for: 'release'; readonly outcome: ReleaseOutcome };

/**
 * Drives every payment's outstanding gateway work to a final state: method
 * changes, and the release of a cancelled order's hold. One gateway call at a
 * time, each keyed by the domain's per-step idempotency key. The state after
 * every call is committed before the next call, so a crash or restart resumes
 * at the right step and the gateway applies nothing twice.
 */
/** Payments driven at once (each: one gateway call at a time, then a short commit). */
const MAX_DRIVES = 16;

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

  /**
   * Finds changes left unfinished by a previous run, then sweeps every `sweepMs`. With
   * `resumeStored: false` it only retries what was kicked here (scale-out: one instance, under
   * a lease, resumes the stored ones; see `rescan`).
   */
  async start(sweepMs: number, options: { resumeStored?: boolean } = {}): Promise<void> {
    if (options.resumeStored !== false) await this.rescan();
    this.#timer = setInterval(() => {
      this.sweep();
    }, timerDelay(sweepMs));
    this.#timer.unref();
    this.sweep();
  }

  /**
   * Adds every payment with gateway work outstanding to the sweep: also those another instance
   * accepted and could not finish (it died, or its gateway calls failed).
   */
  async rescan(): Promise<void> {
    for (const record of await this.store.list<PaymentSnapshot>('payment')) {
      if (Payment.fromSnapshot(record.body).gatewayWorkPending) this.#pending.add(record.id);
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Called after a change or a release was accepted: start on it now rather than at the next sweep. */
  kick(paymentId: string): void {
    this.#pending.add(paymentId);
    this.sweep();
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

  /**
   * Starts pending work up to MAX_DRIVES at once. Unbounded, a catch-up of 10k
   * cancels started 10k gateway calls whose commits then queued ahead of every
   * agent's next command in the serial write queue.
   */
  private sweep(): void {
    for (const id of this.#pending) {
      if (this.#inFlight.size >= MAX_DRIVES) return;
      if (!this.#inFlight.has(id)) void this.drive(id);
    }
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
        const answer = await this.callGateway(record.body, action);
        if (answer === null) {
          // Gateway unavailable: stays pending for the next sweep; the agent learns why.
          const commandId = action.kind === 'release' ? null : record.body.change?.commandId;
          if (commandId)
            await this.store.transact((tx) => noteWaiting(tx, commandId, GATEWAY_WAIT_NOTE));
          return;
        }
        const committed = await this.commit(paymentId, record.version, answer);
        if (!committed) return;
      }
    } catch (error) {
      this.log.error({ err: error, paymentId }, 'payment change drive failed');
    } finally {
      this.#inFlight.delete(paymentId);
      // The next waiting payment, on a later turn (not inside this one's microtask chain).
      if (this.#pending.size > this.#inFlight.size) setImmediate(() => this.sweep());
    }
  }

  /** One gateway call through retry + breaker; null when the gateway is unavailable. */
  private async callGateway(
    p: PaymentSnapshot,
    action: GatewayAction,
  ): Promise<GatewayAnswer | null> {
    const paymentId = p.id;
    try {
      return await this.policy.execute(async (): Promise<GatewayAnswer> => {
        if (action.kind === 'void' || action.kind === 'release') {
          const out = await this.gateway.voidAuthorization({
            idempotencyKey: action.idempotencyKey,
            paymentId,
            authorizationId: action.authorizationId,
          });
          if (out.kind === 'unavailable') throw new GatewayUnavailableError(out.detail);
          if (action.kind === 'release')
            return { for: 'release', outcome: out.kind === 'voided' ? 'voided' : 'refused' };
          return {
            for: 'change',
            input: out.kind === 'voided' ? { type: 'old-voided' } : { type: 'old-void-refused' },
          };
        }
        const out = await this.gateway.authorize({
          idempotencyKey: action.idempotencyKey,
          paymentId,
          token: action.method.token,
          amount: p.amount,
        });
        if (out.kind === 'unavailable') throw new GatewayUnavailableError(out.detail);
        if (action.kind === 'authorize-new') {
          return {
            for: 'change',
            input:
              out.kind === 'approved'
                ? { type: 'new-approved', authorizationId: out.authorizationId }
                : { type: 'new-declined', decline: out.decline },
          };
        }
        return {
          for: 'change',
          input:
            out.kind === 'approved'
              ? { type: 'old-restored', authorizationId: out.authorizationId }
              : { type: 'old-restore-declined' },
        };
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

  /** Applies one gateway outcome and, if a change ended, finishes its command — atomically. */
  private async commit(
    paymentId: string,
    seenVersion: number,
    answer: GatewayAnswer,
  ): Promise<boolean> {
    return this.store.transact(async (tx) => {
      const record = await tx.get<PaymentSnapshot>('payment', paymentId);
      if (!record || record.version !== seenVersion) return false; // someone else advanced it
      const payment = Payment.fromSnapshot(record.body);
      const now = this.clock.now();
      const applied =
        answer.for === 'change'
          ? payment.applyGatewayOutcome(answer.input, now)
          : payment.applyReleaseOutcome(answer.outcome, now);
      if (!applied.ok) {
        this.log.error({ paymentId, code: applied.error.code }, 'gateway outcome did not apply');
        return false;
      }
      const snapshot = payment.toSnapshot();
      await tx.put('payment', paymentId, snapshot.version, snapshot);
      const events = payment.pullEvents();
      await auditStep(tx, snapshot, answer, events, now);
      if (answer.for === 'release') {
        const released = events.some((e) => e.type === 'PaymentReleased');
        this.onOutcome(released ? 'PAYMENT.RELEASED' : 'PAYMENT.RELEASE_REFUSED');
        this.log[released ? 'info' : 'warn'](
          { paymentId },
          released ? 'payment hold released' : 'gateway refused to release a payment hold',
        );
        return true;
      }
      const change = snapshot.change;
      const final = finalStatus(events);
      if (final && change) {
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

/** The audit line of one committed gateway step (sync-server/audit). */
async function auditStep(
  tx: Parameters<Parameters<RecordStorePort['transact']>[0]>[0],
  payment: PaymentSnapshot,
  answer: GatewayAnswer,
  events: readonly PaymentEvent[],
  at: number,
): Promise<void> {
  const failedWith = events.find((e) => e.type === 'PaymentMethodChangeFailed');
  const code = failedWith?.type === 'PaymentMethodChangeFailed' ? failedWith.data.code : null;
  if (answer.for === 'release') {
    const release = payment.release;
    if (!release) return;
    await auditGatewayStep(tx, {
      commandKey: release.key,
      step: `release-${String(release.retries ?? 0)}`,
      outcome: release.step,
      code: release.step === 'void-refused' ? 'PAYMENT.RELEASE_REFUSED' : null,
      detail: `void of the hold: ${answer.outcome}`,
      payment,
      at,
    });
    return;
  }
  const change = payment.change;
  if (!change) return;
  await auditGatewayStep(tx, {
    commandKey: change.commandId,
    step: change.step,
    outcome: change.step,
    code,
    detail: `gateway: ${answer.input.type}`,
    payment,
    at,
  });
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
