import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * How much work one instance admits at once. Interactive requests (an agent's
 * single command, a status lookup) have their own budget and never wait
 * behind bulk catch-up (command batches, snapshot pages), which runs a few at
 * a time from a bounded FIFO queue; beyond the queue the server sheds with
 * 503 + Retry-After instead of queueing without bound.
 */
export interface AdmissionLimits {
  /** Bulk requests running at once on this instance (each holds the writer one chunk at a time). */
  readonly bulkInFlight: number;
  /** Bulk requests waiting for a slot; more → 503. */
  readonly bulkQueue: number;
  /** A queued bulk request that waited this long is shed (503) rather than served stale. */
  readonly bulkQueueTimeoutMs: number;
  /** Bulk requests one user may have running or queued; more → 429. */
  readonly perUserBulk: number;
  /** Interactive requests running at once on this instance; more → 503. */
  readonly interactiveInFlight: number;
  /** Interactive requests one user may have running; more → 429. */
  readonly perUserInteractive: number;
  /** Long polls of the change feed one user may hold open; more → 429. */
  readonly perUserFeed: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = {
  // 2 cores here: two bulk writers keep the SQLite writer busy without starving the loop.
  bulkInFlight: 2,
  // 50 desks × 2 pipelined batches fit without shedding; a bigger storm sheds.
  bulkQueue: 128,
  bulkQueueTimeoutMs: 10_000,
  perUserBulk: 3,
  interactiveInFlight: 64,
  perUserInteractive: 8,
  perUserFeed: 4,
};

export type RequestClass = 'interactive' | 'bulk' | 'feed';

/** Why a request was not admitted: the HTTP answer to give (with Retry-After, in seconds). */
export interface Shed {
  readonly status: 429 | 503;
  readonly code: 'ADMISSION.USER_LIMIT' | 'ADMISSION.BUSY';
  readonly message: string;
  readonly retryAfterS: number;
}

export type Admitted<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly shed: Shed };

interface Waiter {
  readonly user: string;
  readonly start: () => void;
  readonly timer: NodeJS.Timeout;
}

