import { err, instant, ok, parseId, type Result } from '../shared';
import type { CancelReason } from '../shipping';
import {
  COMMAND_NAMES,
  COMMAND_SCHEMA_VERSION,
  type Command,
  type CommandName,
  type CommandPayloads,
  type Issuer,
} from './commands';
import { isRole } from './roles';

type Fields = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (what: string): Result<never> =>
  err('COMMAND.MALFORMED', `The request is malformed: ${what}.`);

const CANCEL_REASONS: readonly CancelReason[] = [
  'customer-request',
  'payment-failed',
  'no-drone-available',
  'other',
];

function version(v: unknown): Result<number> {
  return Number.isSafeInteger(v) && (v as number) >= 1
    ? ok(v as number)
    : bad('expectedVersion must be a positive integer');
}

function time(v: unknown, field: string): Result<number> {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0
    ? ok(v)
    : bad(`${field} must be a timestamp`);
}

// One parser per command name. Unknown fields are ignored; missing or ill-typed ones are refused.
const PAYLOAD_PARSERS: { [K in CommandName]: (p: Fields) => Result<CommandPayloads[K]> } = {
  'payments.changeMethod': (p) => {
    const paymentId = parseId('Payment', p['paymentId']);
    const v = version(p['expectedVersion']);
    const token = p['newMethodToken'];
    if (!paymentId.ok) return paymentId;
    if (!v.ok) return v;
    if (typeof token !== 'string' || token.length === 0 || token.length > 80)
      return bad('newMethodToken is required');
    return ok({ paymentId: paymentId.value, expectedVersion: v.value, newMethodToken: token });
  },
  'shipping.cancelDelivery': (p) => {
    const deliveryId = parseId('Delivery', p['deliveryId']);
    const v = version(p['expectedVersion']);
    if (!deliveryId.ok) return deliveryId;
    if (!v.ok) return v;
    const reason = p['reason'];
    if (!CANCEL_REASONS.includes(reason as CancelReason))
      return bad('reason is not a known cancel reason');
    return ok({
      deliveryId: deliveryId.value,
      expectedVersion: v.value,
      reason: reason as CancelReason,
    });
  },
  'shipping.rescheduleDelivery': (p) => {
    const deliveryId = parseId('Delivery', p['deliveryId']);
    const v = version(p['expectedVersion']);
    if (!deliveryId.ok) return deliveryId;
    if (!v.ok) return v;
    const w = p['window'];
    if (!isObject(w)) return bad('window is required');
    const start = time(w['start'], 'window.start');
    const end = time(w['end'], 'window.end');
    if (!start.ok) return start;
    if (!end.ok) return end;
    return ok({
      deliveryId: deliveryId.value,
      expectedVersion: v.value,
      window: { start: instant(start.value), end: instant(end.value) },
    });
  },
  'shipping.assignDrone': (p) => {
    const deliveryId = parseId('Delivery', p['deliveryId']);
    const droneId = parseId('Drone', p['droneId']);
    const v = version(p['expectedVersion']);
    if (!deliveryId.ok) return deliveryId;
    if (!droneId.ok) return droneId;
    if (!v.ok) return v;
    return ok({ deliveryId: deliveryId.value, expectedVersion: v.value, droneId: droneId.value });
  },
  'payments.retryVoid': (p) => {
    const paymentId = parseId('Payment', p['paymentId']);
    const v = version(p['expectedVersion']);
    if (!paymentId.ok) return paymentId;
    if (!v.ok) return v;
    return ok({ paymentId: paymentId.value, expectedVersion: v.value });
  },
  'payments.resolveEscalation': (p) => {
    const paymentId = parseId('Payment', p['paymentId']);
    const v = version(p['expectedVersion']);
    if (!paymentId.ok) return paymentId;
    if (!v.ok) return v;
    // Shape only; the words themselves (length, no card data) are the domain's checkResolutionReason.
    const reason = p['reason'];
    if (typeof reason !== 'string' || reason.length === 0 || reason.length > 2000)
      return bad('reason must be text of at most 2000 characters');
    return ok({ paymentId: paymentId.value, expectedVersion: v.value, reason });
  },
};

function parseIssuer(raw: unknown): Result<Issuer> {
  if (!isObject(raw)) return bad('issuedBy is required');
  const userId = parseId('User', raw['userId']);
  const desktopId = parseId('Desktop', raw['desktopId']);
  if (!userId.ok) return userId;
  if (!desktopId.ok) return desktopId;
  if (!isRole(raw['role'])) return bad('issuedBy.role is not a known role');
  return ok({ userId: userId.value, desktopId: desktopId.value, role: raw['role'] });
}

export const isCommandName = (raw: unknown): raw is CommandName =>
  typeof raw === 'string' && (COMMAND_NAMES as readonly string[]).includes(raw);

/**
 * Validates untrusted data (a socket frame, an HTTP body, an outbox row) as a
 * command. Never throws; every failure is a COMMAND.* error naming the field.
 */
export function parseCommand(raw: unknown): Result<Command> {
  if (!isObject(raw)) return bad('a command must be an object');
  const name = raw['name'];
  if (!isCommandName(name)) {
    // String() throws on some objects (own toString/valueOf, no prototype): show only primitives.
    const shown =
      (typeof name === 'object' && name !== null) || typeof name === 'function'
        ? typeof name
        : String(name);
    return err('COMMAND.UNKNOWN', `Unknown command ${JSON.stringify(shown).slice(0, 60)}.`);
  }
  if (raw['schemaVersion'] !== COMMAND_SCHEMA_VERSION) {
    return err(
      'COMMAND.UNSUPPORTED_VERSION',
      'This command comes from an incompatible version of Fleetdesk.',
    );
  }
  const key = parseId('IdempotencyKey', raw['idempotencyKey']);
  if (!key.ok) return bad('idempotencyKey is required');
  const issuer = parseIssuer(raw['issuedBy']);
  if (!issuer.ok) return issuer;
  const issuedAt = time(raw['issuedAt'], 'issuedAt');
  if (!issuedAt.ok) return issuedAt;
  const payload = raw['payload'];
  if (!isObject(payload)) return bad('payload is required');
  const parsed = (PAYLOAD_PARSERS[name] as (p: Fields) => Result<CommandPayloads[CommandName]>)(
    payload,
  );
  if (!parsed.ok) return parsed;
  return ok({
    name,
    schemaVersion: COMMAND_SCHEMA_VERSION,
    idempotencyKey: key.value,
    issuedBy: issuer.value,
    issuedAt: instant(issuedAt.value),
    payload: parsed.value,
  } as Command);
}

/**
 * Canonical JSON of a command body (keys sorted), so that "same idempotency key,
 * different body" can be detected regardless of key order.
 */
export function canonicalCommandBody(command: Command): string {
  return canonicalJson({
    name: command.name,
    payload: command.payload,
    issuedBy: command.issuedBy,
  });
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  // JSON.stringify returns undefined for undefined and functions, despite its declared type.
  const json = JSON.stringify(value) as string | undefined;
  return json ?? 'null';
}
