import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outcome } from '../test-support/fixtures';
import { asId, parseId } from './ids';

describe('parseId', () => {
  it.each([
    'a',
    '7',
    'drone-1',
    'cust_42',
    'A.b:c_d-e',
    'pay-2026-11-22T10:00',
    '3f2c7a9e-1b2d-4c5e-8f90-123456789abc',
    'x'.repeat(80),
  ])('accepts %j', (raw) => {
    expect(parseId('Drone', raw)).toEqual({ ok: true, value: raw });
  });

  it.each([
    ['an empty string', ''],
    ['a leading dash', '-abc'],
    ['a leading underscore', '_abc'],
    ['a leading dot', '.abc'],
    ['a space', 'drone 1'],
    ['a slash', 'a/b'],
    ['markup', '<script>'],
    ['a newline', 'abc\n'],
    ['a non-ASCII letter', 'drohne-ä'],
    ['81 characters', 'x'.repeat(81)],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { id: 'drone-1' }],
  ])('refuses %s with ID.INVALID', (_label, raw) => {
    expect(outcome(parseId('Drone', raw))).toBe('ID.INVALID');
  });

  it('names the kind of reference, in lower case, in the message', () => {
    const result = parseId('Delivery', 'no good');
    expect(result).toEqual({
      ok: false,
      error: { code: 'ID.INVALID', message: 'That delivery reference is not valid.' },
    });
  });

  it('accepts exactly the printable ids of 1–80 characters (property)', () => {
    const head = fc.constantFrom(...'abcXYZ019'.split(''));
    const tail = fc.string({ unit: fc.constantFrom(...'aZ9_.:-'.split('')), maxLength: 79 });
    fc.assert(
      fc.property(head, tail, (h, t) => {
        expect(parseId('User', h + t).ok).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const expected = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/.test(raw);
        expect(parseId('User', raw).ok).toBe(expected);
      }),
    );
  });
});

describe('asId', () => {
  it('returns the id for program-made ids', () => {
    const id: string = asId('Payment', 'pay-1');
    expect(id).toBe('pay-1');
  });

  it('throws (a bug, not a business outcome) for an invalid id', () => {
    expect(() => asId('Drone', 'bad id')).toThrow('Invalid Drone id: "bad id"');
  });
});
