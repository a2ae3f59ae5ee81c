import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. SQLite normally checkpoints inside
 * whichever commit crosses 1000 WAL pages, and that commit then waits for the
 * copy and fsync of the database file — tens of milliseconds during which the
 * server answers nobody (measured as the p99 cliff in the fan-out benchmark).
 * The server's connection turns automatic checkpoints off; this worker thread
 * runs a PASSIVE checkpoint on its own connection every `intervalMs`, which
 * never blocks writers.
 */
export function startCheckpointWorker(path: string, intervalMs: number): { stop(): Promise<void> } {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const Database = require('better-sqlite3');
    const db = new Database(workerData.path);
    db.pragma('busy_timeout = 1000');
    const timer = setInterval(() => {
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: next round */ }
    }, workerData.intervalMs);
    parentPort.on('message', () => { clearInterval(timer); try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} db.close(); process.exit(0); });
  `;
  const worker = new Worker(code, { eval: true, workerData: { path, intervalMs } });
  worker.unref();
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
