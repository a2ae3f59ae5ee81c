import { siblingModule, startModuleWorker } from '../threads';
import { timerDelay } from '../timers';
import type { CheckpointWorkerData } from './checkpoint.thread';

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
  // A configured interval: capped at what setInterval holds (see timers).
  const workerData: CheckpointWorkerData = { path, intervalMs: timerDelay(intervalMs) };
  const worker = startModuleWorker(siblingModule(import.meta.url, 'checkpoint.thread'), workerData);
  worker.unref();
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
