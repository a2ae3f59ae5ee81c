/**
 * The replica worker's thread (started by ReplicaWorker, replica-worker.ts): its own
 * connection to the replica file. It checkpoints on a timer and runs the bulk jobs it is
 * handed. Protocol: SqliteThread's (`{ type, id, ... }` in, `{ id, ok, message? }` out).
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { BulkSqlJob, ReplicaWorkerData } from './replica-worker';

type Message = { type: 'stop' } | { type: 'bulk'; id: number; job: BulkSqlJob };

const data = workerData as ReplicaWorkerData;
const port = parentPort;
if (!port) throw new Error('replica-worker.thread runs only as a worker thread');
const open = createRequire(import.meta.url)(data.sqlitePath) as typeof Database;
const db = new open(data.path, { fileMustExist: true });
for (const pragma of data.keyPragmas) db.pragma(pragma);
db.pragma('busy_timeout = 10000');
db.pragma('synchronous = NORMAL');
// The search file too: the core's connection writes it (triggers) with auto-checkpoints off.
if (data.searchPath) db.prepare('ATTACH DATABASE ? AS fts').run(data.searchPath);

const checkpoint = (): void => {
  for (const schema of data.searchPath ? ['main', 'fts'] : ['main']) {
    try {
      db.pragma(`${schema}.wal_checkpoint(PASSIVE)`);
    } catch {
      // busy: the next round
    }
  }
};
const timer = setInterval(checkpoint, data.checkpointEveryMs);

function runBulk(job: BulkSqlJob): void {
  for (const sql of job.before) db.exec(sql);
  const ranged = job.ranged.map((sql) => db.prepare<[number, number]>(sql));
  const window = db.transaction((from: number, to: number) => {
    for (const statement of ranged) statement.run(from, to);
  });
  for (let from = 0; from < job.maxRowid; from += job.rangeRows) window(from, from + job.rangeRows);
  for (const sql of job.after) db.exec(sql);
}

port.on('message', (m: Message) => {
  if (m.type === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    process.exit(0);
  }
  try {
    runBulk(m.job);
    port.postMessage({ id: m.id, ok: true });
  } catch (error) {
    port.postMessage({
      id: m.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  checkpoint();
});
