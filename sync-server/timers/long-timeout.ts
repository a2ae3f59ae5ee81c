/**
 * Timers for delays that come from outside the code: a token's expiry, a configured interval,
 * a duration a user typed. Node's setTimeout/setInterval take at most 2^31-1 ms (~24.8 days);
 * anything longer (a token minted with `--ttl 30d`) is replaced by 1 ms with only a
 * TimeoutOverflowWarning, so the timer fires at once. Every such timer goes through here.
 */

/** The longest delay setTimeout/setInterval honour. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * A delay setTimeout/setInterval honour: at least 0, at most `MAX_TIMER_DELAY_MS`; NaN is 0.
 * For a repeating interval a cap is harmless (a sweep every 24.8 days instead of every 30);
 * a one-off deadline needs `setLongTimeout`, which re-arms.
 */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_DELAY_MS);
}

/** A pending `setLongTimeout`; `clear` is idempotent. */
export interface LongTimeout {
  clear(): void;
}

/**
 * Runs `fn` once after `delayMs` (any length; Infinity: never), re-arming in steps Node can
 * hold. Measured on the monotonic clock, so a wall-clock step does not move it. Unref'd unless
 * `keepAlive`: a pending expiry or interval is no reason to keep the process running.
 */
export function setLongTimeout(
  fn: () => void,
  delayMs: number,
  options: { keepAlive?: boolean } = {},
): LongTimeout {
  const due = performance.now() + Math.max(0, Number.isNaN(delayMs) ? 0 : delayMs);
  let timer: NodeJS.Timeout | undefined;
  let cleared = false;
  const schedule = (): void => {
    timer = setTimeout(fire, timerDelay(due - performance.now()));
    if (options.keepAlive !== true) timer.unref();
  };
  const fire = (): void => {
    if (cleared) return;
    if (due - performance.now() > 0) schedule();
    else fn();
  };
  // Even a zero delay runs later, never inside the caller (as with setTimeout).
  schedule();
  return {
    clear: () => {
      if (cleared) return;
      cleared = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs `fn` once `now()` reaches `deadline` (epoch ms on the caller's clock, e.g. a token's
 * `expiresAt`). The timer runs on the monotonic clock, so on firing it asks `now()` again and
 * re-arms if the deadline has not come yet on the caller's clock (at least `minStepMs` later).
 */
export function setDeadlineTimer(
  deadline: number,
  now: () => number,
  fn: () => void,
  minStepMs = 10,
): LongTimeout {
  let current: LongTimeout | null = null;
  let cleared = false;
  const arm = (): void => {
    const left = deadline - now();
    if (left <= 0) {
      fn();
      return;
    }
    current = setLongTimeout(
      () => {
        if (!cleared) arm();
      },
      Math.max(minStepMs, left),
    );
  };
  arm();
  return {
    clear: () => {
      cleared = true;
      current?.clear();
    },
  };
}
