import { fullJitterDelay, WakeableSleep, type ServerClient } from '../net';
import {
  RecordWriter,
  writeInTimeSlices,
  resumeSearchIndexing,
  searchIndexingActive,
  suspendSearchIndexing,
  type ReplicaRecord,
  type WritableDb,
  type BulkSqlRunner,
  type SearchBuildRunner,
  SLICE_BUDGET_MS,
} from '../replica';

export type FeedPhase = 'snapshot' | 'live';

export interface FeedProgress {
  readonly phase: FeedPhase;
  /** Records ingested so far in the current snapshot (or in total while live). */
  readonly received: number;
  readonly since: number;
}

export interface FeedEvents {
  progress?(p: FeedProgress): void;
  /** 'online' after a successful request; 'offline' when the server cannot be reached; 'unauthorized' on 401/403. */
  connection?(state: 'online' | 'offline' | 'unauthorized', at: number): void;
  /** Every batch written to the replica, after its transaction committed (for outbox reconciliation, UI). */
  applied?(records: readonly ReplicaRecord[]): void;
}

export interface FeedOptions {
  readonly pageSize: number;
  /** Longest synchronous slice of page writing before yielding to the event loop. */
  readonly sliceBudgetMs: number;
  readonly waitMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Where the post-snapshot lookup-index build runs (the core's ReplicaWorker); default: this thread. */
  readonly bulkSql?: BulkSqlRunner;
  /** Where the full-text index is built (the core's SearchBuilder, which follows a first snapshot); default: this thread. */
  readonly searchBuilder?: SearchBuildRunner;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = {
  pageSize: 5000,
  sliceBudgetMs: SLICE_BUDGET_MS,
  waitMs: 20_000,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
};

/** Thrown inside a write slice when the consumer was stopped mid-page. */
class FeedStopped extends Error {}

interface StateRow {
  phase: FeedPhase;
  up_to: number | null;
  cursor: string | null;
  since: number;
  received: number;
}

interface SnapshotPage {
  upTo: number;
  records: ReplicaRecord[];
  nextCursor: string | null;
}

/**
 * Keeps the replica in step with the server's change feed: a paged snapshot
 * consistent with one feed position, then long-polled changes after it. The
 * position is committed in the same transaction as each page, so a restart
 * resumes exactly where it stopped (no gap, and duplicates are no-ops because
 * writes are idempotent by version). Local pending commands never block it.
 */
export class FeedConsumer {
  readonly #writer: RecordWriter;
  readonly #saveState;
  readonly #loadState;
  #running = false;
  #failures = 0;
  /** The first poll of a run does not wait: a fresh start (a sign-in) is confirmed at once. */
  #caughtUp = false;
  #retryAfterMs = 0;
  readonly #idle = new WakeableSleep();

  constructor(
    private readonly db: WritableDb,
    private readonly server: ServerClient,
    private readonly events: FeedEvents = {},
    private readonly options: FeedOptions = DEFAULT_FEED_OPTIONS,
  ) {
    this.#writer = new RecordWriter(db);
    this.#loadState = db.prepare<[], StateRow>(
      'SELECT phase, up_to, cursor, since, received FROM feed_state WHERE singleton = 1',
    );
    this.#saveState = db.prepare<[FeedPhase, number | null, string | null, number, number, number]>(
      `INSERT INTO feed_state (singleton, phase, up_to, cursor, since, received, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET phase = excluded.phase, up_to = excluded.up_to, cursor = excluded.cursor,
         since = excluded.since, received = excluded.received, updated_at = excluded.updated_at`,
    );
  }

  state(): FeedProgress {
    const s = this.#loadState.get();
    return { phase: s?.phase ?? 'snapshot', received: s?.received ?? 0, since: s?.since ?? 0 };
  }

  /** Runs until stop(); never throws (failures become 'offline' and a backoff). */
  async run(): Promise<void> {
    this.#running = true;
    this.#caughtUp = false;
    while (this.isRunning()) {
      const ok = await this.step().catch((error: unknown) => {
        if (error instanceof FeedStopped) return false;
        // A local failure (disk full, a busy database, a bug) must not end the feed for
        // good: report it and retry with the same backoff as a network failure.
        console.error('feed step failed; retrying', error);
        return false;
      });
      if (!this.isRunning()) break;
      if (ok) this.#failures = 0;
      else {
        const backoff = fullJitterDelay(
          (this.#failures += 1),
          this.options.baseDelayMs,
          this.options.maxDelayMs,
        );
        // Shed by admission control: at least Retry-After, plus jitter so shed desks spread out.
        const shed = this.#retryAfterMs * (1 + Math.random());
        this.#retryAfterMs = 0;
        await this.#idle.sleep(Math.max(backoff, shed));
      }
    }
  }

  // A method, not a field read: stop() flips the flag while run() awaits.
  isRunning(): boolean {
    return this.#running;
  }

  stop(): void {
    this.#running = false;
    this.#idle.wake();
  }

  /** Retry now (e.g. the network came back or the token was refreshed). */
  nudge(): void {
    this.#idle.wake();
  }

  /** One request: a snapshot page or a long poll. Returns false when it should back off. */
  async step(): Promise<boolean> {
    const s = this.#loadState.get() ?? {
      phase: 'snapshot',
      up_to: null,
      cursor: null,
      since: 0,
      received: 0,
    };
    // A crash during the post-snapshot index rebuild leaves the feed live without
    // search triggers: finish the rebuild before following changes.
    if (s.phase === 'live' && !searchIndexingActive(this.db))
      await resumeSearchIndexing(this.db, this.options);
    return s.phase === 'snapshot' ? this.snapshotPage(s) : this.changes(s);
  }

