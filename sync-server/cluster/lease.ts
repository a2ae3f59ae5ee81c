import { escapeIdentifier, type Pool, type PoolClient } from 'pg';
import type { Logger } from 'pino';

/*
 * Leases for the background jobs of the scale-out mode: each job runs on exactly one instance
 * at a time, and moves to another within `ttlMs + renewMs` of its holder dying.
 *
 * A lease is a row (`leases`): holder, expiry and a fencing token. One statement acquires or
 * renews it, judged by PostgreSQL's clock (`now()`), so instance clocks never matter. The token
 * grows whenever the lease changes hands or lapsed, and a holder's writes check it (`fence`)
 * inside their own transaction, holding the lease row FOR SHARE until they commit: a new holder's
 * acquire waits for that commit, and a former holder that was paused (GC, SIGSTOP, a slow
 * network) and wakes up after its lease moved finds a different token and writes nothing.
 *
 * A holder that cannot renew (PostgreSQL unreachable, lease taken) stops its job at once; it
 * keeps trying and starts the job again when it holds the lease again.
 */

/** A job under a lease: `start` runs it and resolves to its stop function. */
export interface LeasedJob {
  readonly name: string;
  start(lease: HeldLease): Promise<() => Promise<void> | void>;
}

/** The lease a job runs under, for its fenced writes. */
export interface HeldLease {
  readonly name: string;
  readonly token: number;
  /**
   * Inside a transaction on `client`: rejects with `LeaseLostError` unless this lease is still
   * held with this token, and holds the lease row until that transaction ends.
   */
  fence(client: PoolClient): Promise<void>;
}

export class LeaseLostError extends Error {
  constructor(name: string, token: number) {
    super(`Lease "${name}" (token ${token}) is no longer held by this instance; write refused.`);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseOptions {
  readonly pool: Pool;
  readonly schema: string;
  readonly instanceId: string;
  /** A lease not renewed for this long is free (default 6000 ms). */
  readonly ttlMs?: number;
  /** Between renewals and between acquisition attempts (default 2000 ms). */
  readonly renewMs?: number;
  readonly log: Logger;
  /** Acquired (true) or lost (false), for metrics and tests. */
  readonly changed?: (job: string, held: boolean, token: number) => void;
}

interface Running {
  token: number;
  stop: (() => Promise<void> | void) | null;
}

/** Runs `jobs`, each under its own lease, until `stop()`. */
export class LeaseRunner {
  readonly #sql;
  readonly #running = new Map<string, Running>();
  readonly #ttlMs: number;
  readonly #renewMs: number;
  #timer: NodeJS.Timeout | null = null;
  #round: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly opts: LeaseOptions,
    private readonly jobs: readonly LeasedJob[],
  ) {
    const leases = `${escapeIdentifier(opts.schema)}.leases`;
    this.#ttlMs = opts.ttlMs ?? 6000;
    this.#renewMs = opts.renewMs ?? 2000;
    this.#sql = {
      // Acquire (free or lapsed: token + 1) or renew (ours and live: same token); no row = held
      // by someone else.
      claim: `
        INSERT INTO ${leases} AS l (name, holder, token, expires_at)
        VALUES ($1, $2, 1, now() + $3::bigint * interval '1 millisecond')
        ON CONFLICT (name) DO UPDATE SET
          holder = excluded.holder,
          token = CASE WHEN l.holder = excluded.holder AND l.expires_at > now()
                       THEN l.token ELSE l.token + 1 END,
          expires_at = excluded.expires_at
        WHERE l.holder = excluded.holder OR l.expires_at <= now()
        RETURNING token`,
      release: `UPDATE ${leases} SET expires_at = now() WHERE name = $1 AND holder = $2 AND token = $3`,
      fence: `SELECT 1 FROM ${leases}
               WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > now() FOR SHARE`,
    };
  }

  /** Resolves once the first round of claims (and the jobs it won) has started. */
  start(): Promise<void> {
    const tick = (): void => {
      this.#round = this.#round.then(() => this.#claimAll());
    };
    tick();
    this.#timer = setInterval(tick, this.#renewMs);
    this.#timer.unref();
    return this.#round;
  }

  /** Which jobs this instance runs now, with their tokens (tests, /metrics). */
  held(): Record<string, number> {
    return Object.fromEntries([...this.#running].map(([name, r]) => [name, r.token]));
  }

  /** Stops every job, then frees their leases so another instance takes them at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#round;
    for (const [name, r] of [...this.#running]) {
      await this.#stopJob(name);
      await this.opts.pool
        .query(this.#sql.release, [name, this.opts.instanceId, r.token])
        .catch(() => undefined);
    }
  }

  async #claimAll(): Promise<void> {
    for (const job of this.jobs) {
      if (this.#stopped) return;
      let token: number | null;
      try {
        const { rows } = await this.opts.pool.query<{ token: string }>(this.#sql.claim, [
          job.name,
          this.opts.instanceId,
          this.#ttlMs,
        ]);
        token = rows[0] ? Number(rows[0].token) : null;
      } catch (error) {
        // Cannot tell whether we still hold it: act as if not (another may take it after ttl).
        this.opts.log.warn({ job: job.name, err: error }, 'lease renewal failed');
        token = null;
      }
      const running = this.#running.get(job.name);
      if (running && running.token !== token) await this.#stopJob(job.name);
      if (token !== null && !this.#running.has(job.name)) await this.#startJob(job, token);
    }
  }

  async #startJob(job: LeasedJob, token: number): Promise<void> {
    const entry: Running = { token, stop: null };
    this.#running.set(job.name, entry);
    const lease: HeldLease = {
      name: job.name,
      token,
      fence: async (client) => {
        const { rowCount } = await client.query(this.#sql.fence, [
          job.name,
          this.opts.instanceId,
          token,
        ]);
        if (rowCount === 0) throw new LeaseLostError(job.name, token);
      },
    };
    try {
      entry.stop = await job.start(lease);
      this.opts.log.info({ job: job.name, fence: token }, 'lease acquired; job started');
      this.opts.changed?.(job.name, true, token);
    } catch (error) {
      // Leave it unheld here; the next round tries again (the lease lapses if we stop renewing).
      this.#running.delete(job.name);
      this.opts.log.error({ job: job.name, err: error }, 'job failed to start under its lease');
    }
  }

  async #stopJob(name: string): Promise<void> {
    const entry = this.#running.get(name);
    this.#running.delete(name);
    if (!entry) return;
    try {
      await entry.stop?.();
    } catch (error) {
      this.opts.log.error({ job: name, err: error }, 'job failed to stop');
    }
    this.opts.log.info({ job: name, fence: entry.token }, 'lease released or lost; job stopped');
    this.opts.changed?.(name, false, entry.token);
  }
}
