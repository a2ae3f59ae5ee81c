import type { ReadableDb, WritableDb } from './db-handles';
import { runBulkSqlHere, type BulkSqlRunner } from './replica-worker';
import {
  CLEAR_SEARCH_SQL,
  DROP_SEARCH_TRIGGERS_SQL,
  INDEX_RANGE_SQL,
  LOOKUP_INDEXES,
  SEARCH_FORMAT,
  SEARCH_SCHEMA,
  SEARCH_STATE_SQL,
  SEARCH_TABLE_SQL,
  SEARCH_TRIGGERS_SQL,
  SEARCH_TUNING_SQL,
  searchIndexPathFor,
} from './search-schema';

export { searchIndexPathFor };

/**
 * Lifecycle of the replica's search index (the SQL is in search-schema.ts):
 *
 * - live: the core's triggers index every record write in the same transaction.
 * - building: a bulk load (the initial snapshot) turned the triggers and the
 *   lookup indexes off; a SearchBuildRunner indexes the records, then
 *   `resumeSearchIndexing` turns everything back on. During a first snapshot
 *   the search builder thread indexes pages as they commit, so at the end only
 *   the last pages remain.
 *
 * The index is in its own file, so one commit touching records and the index is
 * atomic per file, not across both: a crash between the two commits could
 * leave the index a write behind. Both files count trigger writes; if the counts
 * differ on open, the index is rebuilt from `records`.
 */

interface SearchState {
  format: number;
  mode: 'live' | 'building';
  gen: number;
}

const recordsEmpty = (db: ReadableDb): boolean =>
  db.prepare('SELECT 1 FROM main.records LIMIT 1').get() === undefined;

/**
 * Attaches the search file to the writable connection, creating it when
 * missing, and decides whether the index can be trusted: a missing file, an
 * older format or a torn commit (see above) put it in 'building', so the feed
 * rebuilds it before following changes. Installs the triggers when live.
 */
export function attachSearchIndex(db: WritableDb): void {
  const path = db.memory ? ':memory:' : searchIndexPathFor(db.name);
  db.prepare(`ATTACH DATABASE ? AS ${SEARCH_SCHEMA}`).run(path);
  db.pragma(`${SEARCH_SCHEMA}.journal_mode = WAL`);
  // Derived data: a lost tail after a power cut is detected and rebuilt, never worth an fsync.
  db.pragma(`${SEARCH_SCHEMA}.synchronous = NORMAL`);
  db.transaction(() => {
    db.exec(SEARCH_STATE_SQL);
    const state = db
      .prepare<[], SearchState>(`SELECT format, mode, gen FROM ${SEARCH_SCHEMA}.search_state`)
      .get();
    const mainGen = (db.prepare('SELECT gen FROM main.search_sync').get() as { gen: number }).gen;
    if (state === undefined) {
      db.exec(SEARCH_TABLE_SQL);
      db.exec(SEARCH_TUNING_SQL);
      // A new profile has nothing to index; an existing replica (new file, or one
      // upgraded by migration 7) is indexed by the feed before it follows changes.
      db.prepare(
        `INSERT INTO ${SEARCH_SCHEMA}.search_state (singleton, format, mode, gen) VALUES (1, ?, ?, ?)`,
      ).run(SEARCH_FORMAT, recordsEmpty(db) ? 'live' : 'building', mainGen);
    } else if (state.format !== SEARCH_FORMAT) {
      db.exec(`DROP TABLE IF EXISTS ${SEARCH_SCHEMA}.search`);
      db.exec(SEARCH_TABLE_SQL);
      db.exec(SEARCH_TUNING_SQL);
      markForRebuild(db, { needsClear: false });
      db.prepare(`UPDATE ${SEARCH_SCHEMA}.search_state SET format = ?`).run(SEARCH_FORMAT);
    } else {
      db.exec(SEARCH_TABLE_SQL);
      if (state.mode === 'live' && state.gen !== mainGen) markForRebuild(db, { needsClear: true });
    }
  })();
  if (searchIndexingActive(db)) db.exec(SEARCH_TRIGGERS_SQL);
}

/** Attaches the search file read-only (the search connection); the writer created it. */
export function attachSearchIndexReadOnly(db: ReadableDb): void {
  db.prepare(`ATTACH DATABASE ? AS ${SEARCH_SCHEMA}`).run(searchIndexPathFor(db.name));
}

