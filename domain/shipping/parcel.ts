import { err, ok, type Result } from '../shared';

export const PARCEL_SIZES = ['S', 'M', 'L'] as const;
export type ParcelSize = (typeof PARCEL_SIZES)[number];

/** What the drone carries. The tag is the label scanned at pickup. */
export interface Parcel {
  readonly weightGrams: number;
  readonly size: ParcelSize;
  readonly tag: string;
}

/** Largest parcel any model in the fleet can lift, grams. */
export const MAX_PARCEL_GRAMS = 5000;

/** Invariants: 1 g ≤ weight ≤ MAX_PARCEL_GRAMS, known size, tag of 4–32 letters/digits/dashes. */
export function parcel(weightGrams: number, size: string, tag: string): Result<Parcel> {
  if (!Number.isInteger(weightGrams) || weightGrams < 1 || weightGrams > MAX_PARCEL_GRAMS) {
    return err('PARCEL.INVALID_WEIGHT', 'That parcel is too heavy or has no weight.');
  }
  if (!(PARCEL_SIZES as readonly string[]).includes(size)) {
    return err('PARCEL.INVALID_SIZE', 'That parcel size is not one we fly.');
  }
  if (!/^[A-Z0-9-]{4,32}$/.test(tag)) {
    return err('PARCEL.INVALID_TAG', 'That parcel tag is not valid.');
  }
  return ok(Object.freeze({ weightGrams, size: size as ParcelSize, tag }));
}
