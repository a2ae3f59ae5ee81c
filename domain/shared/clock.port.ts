/** Milliseconds since the Unix epoch, UTC. The domain's only notion of time. */
export type Instant = number & { readonly __instant: true };

export const instant = (epochMs: number): Instant => {
  if (!Number.isFinite(epochMs)) throw new Error('Instant must be a finite number');
  return Math.trunc(epochMs) as Instant;
};

/** Port: where "now" comes from. Adapters wrap the system clock; tests use a fixed one. */
export interface Clock {
  now(): Instant;
}

/** Port: where new ids come from (UUIDs in production, counters in tests). */
export interface IdGenerator {
  next(prefix: string): string;
}

/** Inclusive-exclusive time span, e.g. a delivery window. */
export interface TimeWindow {
  readonly start: Instant;
  readonly end: Instant;
}

/**
 * Midnight UTC on the first day of a month, computed arithmetically (days from
 * civil date, proleptic Gregorian) so the domain needs no Date object.
 * `month` is 1–12; month 13 means January of the next year.
 */
export function startOfUtcMonth(year: number, month: number): Instant {
  const y0 = year + Math.floor((month - 1) / 12);
  const m = ((((month - 1) % 12) + 12) % 12) + 1;
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return instant(days * 86_400_000);
}