function markForRebuild(db: WritableDb, { needsClear }: { needsClear: boolean }): void {
  db.prepare(
    `UPDATE ${SEARCH_SCHEMA}.search_state
       SET mode = 'building', followable = 0, indexed_through = 0, needs_clear = ?`,
  ).run(needsClear ? 1 : 0);
}

export function searchIndexingActive(db: ReadableDb): boolean {
  const row = db.prepare(`SELECT mode FROM ${SEARCH_SCHEMA}.search_state`).get() as
    { mode: string } | undefined;
  return row?.mode === 'live';
}

/**
 * Starts a bulk load: per-row index maintenance and the lookup indexes go off
 * (both cost far more row by row than built once). If `records` is empty every
 * loaded row is new, so the builder may index rows as soon as they commit
 * ("followable"); otherwise rows change in place and are indexed at the end.
 * Idempotent; after a crash mid-load the state in the search file is resumed.
 */
export function suspendSearchIndexing(db: WritableDb): void {
  db.exec(DROP_SEARCH_TRIGGERS_SQL);
  db.exec(LOOKUP_INDEXES.map((i) => `DROP INDEX IF EXISTS main.${i.name};`).join('\n'));
  db.prepare(
    `UPDATE ${SEARCH_SCHEMA}.search_state
       SET mode = 'building', followable = ?, indexed_through = 0, needs_clear = 1`,
  ).run(recordsEmpty(db) ? 1 : 0);
}

/** Finishes the full-text part of a build: every record up to `maxRowid` indexed. */
export interface SearchBuildRunner {
  complete(maxRowid: number): Promise<void>;
}

/** The fallback: the whole remaining build on this connection, in one transaction (tests, tools). */
export function buildSearchHere(db: WritableDb): SearchBuildRunner {
  return {
    complete: (maxRowid) => {
      db.transaction(() => {
        const s = db
          .prepare(
            `SELECT indexed_through AS through, needs_clear AS needsClear FROM ${SEARCH_SCHEMA}.search_state`,
          )
          .get() as { through: number; needsClear: number };
        let through = s.through;
        if (s.needsClear) {
          for (const sql of CLEAR_SEARCH_SQL) db.exec(sql);
          through = 0;
        }
        if (maxRowid > through)
          for (const sql of INDEX_RANGE_SQL) db.prepare(sql).run(through, maxRowid);
      })();
      return Promise.resolve();
    },
  };
}

export interface SearchBuildRunners {
  /** Where the lookup indexes are built (the core's ReplicaWorker); default: this thread. */
  readonly bulkSql?: BulkSqlRunner | undefined;
  /** Where the full-text index is finished (the core's SearchBuilder); default: this thread. */
  readonly searchBuilder?: SearchBuildRunner | undefined;
}

/**
 * Ends a bulk load: builds the lookup indexes (main file) and finishes the
 * full-text index (search file) at the same time on their own threads, then
 * turns per-row maintenance back on. Only the feed consumer writes records, and
 * it awaits this, so no record changes in between; after a crash half-way the
 * feed runs it again.
 */
export async function resumeSearchIndexing(
  db: WritableDb,
  { bulkSql = runBulkSqlHere(db), searchBuilder = buildSearchHere(db) }: SearchBuildRunners = {},
): Promise<void> {
  const maxRowid = (
    db.prepare('SELECT COALESCE(MAX(rowid), 0) AS m FROM main.records').get() as { m: number }
  ).m;
  await Promise.all([
    bulkSql({
      before: LOOKUP_INDEXES.map(
        (i) => `CREATE INDEX IF NOT EXISTS main.${i.name} ON records ${i.on}`,
      ),
      ranged: [],
      maxRowid: 0,
      rangeRows: 1,
      after: [],
    }),
    searchBuilder.complete(maxRowid),
  ]);
  db.transaction(() => {
    db.exec(`
      UPDATE ${SEARCH_SCHEMA}.search_state
        SET mode = 'live', followable = 0, indexed_through = 0, needs_clear = 0, gen = 0;
      UPDATE main.search_sync SET gen = 0;
    `);
    db.exec(DROP_SEARCH_TRIGGERS_SQL);
    db.exec(SEARCH_TRIGGERS_SQL);
  })();
}
