/**
 * The compaction worker's thread (started by SqliteCompactionWorker,
 * sqlite-compaction-worker.ts): its own connection to the server's database file; one job
 * at a time, `{ id, doc, upto }` in, `{ id, ok, replaced?, bytes?, message? }` out.
 *
 * Why replay into a Y.Doc rather than Y.mergeUpdates: mergeUpdates keeps the content of
 * deleted items (2,000 overwrites of one map key: 140 KB merged, 97 bytes encoded from a
 * doc), and `status/<region>` is overwritten every few seconds for ever. A doc with gc on
 * drops it, so the merged row is what a load of these rows holds, as the inline path stores.
 *
 * The merge runs before BEGIN: the write lock is held only for a row count, the delete and
 * one insert. BEGIN IMMEDIATE takes the lock up front (a read upgraded to a write could fail
 * with SQLITE_BUSY_SNAPSHOT, which no busy timeout retries). If the count of rows <= upto
 * changed since they were read, someone else compacted them: write nothing.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import * as Y from 'yjs';

export interface CompactionThreadData {
  readonly path: string;
  /** The server connection's `synchronous`: a stricter one would fsync while holding the lock. */
  readonly synchronous: 'NORMAL' | 'FULL';
  readonly busyTimeoutMs: number;
}

type Message = { type: 'stop' } | { type?: undefined; id: number; doc: string; upto: number };

const data = workerData as CompactionThreadData;
const port = parentPort;
if (!port) throw new Error('sqlite-compaction.thread runs only as a worker thread');
const db = new Database(data.path);
db.pragma(`busy_timeout = ${String(data.busyTimeoutMs)}`);
db.pragma(`synchronous = ${data.synchronous}`);
db.pragma('wal_autocheckpoint = 0'); // checkpoints are the checkpoint worker's
const select = db.prepare<[string, number], { data: Buffer }>(
  'SELECT data FROM yjs_updates WHERE doc = ? AND seq <= ? ORDER BY seq',
);
const count = db.prepare<[string, number], { n: number; top: number | null }>(
  'SELECT COUNT(*) AS n, MAX(seq) AS top FROM yjs_updates WHERE doc = ? AND seq <= ?',
);
const remove = db.prepare<[string, number]>('DELETE FROM yjs_updates WHERE doc = ? AND seq <= ?');
const insert = db.prepare<[string, number, Buffer]>(
  'INSERT INTO yjs_updates (doc, seq, data) VALUES (?, ?, ?)',
);
const replace = db.transaction((doc: string, upto: number, merged: Buffer, rows: number) => {
  const now = count.get(doc, upto);
  if (now?.n !== rows || now.top !== upto) return false;
  remove.run(doc, upto);
  insert.run(doc, upto, merged);
  return true;
});

function compact(doc: string, upto: number): { replaced: number; bytes: number } {
  const rows = select.all(doc, upto);
  if (rows.length < 2) return { replaced: 0, bytes: 0 };
  const ydoc = new Y.Doc();
  ydoc.transact(() => {
    for (const row of rows) Y.applyUpdate(ydoc, row.data);
  });
  const merged = Y.encodeStateAsUpdate(ydoc);
  ydoc.destroy();
  const bytes = Buffer.from(merged.buffer, merged.byteOffset, merged.byteLength);
  const done = replace.immediate(doc, upto, bytes, rows.length);
  return { replaced: done ? rows.length : 0, bytes: bytes.length };
}

port.on('message', (m: Message) => {
  if (m.type === 'stop') {
    db.close();
    process.exit(0);
  }
  try {
    port.postMessage({ id: m.id, ok: true, ...compact(m.doc, m.upto) });
  } catch (error) {
    port.postMessage({
      id: m.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
