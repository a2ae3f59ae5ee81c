import type { FeedRetention } from './record-store.port';

/*
 * The part of `RecordStorePort.pruneFeed` every store shares: which of the
 * oldest entries may go. Each store reads a window of its oldest entries
 * (seq and write time only, never bodies) and deletes `seq <= lastSeq`.
 */

/** One feed entry as a prune sees it. */
export interface FeedEntryAge {
  readonly seq: number;
  /** When the entry was written, ms since the epoch. */
  readonly writtenAt: number;
}

export interface PrunePlan {
  readonly count: number;
  /** Delete entries with seq at or below this (meaningful when count > 0). */
  readonly lastSeq: number;
  readonly more: boolean;
}

/** Why `retention` is unusable, or null (returned, not thrown, so callers can reject). */
export function retentionError(retention: FeedRetention): RangeError | null {
  if (!Number.isSafeInteger(retention.maxEntries) || retention.maxEntries < 1)
    return new RangeError(`maxEntries must be a positive integer, got ${retention.maxEntries}`);
  if (!Number.isSafeInteger(retention.keepNewest))
    return new RangeError(`keepNewest must be an integer, got ${retention.keepNewest}`);
  return null;
}

/**
 * Highest seq a prune may touch. Keeping at least the newest entry is what
 * keeps `MAX(seq)` (the SQLite high-water mark) from going backwards: the
 * feed's AUTOINCREMENT alone would only stop new rows from reusing seqs.
 */
export function pruneCeiling(highWaterMark: number, retention: FeedRetention): number {
  return highWaterMark - keptNewest(retention);
}

/** How many of the newest entries a prune leaves alone (at least one). */
export function keptNewest(retention: FeedRetention): number {
  return Math.max(1, retention.keepNewest);
}

/**
 * `window`: the oldest entries at or below the ceiling, ascending by seq, at
 * most `maxEntries + 1` of them (the extra one tells whether there is more).
 * Returns the leading run that is old enough. It stops at the first young
 * entry rather than skipping it, so a prune never leaves a hole in the feed.
 */
export function planPrune(window: readonly FeedEntryAge[], retention: FeedRetention): PrunePlan {
  let count = 0;
  let lastSeq = 0;
  for (const entry of window) {
    if (entry.writtenAt >= retention.writtenBefore) return { count, lastSeq, more: false };
    if (count === retention.maxEntries) return { count, lastSeq, more: true };
    count += 1;
    lastSeq = entry.seq;
  }
  return { count, lastSeq, more: false };
}
