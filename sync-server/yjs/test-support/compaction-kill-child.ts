/**
 * Child process for the SIGKILL test of background compaction: resumes the document stored in
 * the SQLite file given as argv[2], then keeps appending edits (one row each) and, every 100
 * rows, posts a compaction job to the worker, as the hub does, until it is killed. Prints
 * `stored <i>` once edit i is committed (stdout to a pipe is synchronous on Linux, so a printed
 * edit is a stored one) and `compacted <rows>` when a job has replaced rows.
 *
 *   node --import tsx sync-server/yjs/test-support/compaction-kill-child.ts <file>
 */
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { SqliteCompactionWorker } from '../compaction/sqlite-compaction-worker';
import { SqliteDocStore } from '../store/sqlite-doc-store';

const KILL_DOC = 'board/berlin/2026-11-22';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: compaction-kill-child.ts <sqlite file>');
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const store = new SqliteDocStore(db);
const compactor = new SqliteCompactionWorker(file, { synchronous: 'NORMAL' });
const source = new Y.Doc();
for (const row of await store.load(KILL_DOC)) Y.applyUpdate(source, row);
const items = source.getArray<number>('items');
let next = items.length;
let lastSeq = 0;
let sinceJob = 0;
let inFlight = false;
// SqliteDocStore commits inside the call, so an edit is stored once its transaction returned,
// before it is printed; the promise only hands over the seq.
source.on('update', (update: Uint8Array) => {
  store.append(KILL_DOC, update).then(
    (seq) => {
      lastSeq = seq;
    },
    (err: unknown) => {
      process.stderr.write(`append failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
});

function step(): void {
  source.transact(() => {
    items.push([next]);
    source.getMap('m').set('last', next); // an overwrite: deleted content to drop
    const text = source.getText('t');
    text.insert(text.length, `edit ${next} `.padEnd(200, '.'));
    if (next % 3 === 0) text.delete(0, 50);
  });
  process.stdout.write(`stored ${next}\n`);
  next += 1;
  sinceJob += 1;
  if (sinceJob >= 100 && !inFlight) {
    sinceJob = 0;
    inFlight = true;
    compactor.compact(KILL_DOC, lastSeq).then(
      (result) => {
        inFlight = false;
        if (result.compacted) process.stdout.write(`compacted ${result.replaced}\n`);
      },
      (err: unknown) => {
        process.stderr.write(`compaction failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  }
  setImmediate(step);
}
step();
