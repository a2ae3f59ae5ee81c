import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { timerDelay } from '../timers';

// Resolved here: an eval'd worker resolves modules from the process's cwd, not this file.
const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * WAL checkpoints off the event loop. SQLite normally checkpoints inside
 * whichever commit crosses 1000 WAL pages, and that commit then waits for the
 * copy and fsync of the database file — tens of milliseconds during which the
 * server answers nobody (measured as the p99 cliff in the fan-out benchmark).
 * The server's connection turns automatic checkpoints off; this worker thread
 * runs a PASSIVE checkpoint on its own connection every `intervalMs`, which
 * never blocks writers.
 *
 * A PASSIVE checkpoint copies only the frames that existed when it started, and
 * the next writer starts the WAL over from its beginning only once every frame
 * has been copied. Under steady writes a single pass never gets there, so the
 * WAL grew for as long as the writes went on (350 MB in 35 s at 1,600 Yjs
 * appends/s in the fan-out benchmark; the file never shrinks). So each round
 * repeats the pass, each one copying only what was written during the last,
 * until one finds nothing new: a few passes, at most 20; a pass with nothing
 * to copy neither copies nor fsyncs.
 */
export function startCheckpointWorker(path: string, intervalMs: number): { stop(): Promise<void> } {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const Database = require(workerData.sqliteModule);
    const db = new Database(workerData.path);
    db.pragma('busy_timeout = 1000');
    const timer = setInterval(() => {
      try {
        // A pass reports the WAL's frame count as it found it: once it equals the last pass's,
        // nothing was written in between and every frame is copied (a smaller count: the WAL
        // has already started over).
        let frames = -1;
        for (let pass = 0; pass < 20; pass += 1) {
          const [r] = db.pragma('wal_checkpoint(PASSIVE)');
          if (r === undefined || r.busy !== 0 || r.log <= frames) break;
          frames = r.log;
        }
      } catch { /* busy: next round */ }
    }, workerData.intervalMs);
    parentPort.on('message', () => { clearInterval(timer); try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} db.close(); process.exit(0); });
  `;
  // A configured interval: capped at what setInterval holds (see timers).
  const workerData = { path, intervalMs: timerDelay(intervalMs), sqliteModule };
  const worker = new Worker(code, { eval: true, workerData });
  worker.unref();
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