function admissionMetrics(registry: Registry) {
  const registers = [registry];
  return {
    queueDepth: new Gauge({
      name: 'fleetdesk_admission_queue_depth',
      help: 'Bulk requests (command batches, snapshot pages) waiting for a slot',
      registers,
    }),
    inFlight: new Gauge({
      name: 'fleetdesk_admission_in_flight',
      help: 'Admitted requests running, by class (interactive, bulk, feed)',
      labelNames: ['class'] as const,
      registers,
    }),
    shed: new Counter({
      name: 'fleetdesk_admission_shed_total',
      help: 'Requests answered 429/503 by admission control, by class and code',
      labelNames: ['class', 'code'] as const,
      registers,
    }),
    wait: new Histogram({
      name: 'fleetdesk_admission_wait_seconds',
      help: 'Time a bulk request waited in the admission queue',
      buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    catchupCommands: new Counter({
      name: 'fleetdesk_catchup_commands_total',
      help: 'Commands applied through the batch endpoint (rate() = catch-up throughput)',
      registers,
    }),
  };
}

/** Admission control for one server instance (see AdmissionLimits). Single-threaded, no locks. */
export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #metrics;
  readonly #running: Record<RequestClass, number> = { interactive: 0, bulk: 0, feed: 0 };
  readonly #perUser = new Map<string, number>();
  readonly #queue: Waiter[] = [];
  /** Bulk requests running, per user. */
  readonly #bulkUsers = new Map<string, number>();
  /** Bulk requests started per user while it had work here (for the fair pick). */
  readonly #served = new Map<string, number>();

  constructor(limits: AdmissionLimits, registry: Registry) {
    this.#limits = limits;
    this.#metrics = admissionMetrics(registry);
  }

  /** Counts commands applied in batches (catch-up throughput). */
  catchupApplied(n: number): void {
    this.#metrics.catchupCommands.inc(n);
  }

  queueDepth(): number {
    return this.#queue.length;
  }

  /**
   * Runs `work` once admitted, or answers why not. Bulk work waits FIFO for one
   * of `bulkInFlight` slots; interactive and feed work runs at once within
   * their caps. Slots are released however `work` ends (its error is rethrown).
   */
  async run<T>(cls: RequestClass, user: string, work: () => Promise<T>): Promise<Admitted<T>> {
    const userKey = `${cls}\u0000${user}`;
    const mine = this.#perUser.get(userKey) ?? 0;
    const userCap =
      cls === 'bulk'
        ? this.#limits.perUserBulk
        : cls === 'feed'
          ? this.#limits.perUserFeed
          : this.#limits.perUserInteractive;
    if (mine >= userCap)
      return this.shed(cls, {
        status: 429,
        code: 'ADMISSION.USER_LIMIT',
        message: `You already have ${mine} such requests in progress; wait for them to finish.`,
        retryAfterS: 1,
      });
    if (cls === 'interactive' && this.#running.interactive >= this.#limits.interactiveInFlight)
      return this.shed(cls, busy(1));
    if (cls === 'bulk' && this.#running.bulk >= this.#limits.bulkInFlight) {
      if (this.#queue.length >= this.#limits.bulkQueue)
        return this.shed(cls, busy(this.estimateWaitS()));
      this.#perUser.set(userKey, mine + 1);
      const queued = await this.waitForSlot(user);
      if (!queued) {
        this.release(userKey, null);
        return this.shed(cls, busy(this.estimateWaitS()));
      }
    } else {
      this.#perUser.set(userKey, mine + 1);
      this.#running[cls] += 1;
      if (cls === 'bulk') {
        this.#bulkUsers.set(user, (this.#bulkUsers.get(user) ?? 0) + 1);
        this.countServed(user);
      }
    }
    this.#metrics.inFlight.set({ class: cls }, this.#running[cls]);
    try {
      return { ok: true, value: await work() };
    } finally {
      if (cls === 'bulk') {
        const left = (this.#bulkUsers.get(user) ?? 1) - 1;
        if (left <= 0) this.#bulkUsers.delete(user);
        else this.#bulkUsers.set(user, left);
      }
      this.release(userKey, cls);
      if (cls === 'bulk') this.forgetIdle(user);
    }
  }

  /** Resolves true once a bulk slot is ours (counted as running), false on queue timeout. */
  private waitForSlot(user: string): Promise<boolean> {
    const started = performance.now();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        user,
        start: () => {
          clearTimeout(waiter.timer);
          this.#metrics.wait.observe((performance.now() - started) / 1000);
          resolve(true);
        },
        // Only fires while still queued: a handoff clears it in the same turn it dequeues.
        timer: setTimeout(() => {
          const at = this.#queue.indexOf(waiter);
          if (at < 0) return;
          this.#queue.splice(at, 1);
          this.#metrics.queueDepth.set(this.#queue.length);
          resolve(false);
        }, this.#limits.bulkQueueTimeoutMs),
      };
      this.#queue.push(waiter);
      this.#metrics.queueDepth.set(this.#queue.length);
    });
  }

  private release(userKey: string, cls: RequestClass | null): void {
    const left = (this.#perUser.get(userKey) ?? 1) - 1;
    if (left <= 0) this.#perUser.delete(userKey);
    else this.#perUser.set(userKey, left);
    if (cls === null) return;
    this.#running[cls] -= 1;
    if (cls === 'bulk') {
      const next = this.nextWaiter();
      if (next) {
        this.#running.bulk += 1;
        this.#bulkUsers.set(next.user, (this.#bulkUsers.get(next.user) ?? 0) + 1);
        this.countServed(next.user);
        // The slot is the waiter's from now: its queue timeout must not shed it (and leak the slot).
        clearTimeout(next.timer);
        // On the next turn of the event loop: handing slots on inside one microtask
        // chain would keep sockets (readiness, interactive requests) unread.
        setImmediate(next.start);
      }
      this.#metrics.queueDepth.set(this.#queue.length);
    }
    this.#metrics.inFlight.set({ class: cls }, this.#running[cls]);
  }

  /**
   * The oldest waiter among the users served least so far (round robin by
   * user): a desk with a long backlog cannot keep the slots while other desks
   * still wait for their first batch.
   */
  private nextWaiter(): Waiter | undefined {
    let at = -1;
    let least = Infinity;
    this.#queue.forEach((w, i) => {
      const served = this.#served.get(w.user) ?? 0;
      if (served < least) {
        least = served;
        at = i;
      }
    });
    return at < 0 ? undefined : this.#queue.splice(at, 1)[0];
  }

  private countServed(user: string): void {
    this.#served.set(user, (this.#served.get(user) ?? 0) + 1);
  }

  /** Forgets a user's share once it has nothing running or queued, so the map stays small. */
  private forgetIdle(user: string): void {
    if (!this.#bulkUsers.has(user) && !this.#queue.some((w) => w.user === user))
      this.#served.delete(user);
  }

  /** Seconds until a newcomer would likely get a slot: one second per `bulkInFlight` queued, at least 1. */
  private estimateWaitS(): number {
    return Math.max(1, Math.ceil(this.#queue.length / (this.#limits.bulkInFlight * 8)));
  }

  private shed<T>(cls: RequestClass, shed: Shed): Admitted<T> {
    this.#metrics.shed.inc({ class: cls, code: shed.code });
    return { ok: false, shed };
  }
}

const busy = (retryAfterS: number): Shed => ({
  status: 503,
  code: 'ADMISSION.BUSY',
  message: 'The server is catching up with many desks; this will be retried automatically.',
  retryAfterS,
});
