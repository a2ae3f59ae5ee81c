import type { DocStore, DocUpdate } from './doc-store.port';
import { settled } from '../hub/settled';

interface Row {
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * In-memory `DocStore` for tests and throwaway servers. Durable only for the life of the
 * process; otherwise it follows the same contract as the SQLite store. Every call does its
 * work before it returns and hands back a settled promise.
 */
export class MemoryDocStore implements DocStore {
  private readonly docs = new Map<string, Row[]>();
  // Seqs are never reused, even after compaction deletes rows, so the high-water mark lives
  // apart from the rows themselves.
  private readonly lastSeq = new Map<string, number>();
  private closed = false;

  load(docName: string): Promise<Uint8Array[]> {
    return settled(() => {
      this.assertOpen();
      return (this.docs.get(docName) ?? []).map((row) => row.data.slice());
    });
  }

  append(docName: string, update: Uint8Array): Promise<number> {
    return settled(() => {
      this.assertOpen();
      return this.appendNow(docName, update);
    });
  }

  // Nothing in here can fail once the store is open, so appending one by one is atomic.
  appendBatch(entries: readonly DocUpdate[]): Promise<number[]> {
    return settled(() => {
      this.assertOpen();
      return entries.map((entry) => this.appendNow(entry.docName, entry.update));
    });
  }

  compact(docName: string, merged: Uint8Array, uptoSeq: number): Promise<void> {
    return settled(() => {
      this.assertOpen();
      const rows = this.docs.get(docName) ?? [];
      const kept = rows.filter((row) => row.seq > uptoSeq);
      this.docs.set(docName, [{ seq: uptoSeq, data: merged.slice() }, ...kept]);
      if ((this.lastSeq.get(docName) ?? 0) < uptoSeq) this.lastSeq.set(docName, uptoSeq);
    });
  }

  count(docName: string): Promise<number> {
    return settled(() => {
      this.assertOpen();
      return this.docs.get(docName)?.length ?? 0;
    });
  }

  close(): Promise<void> {
    this.closed = true;
    this.docs.clear();
    this.lastSeq.clear();
    return Promise.resolve();
  }

  private appendNow(docName: string, update: Uint8Array): number {
    const seq = (this.lastSeq.get(docName) ?? 0) + 1;
    const rows = this.docs.get(docName) ?? [];
    rows.push({ seq, data: update.slice() });
    this.docs.set(docName, rows);
    this.lastSeq.set(docName, seq);
    return seq;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryDocStore is closed');
  }
}
