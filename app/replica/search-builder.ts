import type { WritableDb } from './db-handles';
import { keyingOf, keyPragmas } from './replica-cipher';
import { buildSearchHere, searchIndexPathFor, type SearchBuildRunner } from './search-index';
import { CLEAR_SEARCH_SQL, INDEX_RANGE_SQL } from './search-schema';
import { siblingModule } from '../threads';
import type { SearchBuilderData } from './search-builder.thread';
import { coreSqliteModule, SqliteThread } from './sqlite-thread';

/** Rows per index commit: FTS5 writes a segment per commit, so fewer, larger ones build faster. */
const WINDOW_ROWS = 50_000;
/** While following a load, wait for this many new rows (or a pause in the load) before a commit. */
const FOLLOW_MIN_ROWS = 10_000;
const IDLE_POLL_MS = 25;

/**
 * The search index's builder thread, on its own connection (records read from
 * the replica file, the index written to the search file). During a first
 * snapshot it indexes committed pages while the feed goes on writing, so the
 * two run on both CPU cores and only the last window is left at the end.
 *
 * If the thread dies or cannot start, `complete` runs the rest of the build on
 * the caller's connection instead: the index must be finished, even at the cost
 * of a pause. The build state lives in the search file, so that is safe.
 */
export class SearchBuilder implements SearchBuildRunner {
  readonly #thread: SqliteThread;

  private constructor(
    private readonly db: WritableDb,
    sqliteModule: string,
  ) {
    this.#thread = new SqliteThread(
      'search builder',
      siblingModule(import.meta.url, 'search-builder.thread'),
      {
        sqlitePath: sqliteModule,
        replicaPath: db.name,
        keyPragmas: keyPragmas(keyingOf(db)),
        searchPath: searchIndexPathFor(db.name),
        rangeSql: INDEX_RANGE_SQL,
        clearSql: CLEAR_SEARCH_SQL,
        windowRows: WINDOW_ROWS,
        followMinRows: FOLLOW_MIN_ROWS,
        idlePollMs: IDLE_POLL_MS,
      } satisfies SearchBuilderData,
    );
  }

  /** Starts the builder for a file-backed replica (an in-memory one is built in place). */
  static start(db: WritableDb, sqliteModule = coreSqliteModule()): SearchBuilder | null {
    return db.memory ? null : new SearchBuilder(db, sqliteModule);
  }

  complete(maxRowid: number): Promise<void> {
    return this.#thread.withFallback(
      this.db,
      () => this.#thread.request('complete', { maxRowid }),
      () => buildSearchHere(this.db).complete(maxRowid),
    );
  }

  stop(): Promise<void> {
    return this.#thread.stop();
  }
}