  private async snapshotPage(s: StateRow): Promise<boolean> {
    const q = new URLSearchParams({ limit: String(this.options.pageSize) });
    if (s.cursor !== null) q.set('after', s.cursor);
    if (s.up_to !== null) q.set('upTo', String(s.up_to));
    const reply = await this.server.request<SnapshotPage>(
      'GET',
      `/api/feed/snapshot?${q.toString()}`,
    );
    if (!this.answered(reply.status, reply.body)) return false;
    const page = reply.body;
    const received = s.received + page.records.length;
    const done = page.nextCursor === null;
    // Bulk load: no per-row search indexing during the snapshot; one rebuild at the end.
    if (searchIndexingActive(this.db)) suspendSearchIndexing(this.db);
    await this.applyChunked(page.records, () => {
      this.#saveState.run(
        done ? 'live' : 'snapshot',
        page.upTo,
        page.nextCursor,
        done ? page.upTo : 0,
        received,
        Date.now(),
      );
    });
    if (done) await resumeSearchIndexing(this.db, this.options);
    this.events.applied?.(page.records);
    this.events.progress?.({
      phase: done ? 'live' : 'snapshot',
      received,
      since: done ? page.upTo : 0,
    });
    return true;
  }

  private async changes(s: StateRow): Promise<boolean> {
    const q = new URLSearchParams({
      since: String(s.since),
      limit: String(this.options.pageSize),
      waitMs: String(this.#caughtUp ? this.options.waitMs : 0),
    });
    const reply = await this.server.request<{
      changes: ReplicaRecord[];
      nextSince: number;
      code?: string;
    }>('GET', `/api/feed/changes?${q.toString()}`, undefined, this.options.waitMs);
    if (reply.status === 410) {
      // Too far behind for the server's retained feed: take a fresh snapshot.
      this.#saveState.run('snapshot', null, null, 0, 0, Date.now());
      return true;
    }
    if (!this.answered(reply.status, reply.body)) return false;
    const { changes, nextSince } = reply.body;
    this.#caughtUp = true;
    const received = s.received + changes.length;
    await this.applyChunked(changes, () => {
      this.#saveState.run('live', s.up_to, null, nextSince, received, Date.now());
    });
    if (changes.length > 0) this.events.applied?.(changes);
    this.events.progress?.({ phase: 'live', received, since: nextSince });
    return true;
  }

  /**
   * Writes a page in time-boxed transactions with a yield between them, so the
   * core keeps answering the UI while a big page is ingested. The feed position
   * is saved with the last slice only: after a crash mid-page the page is
   * fetched again and re-applied, which is harmless because writes are
   * idempotent by version.
   */
  private async applyChunked(
    records: readonly ReplicaRecord[],
    savePosition: () => void,
  ): Promise<void> {
    // Replicated records can always be fetched again, so their commits skip the
    // fsync (WAL keeps the file consistent); the connection goes back to FULL for
    // the operator's own writes (outbox, notes) before anything else runs.
    const relaxed = (commit: () => void): void => {
      this.db.pragma('synchronous = NORMAL');
      try {
        commit();
      } finally {
        this.db.pragma('synchronous = FULL');
      }
    };
    const writer = this.#writer;
    await writeInTimeSlices(
      this.db,
      records.length,
      (i) => {
        // Stopped (signed out, superseded by a newer run): write nothing more; the slice's
        // transaction rolls back and the position stays where the last full page left it.
        if (!this.isRunning()) throw new FeedStopped();
        const r = records[i];
        if (r) writer.apply(r);
      },
      { last: savePosition, budgetMs: this.options.sliceBudgetMs, around: relaxed },
    );
  }

  private answered(status: number, body: unknown): boolean {
    const now = Date.now();
    // The body may be null or text (a proxy's page) despite its declared type.
    const retryAfterS = (body as { retryAfterS?: unknown } | null)?.retryAfterS;
    if ((status === 429 || status === 503) && typeof retryAfterS === 'number' && retryAfterS > 0)
      this.#retryAfterMs = Math.min(retryAfterS, 60) * 1000;
    if (status === 200) {
      this.events.connection?.('online', now);
      return true;
    }
    this.events.connection?.(status === 401 || status === 403 ? 'unauthorized' : 'offline', now);
    return false;
  }
}
