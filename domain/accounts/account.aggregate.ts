import {
  AggregateRoot,
  containsCardNumber,
  err,
  isExpiredAt,
  ok,
  type CustomerId,
  type DomainEvent,
  type GatewayToken,
  type Instant,
  type Location,
  type PaymentMethodRef,
  type Result,
} from '../shared';

export interface PostalAddress {
  readonly line1: string;
  readonly city: string;
  readonly postcode: string;
  readonly country: string;
  /** Geocoded drop-off point for this address. */
  readonly position: Location;
}

export interface AccountSnapshot {
  readonly id: CustomerId;
  readonly name: string;
  readonly phone: string;
  readonly email: string;
  readonly address: PostalAddress;
  /** Payment methods on file, as gateway tokens only. */
  readonly paymentMethods: readonly PaymentMethodRef[];
  readonly version: number;
}

export type AccountEvent =
  | DomainEvent<'AccountOpened', { name: string }>
  | DomainEvent<'PaymentMethodAdded', { method: PaymentMethodRef }>
  | DomainEvent<'PaymentMethodRemoved', { token: GatewayToken }>;

/** At most this many methods on file; more is a sign of card testing. */
export const MAX_METHODS_ON_FILE = 10;

const PHONE = /^\+[1-9]\d{6,14}$/; // E.164
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[A-Za-z]{2,}$/;

export class Account extends AggregateRoot<AccountEvent> {
  private constructor(private state: AccountSnapshot) {
    super();
  }

  /** Invariants: a name, an E.164 phone, a plausible email; no field may carry a card number. */
  static open(
    input: Omit<AccountSnapshot, 'version' | 'paymentMethods'>,
    at: Instant,
  ): Result<Account> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 120) {
      return err('ACCOUNT.INVALID_NAME', 'A customer needs a name of up to 120 characters.');
    }
    if (!PHONE.test(input.phone)) {
      return err(
        'ACCOUNT.INVALID_PHONE',
        'The phone number must be in international format, like +4930123456.',
      );
    }
    if (!EMAIL.test(input.email)) {
      return err('ACCOUNT.INVALID_EMAIL', 'That email address does not look right.');
    }
    const fields = [
      name,
      input.email,
      input.address.line1,
      input.address.city,
      input.address.postcode,
      input.address.country,
    ];
    if (fields.some(containsCardNumber)) {
      return err(
        'ACCOUNT.CARD_NUMBER_IN_TEXT',
        'Card numbers must never be written into customer details.',
      );
    }
    const account = new Account({ ...input, name, paymentMethods: [], version: 1 });
    account.emit('AccountOpened', at, { name });
    return ok(account);
  }

  static fromSnapshot(snapshot: AccountSnapshot): Account {
    return new Account(snapshot);
  }

  toSnapshot(): AccountSnapshot {
    return this.state;
  }

  protected get identity(): { id: string; version: number } {
    return this.state;
  }

  get id(): CustomerId {
    return this.state.id;
  }

  /** Invariant: tokens on file are unique, unexpired when added, and at most MAX_METHODS_ON_FILE. */
  addPaymentMethod(method: PaymentMethodRef, at: Instant): Result<void> {
    if (this.state.paymentMethods.some((m) => m.token === method.token)) {
      return err('ACCOUNT.METHOD_ALREADY_ON_FILE', 'That payment method is already on file.');
    }
    if (isExpiredAt(method, at)) {
      return err('ACCOUNT.METHOD_EXPIRED', 'That card has expired and cannot be added.');
    }
    if (this.state.paymentMethods.length >= MAX_METHODS_ON_FILE) {
      return err(
        'ACCOUNT.TOO_MANY_METHODS',
        'This customer already has the maximum number of payment methods on file.',
      );
    }
    this.bump({ paymentMethods: [...this.state.paymentMethods, method] });
    this.emit('PaymentMethodAdded', at, { method });
    return ok(undefined);
  }

  removePaymentMethod(token: GatewayToken, at: Instant): Result<void> {
    if (!this.state.paymentMethods.some((m) => m.token === token)) {
      return err(
        'ACCOUNT.METHOD_NOT_ON_FILE',
        'That payment method is not on file for this customer.',
      );
    }
    this.bump({ paymentMethods: this.state.paymentMethods.filter((m) => m.token !== token) });
    this.emit('PaymentMethodRemoved', at, { token });
    return ok(undefined);
  }

  /** Finds a method on file by token: a change of payment method may only pick from these. */
  methodOnFile(token: string): Result<PaymentMethodRef> {
    const found = this.state.paymentMethods.find((m) => m.token === token);
    return found
      ? ok(found)
      : err('ACCOUNT.METHOD_NOT_ON_FILE', 'That payment method is not on file for this customer.');
  }

  private bump(patch: Partial<AccountSnapshot>): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
  }
}
