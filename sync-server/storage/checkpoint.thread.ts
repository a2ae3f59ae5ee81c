/**
 * The checkpoint worker's thread (started by startCheckpointWorker, checkpoint-worker.ts):
 * its own connection to the server's SQLite file, a PASSIVE checkpoint round every
 * `intervalMs`, and a last one when told to stop (any message).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointWorkerData {
  readonly path: string;
  readonly intervalMs: number;
}

interface CheckpointResult {
  busy: number;
  log: number;
}

const data = workerData as CheckpointWorkerData;
const port = parentPort;
if (!port) throw new Error('checkpoint.thread runs only as a worker thread');
const db = new Database(data.path);
db.pragma('busy_timeout = 1000');

/**
 * Passes until one finds nothing new. A pass reports the WAL's frame count as it found it:
 * once it equals the last pass's, nothing was written in between and every frame is copied
 * (a smaller count: the WAL has already started over).
 */
function checkpointRound(): void {
  let frames = -1;
  for (let pass = 0; pass < 20; pass += 1) {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    if (r === undefined || r.busy !== 0 || r.log <= frames) break;
    frames = r.log;
  }
}

const timer = setInterval(() => {
  try {
    checkpointRound();
  } catch {
    // busy: the next round
  }
}, data.intervalMs);

port.on('message', () => {
  clearInterval(timer);
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy: the writer's own checkpoint will do
  }
  db.close();
  process.exit(0);
});
