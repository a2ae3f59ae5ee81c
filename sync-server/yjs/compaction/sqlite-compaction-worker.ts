import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { CompactionResult, DocCompactor } from './doc-compactor.port';

const require = createRequire(import.meta.url);

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

// CommonJS in an eval'd worker: no TypeScript loader needed in the thread. Module paths come
// resolved from here, because an eval'd worker would resolve them from the process's cwd.
//
// Why replay into a Y.Doc rather than Y.mergeUpdates: mergeUpdates keeps the content of
// deleted items (2,000 overwrites of one map key: 140 KB merged, 97 bytes encoded from a
// doc), and `status/<region>` is overwritten every few seconds for ever. A doc with gc on
// drops it, so the merged row is what a load of these rows holds, as the inline path stores.
//
// The merge runs before BEGIN: the write lock is held only for a row count, the delete and
// one insert. BEGIN IMMEDIATE takes the lock up front (a read upgraded to a write could fail
// with SQLITE_BUSY_SNAPSHOT, which no busy timeout retries). If the count of rows <= upto
// changed since they were read, someone else compacted them: write nothing.
const WORKER_SOURCE = `
  const { workerData, parentPort } = require('node:worker_threads');
  const Database = require(workerData.sqlite);
  const Y = require(workerData.yjs);
  const db = new Database(workerData.path);
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  db.pragma('synchronous = ' + workerData.synchronous);
  db.pragma('wal_autocheckpoint = 0'); // checkpoints are the checkpoint worker's
  const select = db.prepare('SELECT data FROM yjs_updates WHERE doc = ? AND seq <= ? ORDER BY seq');
  const count = db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS top FROM yjs_updates WHERE doc = ? AND seq <= ?');
  const remove = db.prepare('DELETE FROM yjs_updates WHERE doc = ? AND seq <= ?');
  const insert = db.prepare('INSERT INTO yjs_updates (doc, seq, data) VALUES (?, ?, ?)');
  const replace = db.transaction((doc, upto, merged, rows) => {
    const now = count.get(doc, upto);
    if (now.n !== rows || now.top !== upto) return false;
    remove.run(doc, upto);
    insert.run(doc, upto, merged);
    return true;
  });
  function compact(doc, upto) {
    const rows = select.all(doc, upto);
    if (rows.length < 2) return { replaced: 0, bytes: 0 };
    const ydoc = new Y.Doc();
    ydoc.transact(() => { for (const row of rows) Y.applyUpdate(ydoc, row.data); });
    const merged = Y.encodeStateAsUpdate(ydoc);
    ydoc.destroy();
    const bytes = Buffer.from(merged.buffer, merged.byteOffset, merged.byteLength);
    const done = replace.immediate(doc, upto, bytes, rows.length);
    return { replaced: done ? rows.length : 0, bytes: bytes.length };
  }
  parentPort.on('message', (m) => {
    if (m.type === 'stop') { db.close(); process.exit(0); }
    try {
      parentPort.postMessage({ id: m.id, ok: true, ...compact(m.doc, m.upto) });
    } catch (e) {
      parentPort.postMessage({ id: m.id, ok: false, message: String(e && e.message) });
    }
  });
`;

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
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        sqlite: require.resolve('better-sqlite3'),
        yjs: require.resolve('yjs'),
        synchronous: options.synchronous,
        busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      },
    });
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
