/** Timers for delays from outside (token expiry, configuration, user input): no 32-bit overflow. */
export {
  MAX_TIMER_DELAY_MS,
  setDeadlineTimer,
  setLongTimeout,
  timerDelay,
  type LongTimeout,
} from './long-timeout';
export { PeriodicPasses, type PeriodicPassEvents } from './periodic-passes';
