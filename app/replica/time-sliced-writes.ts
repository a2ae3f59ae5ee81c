import type { WritableDb } from './db-handles';

/**
 * How long one synchronous slice of bulk replica work may hold the core's event
 * loop. The core answers the UI between slices, so this bounds how long an
 * operator's click can wait behind an initial sync: one frame (16 ms) with room
 * for the commit and the answer itself.
 */
export const SLICE_BUDGET_MS = 6;

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
  // Yields after the last slice too: a caller that writes batch after batch from
  // already-resolved promises (a buffered response) would otherwise never let the
  // event loop run between them.
  do {
    around(() => slice());
    await yieldToEventLoop();
  } while (i < count);
}
