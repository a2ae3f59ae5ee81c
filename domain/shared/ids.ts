import { err, ok, type Result } from './result';

declare const brand: unique symbol;
/** A string that is statically known to be a validated id of kind K. */
export type Id<K extends string> = string & { readonly [brand]: K };

export type CustomerId = Id<'Customer'>;
export type DeliveryId = Id<'Delivery'>;
export type DroneId = Id<'Drone'>;
export type DepotId = Id<'Depot'>;
export type PaymentId = Id<'Payment'>;
export type AuthorizationId = Id<'Authorization'>;
export type UserId = Id<'User'>;
export type DesktopId = Id<'Desktop'>;
export type CommandId = Id<'Command'>;
/** One effect per key: a repeat of the same key returns the first outcome. */
export type IdempotencyKey = Id<'IdempotencyKey'>;

// Ids travel over sockets, into SQLite and into logs: keep them short, printable
// and free of anything that could be personal data or markup.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/;

/** Validates untrusted text as an id of a given kind. */
export function parseId<K extends string>(kind: K, raw: unknown): Result<Id<K>> {
  if (typeof raw !== 'string' || !ID_PATTERN.test(raw)) {
    return err('ID.INVALID', `That ${kind.toLowerCase()} reference is not valid.`);
  }
  return ok(raw as Id<K>);
}

/** For ids the program itself produced (generators, fixtures): throws on a bug. */
export function asId<K extends string>(kind: K, raw: string): Id<K> {
  const parsed = parseId(kind, raw);
  if (!parsed.ok) throw new Error(`Invalid ${kind} id: ${JSON.stringify(raw)}`);
  return parsed.value;
}
