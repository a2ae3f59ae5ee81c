import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOUR, NOW, at, failure, outcome } from '../test-support/fixtures';
import { COMMAND_NAMES, type Command, type CommandName } from './commands';
import { canonicalCommandBody, canonicalJson, isCommandName, parseCommand } from './parse-command';

type Json = Record<string, unknown>;

const ISSUER = { userId: 'agent-7', role: 'agent', desktopId: 'desk-3' };

const PAYLOADS: Record<CommandName, Json> = {
  'payments.changeMethod': {
    paymentId: 'pay-1',
    expectedVersion: 3,
    newMethodToken: 'pm_mc4444defg',
  },
  'shipping.cancelDelivery': {
    deliveryId: 'del-1',
    expectedVersion: 2,
    reason: 'customer-request',
  },
  'shipping.rescheduleDelivery': {
    deliveryId: 'del-1',
    expectedVersion: 2,
    window: { start: at(HOUR), end: at(3 * HOUR) },
  },
  'shipping.assignDrone': { deliveryId: 'del-1', expectedVersion: 1, droneId: 'drone-4' },
  'payments.retryVoid': { paymentId: 'pay-1', expectedVersion: 4 },
  'payments.resolveEscalation': {
    paymentId: 'pay-1',
    expectedVersion: 4,
    reason: 'Called the bank; hold released by hand.',
  },
};

const valid = (name: CommandName = 'shipping.cancelDelivery'): Json => ({
  name,
  schemaVersion: 1,
  idempotencyKey: 'desk-3:0001',
  issuedBy: { ...ISSUER },
  issuedAt: NOW,
  payload: structuredClone(PAYLOADS[name]),
});

/** A valid command with one field (dotted path) replaced, or removed when value is REMOVE. */
const REMOVE = Symbol('remove');
function withField(name: CommandName, path: string, value: unknown): Json {
  const raw = valid(name);
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let target: Json = raw;
  for (const k of keys) target = target[k] as Json;
  if (value === REMOVE) Reflect.deleteProperty(target, last);
  else target[last] = value;
  return raw;
}

describe('parseCommand: valid commands', () => {
  it.each(COMMAND_NAMES)('%s round-trips through JSON unchanged', (name) => {
    const raw = valid(name);
    const wire: unknown = JSON.parse(JSON.stringify(raw));
    const parsed = parseCommand(wire);
    expect(parsed).toEqual({ ok: true, value: raw });
    // Parsing what was parsed gives the same command again.
    expect(parsed.ok && parseCommand(JSON.parse(JSON.stringify(parsed.value)))).toEqual(parsed);
  });

  it.each(COMMAND_NAMES)('%s ignores unknown fields', (name) => {
    const raw = { ...valid(name), extra: true, payload: { ...PAYLOADS[name], note: 'x' } };
    expect(parseCommand(raw)).toEqual({ ok: true, value: valid(name) });
  });

  it.each(['customer-request', 'payment-failed', 'no-drone-available', 'other'])(
    'accepts the cancel reason %s',
    (reason) => {
      expect(
        outcome(parseCommand(withField('shipping.cancelDelivery', 'payload.reason', reason))),
      ).toBe('ok');
    },
  );

  it.each(['agent', 'fleet-manager', 'supervisor'])('accepts the role %s', (role) => {
    expect(outcome(parseCommand(withField('shipping.assignDrone', 'issuedBy.role', role)))).toBe(
      'ok',
    );
  });

  it('accepts the longest allowed token (80 characters)', () => {
    const raw = withField(
      'payments.changeMethod',
      'payload.newMethodToken',
      `pm_${'a'.repeat(77)}`,
    );
    expect(outcome(parseCommand(raw))).toBe('ok');
  });
});

