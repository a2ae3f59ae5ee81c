import type { WritableDb } from './db-handles';
import { keyingOf, keyPragmas } from './replica-cipher';
import { SEARCH_SCHEMA, searchIndexPathFor } from './search-schema';
import { siblingModule } from '../threads';
import { coreSqliteModule, SqliteThread } from './sqlite-thread';

const searchAttached = (db: WritableDb): boolean =>
  (db.pragma('database_list') as { name: string }[]).some((d) => d.name === SEARCH_SCHEMA);

/**
 * A bulk SQL job: statements run once, then ranged statements over rowid
 * windows of `rangeRows` (one commit per window), then the closing statements.
 * Plain data, so it crosses the thread boundary as is.
 */
export interface BulkSqlJob {
  readonly before: readonly string[];
  /** SQL statements with two parameters each: (rowid after, rowid up to). */
  readonly ranged: readonly string[];
  readonly maxRowid: number;
  readonly rangeRows: number;
  readonly after: readonly string[];
}

/** What the replica worker's thread (replica-worker.thread.ts) is started with. */
export interface ReplicaWorkerData {
  readonly path: string;
  /** The profile key's pragmas (replica-cipher.ts): the attached search file takes it too. */
  readonly keyPragmas: readonly string[];
  readonly searchPath: string | null;
  readonly checkpointEveryMs: number;
  /** The SQLite build the core resolved, so both sides open the files with the same one. */
  readonly sqlitePath: string;
}

/** Runs a bulk job somewhere; resolves when it committed, rejects with its error. */
export type BulkSqlRunner = (job: BulkSqlJob) => Promise<void>;

/** The fallback runner: the job on the given connection, on this thread (tests, tools). */
export function runBulkSqlHere(db: WritableDb): BulkSqlRunner {
  return (job) => {
    for (const sql of job.before) db.exec(sql);
    const ranged = job.ranged.map((sql) => db.prepare<[number, number]>(sql));
    db.transaction(() => {
      for (let from = 0; from < job.maxRowid; from += job.rangeRows)
        for (const statement of ranged) statement.run(from, from + job.rangeRows);
    })();
    for (const sql of job.after) db.exec(sql);
    return Promise.resolve();
  };
}

/**
 * The replica's helper thread, on its own connection to the same file:
 *
 * - WAL checkpoints. SQLite otherwise checkpoints inside whichever commit
 *   crosses 1000 WAL pages, and that commit waits for the copy into the main
 *   file; during an initial sync that was the core's longest pause (and it
 *   halved ingest throughput). The core's connection turns automatic
 *   checkpoints off while this thread runs them (PASSIVE: never blocks a writer).
 * - Bulk jobs (the post-snapshot build of the lookup indexes), so the core's
 *   event loop keeps answering the UI while a million rows are indexed. While a
 *   job commits, a write on the core's connection waits (busy_timeout) for it.
 *   (The full-text index has its own file and thread: search-builder.ts.)
 *
 * If the thread dies, pending jobs reject and the core's connection gets its
 * automatic checkpoints back, so the WAL never grows without bound.
 */
export class ReplicaWorker {
  readonly #thread: SqliteThread;

  private constructor(
    private readonly db: WritableDb,
    checkpointEveryMs: number,
    sqliteModule: string,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    this.#thread = new SqliteThread(
      'replica worker',
      siblingModule(import.meta.url, 'replica-worker.thread'),
      {
        path: db.name,
        keyPragmas: keyPragmas(keyingOf(db)),
        searchPath: searchAttached(db) ? searchIndexPathFor(db.name) : null,
        checkpointEveryMs,
        sqlitePath: sqliteModule,
      } satisfies ReplicaWorkerData,
      // The core's connection checkpoints itself again, so the WAL never grows without bound.
      () => {
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      },
    );
  }

  /** Starts the worker for a file-backed replica (an in-memory one has nothing to share). */
  static start(
    db: WritableDb,
    checkpointEveryMs = 1000,
    sqliteModule = coreSqliteModule(),
  ): ReplicaWorker | null {
    return db.memory ? null : new ReplicaWorker(db, checkpointEveryMs, sqliteModule);
  }

  /**
   * Runs a job on the worker, or on the caller's connection if the thread is gone
   * (jobs are idempotent, so a half-run one is redone).
   */
  readonly runBulk: BulkSqlRunner = (job) =>
    this.#thread.withFallback(
      this.db,
      () => this.#thread.request('bulk', { job }),
      () => runBulkSqlHere(this.db)(job),
    );

  /** Final checkpoint, then the thread exits; the core's connection checkpoints itself again. */
  stop(): Promise<void> {
    return this.#thread.stop();
  }
}
