import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../threads';
import type { WritableDb } from './db-handles';

const require = createRequire(import.meta.url);

/**
 * The replica's SQLite build (better-sqlite3-multiple-ciphers: better-sqlite3's
 * API over SQLite3MultipleCiphers) as the core resolves it, handed to the threads so
 * both sides open the files with the same build (tests hand them another to fail).
 */
export const coreSqliteModule = (): string => require.resolve('better-sqlite3-multiple-ciphers');

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly message?: string;
}

/**
 * The plumbing shared by the replica's helper threads (ReplicaWorker,
 * SearchBuilder): a worker thread running a TypeScript module (`*.thread.ts`,
 * see app/threads), requests matched to replies by id, and a clean failure mode —
 * once the thread dies or fails to start, every pending and later request
 * rejects and `onDied` runs once.
 *
 * Protocol: requests are `{ type, id, ...payload }`; the thread answers
 * `{ id, ok, message? }` and exits on `{ type: 'stop' }`.
 */
export class SqliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #alive = true;
  #stopped = false;

  constructor(
    readonly name: string,
    entry: URL,
    workerData: object,
    private readonly onDied: () => void = () => undefined,
  ) {
    this.#worker = startModuleWorker(entry, workerData);
    this.#worker.on('message', (m: Reply) => {
      const waiting = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.ok) waiting?.resolve();
      else waiting?.reject(new Error(`${name} failed: ${m.message ?? 'unknown error'}`));
    });
    this.#worker.once('exit', (code) => this.#died(`${name} exited (${String(code)})`));
    this.#worker.once('error', (error) => this.#died(error.message));
  }

  request(type: string, payload: Record<string, unknown>): Promise<void> {
    if (!this.#alive) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...payload, type, id });
    });
  }

  /**
   * Runs `work` on the thread; if the thread is gone (it died, or could not
   * start), runs `fallback` on the caller's connection instead — the work must
   * get done, even at the cost of a pause. Not after stop(), nor on a closed db.
   */
  async withFallback(
    db: WritableDb,
    work: () => Promise<void>,
    fallback: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (this.#alive || this.#stopped || !db.open) throw error;
      console.error(`${this.name} unavailable; doing its work on the core thread`, error);
      await fallback();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (!this.#alive) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ type: 'stop' });
    await exited;
  }

  #died(reason: string): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.onDied();
    for (const waiting of this.#pending.values()) waiting.reject(new Error(reason));
    this.#pending.clear();
  }
}
