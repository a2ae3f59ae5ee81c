/**
 * The search builder's thread (started by SearchBuilder, search-builder.ts): its own
 * connection, records read from the replica file, the index written to the search file.
 *
 * One loop: each turn takes the search file's write lock first (so the state it reads
 * cannot change under it), then indexes the next window of committed records if the index
 * is building and there is work: everything up to a requested completion, or, while
 * following a first snapshot, whatever the feed has committed so far.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { SEARCH_SCHEMA } from './search-schema';

export interface SearchBuilderData {
  /** The SQLite build the core resolved, so both sides open the files with the same one. */
  readonly sqlitePath: string;
  readonly replicaPath: string;
  /** The profile key's pragmas (replica-cipher.ts); the attached search file takes it too. */
  readonly keyPragmas: readonly string[];
  readonly searchPath: string;
  /** Statements with two parameters each: (rowid after, rowid up to). */
  readonly rangeSql: readonly string[];
  readonly clearSql: readonly string[];
  readonly windowRows: number;
  readonly followMinRows: number;
  readonly idlePollMs: number;
}

type Message = { type: 'stop' } | { type: 'complete'; id: number; maxRowid: number };
interface SearchState {
  mode: string;
  through: number;
  followable: number;
  needsClear: number;
}
interface Turn {
  live: boolean;
  through: number;
  worked: boolean;
}

const w = workerData as SearchBuilderData;
const port = parentPort;
if (!port) throw new Error('search-builder.thread runs only as a worker thread');
const open = createRequire(import.meta.url)(w.sqlitePath) as typeof Database;
const db = new open(w.replicaPath, { fileMustExist: true });
for (const pragma of w.keyPragmas) db.pragma(pragma);
db.pragma('busy_timeout = 10000');
db.prepare(`ATTACH DATABASE ? AS ${SEARCH_SCHEMA}`).run(w.searchPath);
db.pragma(`${SEARCH_SCHEMA}.synchronous = NORMAL`);
const lock = db.prepare(`UPDATE ${SEARCH_SCHEMA}.search_state SET singleton = 1`);
const state = db.prepare<[], SearchState>(
  `SELECT mode, indexed_through AS through, followable, needs_clear AS needsClear FROM ${SEARCH_SCHEMA}.search_state`,
);
const maxRowid = db.prepare<[], { m: number }>(
  'SELECT COALESCE(MAX(rowid), 0) AS m FROM main.records',
);
const ranged = w.rangeSql.map((sql) => db.prepare<[number, number]>(sql));
let completions: { id: number; maxRowid: number }[] = [];
let stopping = false;
let lastMax = -1;
const IDLE: Turn = { live: true, through: 0, worked: false };

const turn = db.transaction((): Turn => {
  lock.run();
  const s = state.get();
  if (!s || s.mode !== 'building') return IDLE;
  let through = s.through;
  if (s.needsClear) {
    for (const sql of w.clearSql) db.exec(sql);
    through = 0;
  }
  let wanted = completions.reduce((m, c) => Math.max(m, c.maxRowid), 0);
  if (s.followable) {
    const m = maxRowid.get()?.m ?? 0;
    // Following: commit once enough rows are waiting, or when the load paused.
    const settled = m === lastMax;
    lastMax = m;
    if (m - through >= w.followMinRows || (settled && m > through)) wanted = Math.max(wanted, m);
  }
  const upTo = Math.min(wanted, through + w.windowRows);
  if (upTo > through) for (const statement of ranged) statement.run(through, upTo);
  return { live: false, through: Math.max(through, upTo), worked: upTo > through };
});

/** Answers every completion the index has reached (all of them once it is live). */
function answer(r: Turn): void {
  completions = completions.filter((c) => {
    if (!r.live && r.through < c.maxRowid) return true;
    port?.postMessage({ id: c.id, ok: true });
    return false;
  });
}

function loop(): void {
  if (stopping) return;
  let worked = false;
  try {
    // A cheap read first: taking the write lock on every idle poll would write the file.
    const peek = state.get();
    const r = peek?.mode === 'building' ? turn() : IDLE;
    worked = r.worked;
    answer(r);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const c of completions) port?.postMessage({ id: c.id, ok: false, message });
    completions = [];
  }
  if (worked || completions.length > 0) setImmediate(loop);
  else setTimeout(loop, w.idlePollMs);
}

port.on('message', (m: Message) => {
  if (m.type === 'stop') {
    stopping = true;
    db.close();
    process.exit(0);
  }
  completions.push({ id: m.id, maxRowid: m.maxRowid });
});
loop();
