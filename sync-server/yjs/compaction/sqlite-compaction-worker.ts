import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../../threads';
import type { CompactionResult, DocCompactor } from './doc-compactor.port';
import type { CompactionThreadData } from './sqlite-compaction.thread';

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly replaced?: number;
  readonly bytes?: number;
  readonly message?: string;
}

export interface CompactionWorkerOptions {
  /** The server connection's `synchronous`: a stricter one would fsync while holding the lock. */
  readonly synchronous: 'NORMAL' | 'FULL';
  /** How long either side waits for the other's write lock. Default 5 s, as the server's. */
  readonly busyTimeoutMs?: number;
}

/**
 * Compaction on a worker thread with its own connection to the server's database file, so
 * neither the merge (a replay of the whole log: milliseconds on an aging document) nor the
 * delete of the replaced rows runs on the event loop. Jobs run one at a time, in order.
 * A thread of its own, not the checkpoint worker's: that one is a timer loop with no replies,
 * and a merge that throws or takes long should not hold up checkpoints.
 */
export class SqliteCompactionWorker implements DocCompactor {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (r: CompactionResult) => void; reject: (e: Error) => void }
  >();
  #nextId = 1;
  #running = true;
  #stopping = false;

  constructor(path: string, options: CompactionWorkerOptions) {
    const workerData: CompactionThreadData = {
      path,
      synchronous: options.synchronous,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    };
    this.#worker = startModuleWorker(
      siblingModule(import.meta.url, 'sqlite-compaction.thread'),
      workerData,
    );
    // Idle, it must not keep the process alive; stop() waits for the jobs it still has.
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const waiting = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      const replaced = reply.replaced ?? 0;
      if (!reply.ok) waiting?.reject(new Error(`compaction failed: ${reply.message ?? '?'}`));
      else
        waiting?.resolve(
          replaced > 0
            ? { compacted: true, replaced, mergedBytes: reply.bytes ?? 0 }
            : { compacted: false },
        );
    });
    this.#worker.once('error', (err) => {
      this.#died(`compaction worker failed: ${err.message}`);
    });
    this.#worker.once('exit', (code) => {
      this.#died(`compaction worker exited (${String(code)})`);
    });
  }

  get running(): boolean {
    return this.#running && !this.#stopping;
  }

  compact(docName: string, uptoSeq: number): Promise<CompactionResult> {
    if (!this.running) return Promise.reject(new Error('compaction worker is not running'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, doc: docName, upto: uptoSeq });
    });
  }

  /** Lets the jobs already posted finish, then closes the worker's connection. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (!this.#running) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ type: 'stop' });
    await exited;
  }

  /** For tests: kills the thread as a crash would. */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #died(reason: string): void {
    if (!this.#running) return;
    this.#running = false;
    for (const waiting of this.#pending.values()) waiting.reject(new Error(reason));
    this.#pending.clear();
  }
}
