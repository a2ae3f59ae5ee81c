import { describe, expect, it } from 'vitest';
import { outcome } from '../test-support/fixtures';
import { MAX_PARCEL_GRAMS, PARCEL_SIZES, parcel } from './parcel';

describe('parcel', () => {
  it.each([
    [1, 'S', 'ABCD'],
    [1200, 'M', 'PKG-0001'],
    [MAX_PARCEL_GRAMS, 'L', 'A'.repeat(32)],
    [250, 'S', '2026-11-22-0001'],
  ])('accepts %d g, size %s, tag %s', (weightGrams, size, tag) => {
    const result = parcel(weightGrams, size, tag);
    expect(result).toEqual({ ok: true, value: { weightGrams, size, tag } });
    expect(result.ok && Object.isFrozen(result.value)).toBe(true);
  });

  it.each(PARCEL_SIZES)('accepts every fleet size (%s)', (size) => {
    expect(outcome(parcel(100, size, 'TAG1'))).toBe('ok');
  });

  it.each([
    ['no weight', 0, 'S', 'PKG-1', 'PARCEL.INVALID_WEIGHT'],
    ['a negative weight', -5, 'S', 'PKG-1', 'PARCEL.INVALID_WEIGHT'],
    ['a fractional weight', 10.5, 'S', 'PKG-1', 'PARCEL.INVALID_WEIGHT'],
    ['NaN grams', Number.NaN, 'S', 'PKG-1', 'PARCEL.INVALID_WEIGHT'],
    ['one gram over the limit', MAX_PARCEL_GRAMS + 1, 'L', 'PKG-1', 'PARCEL.INVALID_WEIGHT'],
    ['size XL', 100, 'XL', 'PKG-1', 'PARCEL.INVALID_SIZE'],
    ['a lower-case size', 100, 's', 'PKG-1', 'PARCEL.INVALID_SIZE'],
    ['an empty size', 100, '', 'PKG-1', 'PARCEL.INVALID_SIZE'],
    ['a three-character tag', 100, 'S', 'PKG', 'PARCEL.INVALID_TAG'],
    ['a 33-character tag', 100, 'S', 'A'.repeat(33), 'PARCEL.INVALID_TAG'],
    ['a lower-case tag', 100, 'S', 'pkg-0001', 'PARCEL.INVALID_TAG'],
    ['a tag with a space', 100, 'S', 'PKG 0001', 'PARCEL.INVALID_TAG'],
    ['a tag with an underscore', 100, 'S', 'PKG_0001', 'PARCEL.INVALID_TAG'],
    ['an empty tag', 100, 'S', '', 'PARCEL.INVALID_TAG'],
    ['a bad weight and a bad size (weight first)', 0, 'XL', 'PKG-1', 'PARCEL.INVALID_WEIGHT'],
    ['a bad size and a bad tag (size first)', 10, 'XL', 'x', 'PARCEL.INVALID_SIZE'],
  ])('refuses %s', (_label, weightGrams, size, tag, code) => {
    expect(outcome(parcel(weightGrams, size, tag))).toBe(code);
  });
});
