import type { WritableDb } from './db-handles';

/**
 * How long one synchronous slice of bulk replica work may hold the core's event
 * loop. The core answers the UI between slices, so this bounds how long an
 * operator's click can wait behind an initial sync: well inside one frame
 * (16 ms), leaving room for the commit, a page's JSON decoding and the answer
 * itself, and for a second busy thread (the search builder) on a 2-core machine.
 * Measured with the ingest bench: 6 ms gave a lag p99 of 10–13 ms, 4 ms 6.5–7 ms.
 */
export const SLICE_BUDGET_MS = 4;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface SliceOptions {
  /** Runs inside the final transaction (the feed saves its position there). */
  readonly last?: () => void;
  readonly budgetMs?: number;
  /** Wraps each slice's transaction (e.g. to relax fsync for re-fetchable data). */
  readonly around?: (commit: () => void) => void;
}

/**
 * Runs `step(i)` for i in [0, count) in transactions that each last about
 * `budgetMs`, yielding to the event loop between them. A fixed row count per
 * transaction cannot bound the pause: the same 200 rows cost 2 ms on an idle
 * machine and 40 ms with a busy disk or a full-text rebuild. Resolves when done.
 */
export async function writeInTimeSlices(
  db: WritableDb,
  count: number,
  step: (i: number) => void,
  { last = () => undefined, budgetMs = SLICE_BUDGET_MS, around = (c) => c() }: SliceOptions = {},
): Promise<void> {
  let i = 0;
  const slice = db.transaction(() => {
    const started = performance.now();
    while (i < count) {
      step(i);
      i += 1;
      if (performance.now() - started >= budgetMs) break;
    }
    if (i >= count) last();
  });
  // Yields before every slice, the first included: the caller has usually just
  // decoded a page in this same turn, and one that writes batch after batch from
  // already-resolved promises (a buffered response) would otherwise never let the
  // event loop run between them.
  do {
    await yieldToEventLoop();
    around(() => slice());
  } while (i < count);
}
