import type { WritableDb } from './db-handles';
import { keyingOf, keyPragmas } from './replica-cipher';
import { buildSearchHere, searchIndexPathFor, type SearchBuildRunner } from './search-index';
import { CLEAR_SEARCH_SQL, INDEX_RANGE_SQL, SEARCH_SCHEMA } from './search-schema';
import { coreSqliteModule, SqliteThread } from './sqlite-thread';

/** Rows per index commit: FTS5 writes a segment per commit, so fewer, larger ones build faster. */
const WINDOW_ROWS = 50_000;
/** While following a load, wait for this many new rows (or a pause in the load) before a commit. */
const FOLLOW_MIN_ROWS = 10_000;
const IDLE_POLL_MS = 25;

// CommonJS for `new Worker(..., { eval: true })`, like the ReplicaWorker: runs the
// same under tsx, plain Node and Electron's utility process. One loop: each turn
// takes the search file's write lock first (so the state it reads cannot change
// under it), then indexes the next window of committed records if the index is
// building and there is work: everything up to a requested completion, or, while
// following a first snapshot, whatever the feed has committed so far.
const WORKER_SOURCE = `
  const { workerData: w, parentPort } = require('node:worker_threads');
  const Database = require(w.sqlitePath);
  const db = new Database(w.replicaPath, { fileMustExist: true });
  // The profile key (replica-cipher.ts); the search file attached below takes it too.
  for (const pragma of w.keyPragmas) db.pragma(pragma);
  db.pragma('busy_timeout = 10000');
  db.prepare('ATTACH DATABASE ? AS ${SEARCH_SCHEMA}').run(w.searchPath);
  db.pragma('${SEARCH_SCHEMA}.synchronous = NORMAL');
  const lock = db.prepare('UPDATE ${SEARCH_SCHEMA}.search_state SET singleton = 1');
  const state = db.prepare('SELECT mode, indexed_through AS through, followable, needs_clear AS needsClear FROM ${SEARCH_SCHEMA}.search_state');
  const maxRowid = db.prepare('SELECT COALESCE(MAX(rowid), 0) AS m FROM main.records');
  const ranged = w.rangeSql.map((sql) => db.prepare(sql));
  let completions = [];
  let stopping = false;
  let lastMax = -1;
  const turn = db.transaction(() => {
    lock.run();
    const s = state.get();
    if (!s || s.mode !== 'building') return { live: true, through: 0, worked: false };
    let through = s.through;
    if (s.needsClear) { for (const sql of w.clearSql) db.exec(sql); through = 0; }
    const target = completions.reduce((m, c) => Math.max(m, c.maxRowid), 0);
    let wanted = target;
    if (s.followable) {
      const m = maxRowid.get().m;
      // Following: commit once enough rows are waiting, or when the load paused.
      const settled = m === lastMax;
      lastMax = m;
      if (m - through >= w.followMinRows || (settled && m > through)) wanted = Math.max(wanted, m);
    }
    const upTo = Math.min(wanted, through + w.windowRows);
    if (upTo > through) for (const st of ranged) st.run(through, upTo);
    return { live: false, through: Math.max(through, upTo), worked: upTo > through };
  });
  const answer = (r) => {
    completions = completions.filter((c) => {
      if (!r.live && r.through < c.maxRowid) return true;
      parentPort.postMessage({ id: c.id, ok: true });
      return false;
    });
  };
  const loop = () => {
    if (stopping) return;
    let worked = false;
    try {
      // A cheap read first: taking the write lock on every idle poll would write the file.
      const peek = state.get();
      const r = peek && peek.mode === 'building' ? turn() : { live: true, through: 0, worked: false };
      worked = r.worked;
      answer(r);
    } catch (error) {
      for (const c of completions) parentPort.postMessage({ id: c.id, ok: false, message: String((error && error.message) || error) });
      completions = [];
    }
    if (worked || completions.length > 0) setImmediate(loop);
    else setTimeout(loop, w.idlePollMs);
  };
  parentPort.on('message', (m) => {
    if (m.type === 'stop') { stopping = true; db.close(); process.exit(0); }
    if (m.type === 'complete') completions.push({ id: m.id, maxRowid: m.maxRowid });
  });
  loop();
`;

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
    this.#thread = new SqliteThread('search builder', WORKER_SOURCE, {
      sqlitePath: sqliteModule,
      replicaPath: db.name,
      keyPragmas: keyPragmas(keyingOf(db)),
      searchPath: searchIndexPathFor(db.name),
      rangeSql: INDEX_RANGE_SQL,
      clearSql: CLEAR_SEARCH_SQL,
      windowRows: WINDOW_ROWS,
      followMinRows: FOLLOW_MIN_ROWS,
      idlePollMs: IDLE_POLL_MS,
    });
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