describe('parseCommand: malformed input (never throws; names the problem)', () => {
  const jsonObjectWithToString: unknown = JSON.parse('{"toString": 1, "valueOf": 1}');
  const A = 'payments.changeMethod' as const;
  const C = 'shipping.cancelDelivery' as const;
  const R = 'shipping.rescheduleDelivery' as const;
  const D = 'shipping.assignDrone' as const;

  it.each(
    [
      // label, raw, code, message fragment
      ['null', null, 'COMMAND.MALFORMED', 'a command must be an object'],
      ['undefined', undefined, 'COMMAND.MALFORMED', 'a command must be an object'],
      ['a string', '{"name":"shipping.assignDrone"}', 'COMMAND.MALFORMED', 'must be an object'],
      ['a number', 42, 'COMMAND.MALFORMED', 'must be an object'],
      ['an array', [valid()], 'COMMAND.MALFORMED', 'must be an object'],
      [
        'an unknown name',
        withField(C, 'name', 'payments.refund'),
        'COMMAND.UNKNOWN',
        'Unknown command "payments.refund".',
      ],
      [
        'a missing name',
        withField(C, 'name', REMOVE),
        'COMMAND.UNKNOWN',
        'Unknown command "undefined".',
      ],
      ['a numeric name', withField(C, 'name', 7), 'COMMAND.UNKNOWN', 'Unknown command "7".'],
      [
        'an inherited property as name',
        withField(C, 'name', 'toString'),
        'COMMAND.UNKNOWN',
        'Unknown command',
      ],
      [
        'a name that is an object with its own toString',
        withField(C, 'name', jsonObjectWithToString),
        'COMMAND.UNKNOWN',
        'Unknown command "object".',
      ],
      [
        'a name that is a prototype-less object',
        withField(C, 'name', Object.create(null)),
        'COMMAND.UNKNOWN',
        'Unknown command "object".',
      ],
      [
        'schema version 2',
        withField(C, 'schemaVersion', 2),
        'COMMAND.UNSUPPORTED_VERSION',
        'incompatible version',
      ],
      [
        'schema version as text',
        withField(C, 'schemaVersion', '1'),
        'COMMAND.UNSUPPORTED_VERSION',
        'incompatible',
      ],
      [
        'no schema version',
        withField(C, 'schemaVersion', REMOVE),
        'COMMAND.UNSUPPORTED_VERSION',
        'incompatible',
      ],
      [
        'no idempotency key',
        withField(C, 'idempotencyKey', REMOVE),
        'COMMAND.MALFORMED',
        'idempotencyKey is required',
      ],
      [
        'an empty idempotency key',
        withField(C, 'idempotencyKey', ''),
        'COMMAND.MALFORMED',
        'idempotencyKey',
      ],
      [
        'an idempotency key with spaces',
        withField(C, 'idempotencyKey', 'a b'),
        'COMMAND.MALFORMED',
        'idempotencyKey',
      ],
      [
        'an 81-character idempotency key',
        withField(C, 'idempotencyKey', 'k'.repeat(81)),
        'COMMAND.MALFORMED',
        'idempotencyKey',
      ],
      ['no issuer', withField(C, 'issuedBy', REMOVE), 'COMMAND.MALFORMED', 'issuedBy is required'],
      [
        'an issuer that is a string',
        withField(C, 'issuedBy', 'agent-7'),
        'COMMAND.MALFORMED',
        'issuedBy is required',
      ],
      [
        'a bad user id',
        withField(C, 'issuedBy.userId', 'agent 7'),
        'ID.INVALID',
        'That user reference is not valid.',
      ],
      [
        'a missing desktop id',
        withField(C, 'issuedBy.desktopId', REMOVE),
        'ID.INVALID',
        'That desktop reference is not valid.',
      ],
      [
        'an unknown role',
        withField(C, 'issuedBy.role', 'admin'),
        'COMMAND.MALFORMED',
        'issuedBy.role is not a known role',
      ],
      [
        'a capitalised role',
        withField(C, 'issuedBy.role', 'Agent'),
        'COMMAND.MALFORMED',
        'issuedBy.role',
      ],
      ['no role', withField(C, 'issuedBy.role', REMOVE), 'COMMAND.MALFORMED', 'issuedBy.role'],
      [
        'no issue time',
        withField(C, 'issuedAt', REMOVE),
        'COMMAND.MALFORMED',
        'issuedAt must be a timestamp',
      ],
      ['an issue time of 0', withField(C, 'issuedAt', 0), 'COMMAND.MALFORMED', 'issuedAt'],
      ['a fractional issue time', withField(C, 'issuedAt', 1.5), 'COMMAND.MALFORMED', 'issuedAt'],
      [
        'an ISO issue time',
        withField(C, 'issuedAt', '2026-11-22T10:00:00Z'),
        'COMMAND.MALFORMED',
        'issuedAt',
      ],
      ['no payload', withField(C, 'payload', REMOVE), 'COMMAND.MALFORMED', 'payload is required'],
      ['an array payload', withField(C, 'payload', []), 'COMMAND.MALFORMED', 'payload is required'],
      // payments.changeMethod
      [
        'a bad payment id',
        withField(A, 'payload.paymentId', '../pay-1'),
        'ID.INVALID',
        'That payment reference is not valid.',
      ],
      [
        'version 0',
        withField(A, 'payload.expectedVersion', 0),
        'COMMAND.MALFORMED',
        'expectedVersion must be a positive integer',
      ],
      [
        'a negative version',
        withField(A, 'payload.expectedVersion', -3),
        'COMMAND.MALFORMED',
        'expectedVersion',
      ],
      [
        'a fractional version',
        withField(A, 'payload.expectedVersion', 1.5),
        'COMMAND.MALFORMED',
        'expectedVersion',
      ],
      [
        'a version as text',
        withField(A, 'payload.expectedVersion', '3'),
        'COMMAND.MALFORMED',
        'expectedVersion',
      ],
      [
        'no version',
        withField(A, 'payload.expectedVersion', REMOVE),
        'COMMAND.MALFORMED',
        'expectedVersion',
      ],
      [
        'no token',
        withField(A, 'payload.newMethodToken', REMOVE),
        'COMMAND.MALFORMED',
        'newMethodToken is required',
      ],
      [
        'an empty token',
        withField(A, 'payload.newMethodToken', ''),
        'COMMAND.MALFORMED',
        'newMethodToken',
      ],
      [
        'an 81-character token',
        withField(A, 'payload.newMethodToken', 't'.repeat(81)),
        'COMMAND.MALFORMED',
        'newMethodToken',
      ],
      [
        'a numeric token',
        withField(A, 'payload.newMethodToken', 4242),
        'COMMAND.MALFORMED',
        'newMethodToken',
      ],
      // shipping.cancelDelivery
      [
        'a bad delivery id (cancel)',
        withField(C, 'payload.deliveryId', ''),
        'ID.INVALID',
        'That delivery reference is not valid.',
      ],
      [
        'an unknown cancel reason',
        withField(C, 'payload.reason', 'changed-mind'),
        'COMMAND.MALFORMED',
        'reason is not a known cancel reason',
      ],
      [
        'no cancel reason',
        withField(C, 'payload.reason', REMOVE),
        'COMMAND.MALFORMED',
        'cancel reason',
      ],
      [
        'a negative version (cancel)',
        withField(C, 'payload.expectedVersion', -1),
        'COMMAND.MALFORMED',
        'expectedVersion',
      ],
      // shipping.rescheduleDelivery
      [
        'no window',
        withField(R, 'payload.window', REMOVE),
        'COMMAND.MALFORMED',
        'window is required',
      ],
      [
        'a window as an array',
        withField(R, 'payload.window', [1, 2]),
        'COMMAND.MALFORMED',
        'window is required',
      ],
      [
        'a window start of 0',
        withField(R, 'payload.window.start', 0),
        'COMMAND.MALFORMED',
        'window.start must be a timestamp',
      ],
      [
        'a window end as text',
        withField(R, 'payload.window.end', 'tomorrow'),
        'COMMAND.MALFORMED',
        'window.end must be a timestamp',
      ],
      [
        'a negative window end',
        withField(R, 'payload.window.end', -5),
        'COMMAND.MALFORMED',
        'window.end',
      ],
      [
        'a bad delivery id (reschedule)',
        withField(R, 'payload.deliveryId', 'd e l'),
        'ID.INVALID',
        'delivery reference',
      ],
      [
        'a negative version (reschedule)',
        withField(R, 'payload.expectedVersion', -1),
        'COMMAND.MALFORMED',
        'expectedVersion',
      ],
      // shipping.assignDrone
      [
        'a bad drone id',
        withField(D, 'payload.droneId', 'drone#4'),
        'ID.INVALID',
        'That drone reference is not valid.',
      ],
      [
        'no delivery id (assign)',
        withField(D, 'payload.deliveryId', REMOVE),
        'ID.INVALID',
        'delivery reference',
      ],
      [
        'a negative version (assign)',
        withField(D, 'payload.expectedVersion', -1),
        'COMMAND.MALFORMED',
        'expectedVersion',
      ],
    ].map(([label, raw, code, message]) => ({ label, raw, code, message })),
  )('$label → $code', ({ raw, code, message }) => {
    const run = () => parseCommand(raw);
    expect(run).not.toThrow();
    const error = failure(run());
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('cuts a very long unknown name short in the message', () => {
    const error = failure(parseCommand(withField('shipping.assignDrone', 'name', 'x'.repeat(500))));
    expect(error.message.length).toBeLessThan(80);
  });
});

describe('parseCommand never throws (property)', () => {
  const richAnything = fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
  });

  it('on fc.anything()', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const result = parseCommand(raw);
        expect(result.ok || /^(COMMAND|ID)\./.test(result.error.code)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('on anything, including exotic objects', () => {
    fc.assert(
      fc.property(richAnything, (raw) => {
        expect(() => parseCommand(raw)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  const FIELDS = [
    'name',
    'schemaVersion',
    'idempotencyKey',
    'issuedBy',
    'issuedBy.userId',
    'issuedBy.role',
    'issuedBy.desktopId',
    'issuedAt',
    'payload',
  ];
  const PAYLOAD_FIELDS: Record<CommandName, string[]> = {
    'payments.changeMethod': ['paymentId', 'expectedVersion', 'newMethodToken'],
    'shipping.cancelDelivery': ['deliveryId', 'expectedVersion', 'reason'],
    'shipping.rescheduleDelivery': [
      'deliveryId',
      'expectedVersion',
      'window',
      'window.start',
      'window.end',
    ],
    'shipping.assignDrone': ['deliveryId', 'expectedVersion', 'droneId'],
    'payments.retryVoid': ['paymentId', 'expectedVersion'],
    'payments.resolveEscalation': ['paymentId', 'expectedVersion', 'reason'],
  };

  it('on a valid command with any one field replaced by anything', () => {
    const mutation = fc
      .constantFrom(...COMMAND_NAMES)
      .chain((name) =>
        fc.tuple(
          fc.constant(name),
          fc.constantFrom(...FIELDS, ...PAYLOAD_FIELDS[name].map((f) => `payload.${f}`)),
          richAnything,
        ),
      );
    fc.assert(
      fc.property(mutation, ([name, path, value]) => {
        const result = parseCommand(withField(name, path, value));
        expect(result.ok || /^(COMMAND|ID)\./.test(result.error.code)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('isCommandName', () => {
  it('recognises exactly the four command names', () => {
    expect(COMMAND_NAMES.every(isCommandName)).toBe(true);
    expect(['shipping', 'payments.changemethod', 'constructor', 1, null].some(isCommandName)).toBe(
      false,
    );
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 'x' }, 2], c: { z: null, y: true } })).toBe(
      '{"a":[{"c":"x","d":1},2],"b":1,"c":{"y":true,"z":null}}',
    );
  });

  it.each([
    [null, 'null'],
    [undefined, 'null'],
    [() => 1, 'null'],
    ['a "quoted" string', '"a \\"quoted\\" string"'],
    [1.5, '1.5'],
    [[], '[]'],
    [{}, '{}'],
    [[undefined], '[null]'],
    [{ a: undefined }, '{"a":null}'],
  ])('canonicalJson(%o) is %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  /** The same value with every object's keys inserted in reverse order. */
  const reversed = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reversed);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(
        Object.entries(v)
          .reverse()
          .map(([k, x]) => [k, reversed(x)]),
      );
    }
    return v;
  };

  it('does not depend on key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(reversed(value))).toBe(canonicalJson(value));
      }),
    );
  });

  it('is valid JSON and a fixed point of parse-then-canonicalise (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it('canonicalCommandBody ignores key order, idempotency key and issue time, but not the payload', () => {
    const parse = (raw: unknown): Command => {
      const result = parseCommand(raw);
      if (!result.ok) throw new Error(result.error.code);
      return result.value;
    };
    const a = parse(valid('shipping.assignDrone'));
    const b = parse(
      reversed({ ...valid('shipping.assignDrone'), idempotencyKey: 'other-key', issuedAt: at(5) }),
    );
    const c = parse(withField('shipping.assignDrone', 'payload.droneId', 'drone-5'));
    expect(canonicalCommandBody(b)).toBe(canonicalCommandBody(a));
    expect(canonicalCommandBody(c)).not.toBe(canonicalCommandBody(a));
    expect(JSON.parse(canonicalCommandBody(a))).toEqual({
      name: 'shipping.assignDrone',
      payload: PAYLOADS['shipping.assignDrone'],
      issuedBy: ISSUER,
    });
  });
});
