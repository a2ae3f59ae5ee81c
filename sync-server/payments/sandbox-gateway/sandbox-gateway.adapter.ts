import { toDecimalString } from '../../../domain/shared';
import type {
  AuthorizeOutcome,
  AuthorizeRequest,
  HealthCheckOutcome,
  PaymentGatewayPort,
  VoidOutcome,
  VoidRequest,
} from '../../../domain/payments';
import type { SandboxGatewayService } from './sandbox-gateway.service';
import { translateAuthorize, translateHealth, translateVoid } from './sandbox-gateway.translator';

/**
 * PaymentGatewayPort over the sandbox gateway. Only tokens, amounts and ids
 * cross this boundary — never a card number. A thrown transport error becomes
 * `unavailable` so the caller retries with the same idempotency key.
 */
export class SandboxGatewayAdapter implements PaymentGatewayPort {
  constructor(private readonly gateway: SandboxGatewayService) {}

  async authorize(request: AuthorizeRequest): Promise<AuthorizeOutcome> {
    try {
      const raw = await this.gateway.authorize(request.idempotencyKey, {
        amount: request.amount.minor,
        currency: request.amount.currency.toLowerCase(),
        source: request.token,
        metadata: { payment_id: request.paymentId },
      });
      return translateAuthorize(raw);
    } catch (error) {
      return transportFailure(error, `authorize ${toDecimalString(request.amount)}`);
    }
  }

  async voidAuthorization(request: VoidRequest): Promise<VoidOutcome> {
    try {
      const raw = await this.gateway.voidAuthorization(request.idempotencyKey, {
        authorization: request.authorizationId,
        metadata: { payment_id: request.paymentId },
      });
      return translateVoid(raw);
    } catch (error) {
      return transportFailure(error, 'void');
    }
  }

  /** No idempotency key: the health call changes nothing, so a repeat is harmless (see the port). */
  async checkHealth(): Promise<HealthCheckOutcome> {
    try {
      return translateHealth(await this.gateway.health());
    } catch (error) {
      return transportFailure(error, 'health');
    }
  }
}

function transportFailure(error: unknown, what: string): { kind: 'unavailable'; detail: string } {
  // Our own bugs (invalid request, reused key) must surface, not be retried forever.
  if (error instanceof Error && error.message.startsWith('Payment gateway refused')) throw error;
  return {
    kind: 'unavailable',
    detail: `${what}: ${error instanceof Error ? error.message : String(error)}`,
  };
}
